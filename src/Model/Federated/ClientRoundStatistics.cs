using System.Globalization;

namespace HFedMoE.Model.Federated;

/// <summary>
/// The per-client numbers behind a round's accuracy, compute and expert-usage metrics
/// (ALGORITHM.md §5). A reply is "counted" when its compute happened and was reported: accepted,
/// or lost by FedAvg-Naive's failure rule; accuracies and expert trainers come from accepted
/// replies only. Per-client values are kept by client id and summed in id order at the end, so
/// the metrics do not depend on arrival order.
/// </summary>
internal sealed class ClientRoundStatistics
{
    private readonly IReadOnlyDictionary<string, ClientProfile> _profiles;
    private readonly StrategyOptions _options;
    private readonly SortedDictionary<string, Counted> _counted = new(StringComparer.Ordinal);
    private readonly int[] _trainers;

    public ClientRoundStatistics(IReadOnlyDictionary<string, ClientProfile> profiles, StrategyOptions options, int expertCount)
    {
        _profiles = profiles;
        _options = options;
        _trainers = new int[expertCount];
    }

    /// <summary>Per global expert id: accepted updates that trained it so far.</summary>
    public IReadOnlyList<int> Trainers => _trainers;

    /// <summary>Null if the reply's measurements are usable, else what is wrong with them.</summary>
    public static string? Problem(SparseUpdate update)
    {
        if (!double.IsNaN(update.StartAccuracy) && update.StartAccuracy is not (>= 0 and <= 1))
        {
            return $"start accuracy {update.StartAccuracy} is outside [0, 1] (NaN when not measured)";
        }
        if (!double.IsNaN(update.LocalAccuracy) && update.LocalAccuracy is not (>= 0 and <= 1))
        {
            return $"local accuracy {update.LocalAccuracy} is outside [0, 1] (NaN when not measured)";
        }
        if (update.Flops < 0)
        {
            return $"FLOPs {update.Flops} must be ≥ 0";
        }
        return null;
    }

    /// <summary>Records a counted reply; <paramref name="accepted"/>: it was merged.</summary>
    public void Count(SparseUpdate update, bool accepted)
    {
        _counted[update.ClientId] = new Counted(accepted, update.SampleCount, update.StartAccuracy, update.LocalAccuracy,
            update.Flops, update.ExpertBackwardPasses, update.LocalSteps - update.FailedSteps, update.Loss, update.TrainedExperts.Distinct().Count());
        if (accepted)
        {
            foreach (int e in update.TrainedExperts.Distinct())
            {
                _trainers[e]++;
            }
        }
    }

    public void WriteTo(IDictionary<string, double> metrics)
    {
        var accepted = _counted.Values.Where(c => c.Accepted).ToList();
        metrics[RoundMetric.LocalAccuracy] = WeightedMean(accepted, c => c.LocalAccuracy);
        metrics[RoundMetric.LocalStartAccuracy] = WeightedMean(accepted, c => c.StartAccuracy);
        metrics[RoundMetric.Flops] = _counted.Values.Sum(c => c.Flops);
        metrics[RoundMetric.SlowestClientTime] = SlowestClientTime();
        foreach (var tier in _profiles.Values.Select(TierName).Distinct(StringComparer.Ordinal))
        {
            metrics[RoundMetric.TierBackwardPasses(tier)] = 0;
            metrics[RoundMetric.TierClients(tier)] = 0;
        }
        foreach (var (id, c) in _counted)
        {
            string tier = TierName(_profiles[id]);
            metrics[RoundMetric.TierBackwardPasses(tier)] += c.BackwardPasses;
            metrics[RoundMetric.TierClients(tier)] += 1;
        }
        for (int e = 0; e < _trainers.Length; e++)
        {
            metrics[RoundMetric.ExpertTrainers(e)] = _trainers[e];
        }
        metrics[RoundMetric.ExpertUsageBalance] = UsageBalance(_trainers);
        if (_options.PerClientMetrics)
        {
            foreach (var (id, c) in _counted.Where(c => c.Value.Accepted))
            {
                metrics[RoundMetric.Client(id, "loss")] = c.Loss;
                metrics[RoundMetric.Client(id, "start_accuracy")] = c.StartAccuracy;
                metrics[RoundMetric.Client(id, "local_accuracy")] = c.LocalAccuracy;
                metrics[RoundMetric.Client(id, "trained_experts")] = c.TrainedExperts;
            }
        }
    }

    /// <summary>A profile's tier in metric names: its tier name, else "cap{cap}", else "none".</summary>
    internal static string TierName(ClientProfile profile) =>
        profile.Tier ?? (profile.ComputeCap is { } cap ? "cap" + cap.ToString(CultureInfo.InvariantCulture) : "none");

    /// <summary>
    /// max over counted clients of work / cap, work = DenseCost per trained step + ExpertCost per
    /// expert backward pass (with the default cost model, just the passes). A client whose cap
    /// cannot be resolved or is not positive runs at the largest cap of the round; 0 with no
    /// counted client, NaN if no planned client has a positive cap.
    /// </summary>
    private double SlowestClientTime()
    {
        double largest = _profiles.Values.Select(CapOf).Where(c => c > 0).DefaultIfEmpty(double.NaN).Max();
        double slowest = 0;
        foreach (var (id, c) in _counted)
        {
            double cap = CapOf(_profiles[id]);
            double work = _options.CostModel.DenseCost * c.TrainedSteps + _options.CostModel.ExpertCost * c.BackwardPasses;
            slowest = Math.Max(slowest, work / (cap > 0 ? cap : largest));
        }
        return slowest;
    }

    private double CapOf(ClientProfile profile) =>
        profile.ComputeCap ?? _options.Tiers.FirstOrDefault(t => t.Name == profile.Tier)?.ComputeCap ?? double.NaN;

    private static double WeightedMean(List<Counted> clients, Func<Counted, double> value)
    {
        double sum = 0, weight = 0;
        foreach (var c in clients)
        {
            double v = value(c);
            if (!double.IsNaN(v))
            {
                sum += v * c.Samples;
                weight += c.Samples;
            }
        }
        return weight > 0 ? sum / weight : double.NaN;
    }

    /// <summary>Entropy of the trainer counts over all experts / log(experts); 0 when nothing trained.</summary>
    private static double UsageBalance(int[] counts)
    {
        long total = counts.Sum(c => (long)c);
        if (total == 0)
        {
            return 0;
        }
        if (counts.Length == 1)
        {
            return 1;
        }
        double h = 0;
        foreach (int c in counts)
        {
            if (c > 0)
            {
                double p = (double)c / total;
                h -= p * Math.Log(p);
            }
        }
        return h / Math.Log(counts.Length);
    }

    private sealed record Counted(bool Accepted, int Samples, double StartAccuracy, double LocalAccuracy, long Flops, long BackwardPasses, int TrainedSteps, double Loss, int TrainedExperts);
}
