namespace HFedMoE.Model.Federated;

/// <summary>Creates a strategy by its configuration name; ablations are HFedMoE with one option changed.</summary>
public static class StrategyFactory
{
    public const string HFedMoE = "hfedmoe";
    public const string FedAvgFull = "fedavg-full";
    public const string FedAvgNaive = "fedavg-naive";
    public const string RandomK = "random-k";
    public const string FrequencyTopK = "frequency-topk";
    public const string Flame = "flame";
    public const string SnipTopK = "snip-topk";
    public const string HeteroFL = "heterofl";
    public const string HFedMoEBeta0 = "hfedmoe-beta0";
    public const string HFedMoELambda1 = "hfedmoe-lambda1";
    public const string HFedMoERankImportance = "hfedmoe-rank-importance";
    public const string HFedMoEFedAvgAggregation = "hfedmoe-fedavg-agg";
    public const string HFedMoEUnnormalised = "hfedmoe-unnormalised";
    public const string HFedMoENoTrainedCondition = "hfedmoe-no-trained-condition";
    public const string HFedMoEPlus = "hfedmoe-plus";

    /// <summary>Every valid name, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        HFedMoE, FedAvgFull, FedAvgNaive, RandomK, FrequencyTopK, Flame, SnipTopK, HeteroFL,
        HFedMoEBeta0, HFedMoELambda1, HFedMoERankImportance, HFedMoEFedAvgAggregation,
        HFedMoEUnnormalised, HFedMoENoTrainedCondition, HFedMoEPlus,
    ];

    public static IFederatedStrategy Create(string name, StrategyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var o = options ?? new StrategyOptions();
        return name switch
        {
            HFedMoE => new HFedMoEStrategy(HFedMoE, o),
            FedAvgFull => new FedAvgFullStrategy(o),
            FedAvgNaive => new FedAvgNaiveStrategy(o),
            RandomK => new RandomKStrategy(o),
            FrequencyTopK => new FrequencyTopKStrategy(o),
            Flame => new FlameStrategy(o),
            SnipTopK => new SnipTopKStrategy(o),
            HeteroFL => new HeteroFLStrategy(o),
            HFedMoEBeta0 => new HFedMoEStrategy(name, o with { Beta = 0 }),
            HFedMoELambda1 => new HFedMoEStrategy(name, o with { Lambda = 1 }),
            HFedMoERankImportance => new HFedMoEStrategy(name, o with { RankBy = RankBy.Importance }),
            HFedMoEFedAvgAggregation => new HFedMoEStrategy(name, o with { SparsityAwareAggregation = false }),
            HFedMoEUnnormalised => new HFedMoEStrategy(name, o with { Gating = RouterMerge.Unnormalised }),
            HFedMoENoTrainedCondition => new HFedMoEStrategy(name, o with { RequireTrained = false }),
            HFedMoEPlus => new HFedMoEPlusStrategy(o),
            _ => throw new ArgumentException($"unknown strategy '{name}'; valid names: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
