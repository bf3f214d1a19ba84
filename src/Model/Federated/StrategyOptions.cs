namespace HFedMoE.Model.Federated;

/// <summary>
/// Every knob of the strategies (the runtime maps configuration keys onto these fields).
/// Defaults are ALGORITHM.md's: λ = 0.5, β = 0.1, τ = 0.0375, rank by I(e), the "actually
/// trained" condition on, normalised gating.
/// </summary>
public sealed record StrategyOptions
{
    /// <summary>λ in s(e) = λ·s_cum + (1−λ)·s_spec.</summary>
    public double Lambda { get; init; } = 0.5;

    /// <summary>β in I(e) = s(e) − β·KL(e).</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>τ: the usage u_c(e) an expert needs on a client to count in the merge.</summary>
    public double Tau { get; init; } = 0.0375;

    public RankBy RankBy { get; init; } = RankBy.InformationBottleneck;

    /// <summary>Merge an expert from a client only if the client actually trained it.</summary>
    public bool RequireTrained { get; init; } = true;

    public RouterMerge Gating { get; init; } = RouterMerge.Normalised;

    /// <summary>False: plain FedAvg of experts and router instead of §3 (ablation).</summary>
    public bool SparsityAwareAggregation { get; init; } = true;

    public BudgetCostModel CostModel { get; init; } = BudgetCostModel.ExpertPasses;

    /// <summary>Client tiers by name; a <see cref="ClientProfile"/> names one or gives a cap.</summary>
    public IReadOnlyList<BudgetTier> Tiers { get; init; } = [];

    public LocalSettings Local { get; init; } = new();

    /// <summary>The model's routing top-k (FLAME derives k_i from it when a tier gives none).</summary>
    public int ModelTopK { get; init; } = 2;

    /// <summary>t in FLAME's weights (f_c(e))^t·|D_c|.</summary>
    public double FlameExponent { get; init; } = 1.0;

    /// <summary>FedAvg-Naive: share of failed steps above which a client's update is lost.</summary>
    public double NaiveFailureThreshold { get; init; } = 0.5;

    /// <summary>Smallest expert width a HeteroFL client trains.</summary>
    public double MinWidthFraction { get; init; } = 1.0 / 16;

    /// <summary>HFedMoE-plus's selection, damped expert merge and router merge.</summary>
    public PlusOptions Plus { get; init; } = new();

    public int Seed { get; init; } = 7;

    /// <summary>Largest parameter magnitude an update may carry.</summary>
    public double ValueBound { get; init; } = 1024;

    public int EvaluateBatchSize { get; init; } = 64;

    /// <summary>Also write each accepted client's loss, accuracies and trained-expert count as round metrics (<see cref="RoundMetric.ClientPrefix"/>).</summary>
    public bool PerClientMetrics { get; init; }

    /// <summary>Optional server-side evaluation of a global model (round, model) → summary.</summary>
    public Func<int, GlobalModel, EvaluateSummary?>? CentralEvaluator { get; init; }

    /// <summary>Throws naming the first out-of-range field.</summary>
    public void Validate()
    {
        Range(Lambda, 0, 1, nameof(Lambda));
        Range(Beta, 0, double.MaxValue, nameof(Beta));
        Range(Tau, 0, 1, nameof(Tau));
        Range(FlameExponent, 0, double.MaxValue, nameof(FlameExponent));
        Range(NaiveFailureThreshold, 0, 1, nameof(NaiveFailureThreshold));
        Range(MinWidthFraction, double.Epsilon, 1, nameof(MinWidthFraction));
        Range(ValueBound, double.Epsilon, 1 << 20, nameof(ValueBound));
        ArgumentNullException.ThrowIfNull(CostModel, nameof(CostModel));
        ArgumentNullException.ThrowIfNull(Local, nameof(Local));
        ArgumentNullException.ThrowIfNull(Tiers, nameof(Tiers));
        ArgumentNullException.ThrowIfNull(Plus, nameof(Plus));
        Plus.Validate();
        if (ModelTopK < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ModelTopK), ModelTopK, "model top-k must be ≥ 1");
        }
        if (Local.Steps < 1 || Local.BatchSize < 1 || !(Local.LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Local), Local, "local steps and batch size must be ≥ 1 and the learning rate > 0");
        }
        if (EvaluateBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EvaluateBatchSize), EvaluateBatchSize, "evaluation batch size must be ≥ 1");
        }
        var dup = Tiers.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ArgumentException($"budget tier '{dup.Key}' is defined twice", nameof(Tiers));
        }
    }

    private static void Range(double v, double lo, double hi, string name)
    {
        if (!(v >= lo && v <= hi))
        {
            throw new ArgumentOutOfRangeException(name, v, $"{name} must lie in [{lo}, {hi}]");
        }
    }
}
