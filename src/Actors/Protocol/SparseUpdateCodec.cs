using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Protocol;

/// <summary>
/// <see cref="SparseUpdate"/> to and from its wire forms: the whole reply as one
/// <see cref="ClientUpdate"/> (spool, replay), or cut into the per-aggregator messages a client
/// sends during a round (<see cref="Split"/>).
/// </summary>
public static class SparseUpdateCodec
{
    public static ClientUpdate Encode(SparseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var m = new ClientUpdate { Report = Report(update) };
        m.Tensors.AddRange(update.Tensors.Select(TensorCodec.Encode));
        return m;
    }

    /// <exception cref="InvalidDataException">The report is missing, or a tensor's payload does not fit its shape.</exception>
    public static SparseUpdate Decode(ClientUpdate message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var r = message.Report ?? throw new InvalidDataException("client update has no report");
        return new SparseUpdate(
            r.ClientId,
            r.Round,
            r.ModelVersion,
            r.SampleCount,
            [.. r.Usage],
            [.. r.Importance],
            [.. r.ActivationFrequency],
            [.. r.TrainedExperts],
            TensorCodec.DecodeAll(message.Tensors),
            r.Loss,
            r.LocalSteps,
            r.FailedSteps,
            r.ExpertBackwardPasses,
            r.HasStartAccuracy ? r.StartAccuracy : double.NaN,
            r.HasLocalAccuracy ? r.LocalAccuracy : double.NaN,
            r.Flops);
    }

    /// <summary>
    /// Cuts a reply into its round messages. Each trained expert gets an <see cref="ExpertUpdate"/>
    /// with its tensors; with <paramref name="untrainedUsageFloor"/> set, so does each untrained
    /// expert whose usage reaches it (no tensors: it counts with the previous value when the
    /// strategy weighs used-but-frozen experts, see <see cref="HFedMoEWeights.UntrainedUsageFloor"/>).
    /// Router and shared tensors go in the <see cref="GatingUpdate"/>.
    /// </summary>
    public static RoutedUpdate Split(SparseUpdate update, ExpertLayout layout, double? untrainedUsageFloor = null) =>
        Split(update, layout, e => untrainedUsageFloor is { } floor && update.Usage[e] >= floor);

    /// <summary>
    /// Cuts a reply into its round messages, each with the weight the round's strategy merges it
    /// with (<paramref name="weights"/>, from <see cref="DelegatedMerge.Offer"/>): an
    /// <see cref="ExpertShare"/> for every expert the client trained, sent tensors of, or counts
    /// for (weight > 0: an untrained one counts as the previous value), and a
    /// <see cref="GatingShare"/> with the shared and router weights.
    /// </summary>
    public static RoutedShares Shares(SparseUpdate update, ExpertLayout layout, ContributionWeights weights)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Experts.Count != layout.ExpertCount || weights.RouterColumns is { } rc && rc.Count != layout.ExpertCount)
        {
            throw new ArgumentException($"weights of '{update.ClientId}' have {weights.Experts.Count} expert and {weights.RouterColumns?.Count ?? 0} router column entries; the model has {layout.ExpertCount} experts", nameof(weights));
        }
        var routed = Split(update, layout, e => weights.Experts[e] > 0);
        var gating = new GatingShare { Update = routed.Gating, SharedWeight = weights.Shared, RouterWeight = weights.Router };
        if (weights.RouterColumns is { } columns)
        {
            gating.RouterColumns.AddRange(columns);
        }
        var experts = routed.Experts
            .Select(x => new ExpertShare { Update = x, Weight = weights.Experts[x.Layer * layout.ExpertsPerLayer + x.Expert] })
            .ToList();
        return new RoutedShares(routed.Report, gating, experts);
    }

    /// <param name="alsoSend">Whether an expert the client neither trained nor sent tensors of still gets a share.</param>
    private static RoutedUpdate Split(SparseUpdate update, ExpertLayout layout, Func<int, bool> alsoSend)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(layout);
        int experts = layout.ExpertCount;
        if (update.Usage.Count != experts || update.Importance.Count != experts)
        {
            throw new ArgumentException($"update from '{update.ClientId}' has {update.Usage.Count} usage and {update.Importance.Count} importance entries; the model has {experts} experts", nameof(update));
        }
        var trained = new bool[experts];
        foreach (int e in update.TrainedExperts)
        {
            if (e < 0 || e >= experts)
            {
                throw new ArgumentException($"update from '{update.ClientId}' lists trained expert {e}, outside [0, {experts})", nameof(update));
            }
            trained[e] = true;
        }

        var perExpert = new List<Tensor>?[experts];
        var gating = new GatingUpdate
        {
            Round = update.Round,
            ModelVersion = update.ModelVersion,
            ClientId = update.ClientId,
            SampleCount = update.SampleCount,
        };
        gating.Usage.AddRange(update.Usage);
        gating.Importance.AddRange(update.Importance);
        foreach (var t in update.Tensors)
        {
            if (!layout.TryGet(t.Name, out var entry))
            {
                throw new ArgumentException($"update from '{update.ClientId}' has tensor '{t.Name}', which is not in the model layout", nameof(update));
            }
            if (entry.Role == ParameterRole.Expert)
            {
                (perExpert[entry.ExpertId] ??= []).Add(TensorCodec.Encode(t));
            }
            else
            {
                gating.Tensors.Add(TensorCodec.Encode(t));
            }
        }

        var expertUpdates = new List<ExpertUpdate>();
        for (int e = 0; e < experts; e++)
        {
            bool send = trained[e] || perExpert[e] is not null || alsoSend(e);
            if (!send)
            {
                continue;
            }
            var m = new ExpertUpdate
            {
                Round = update.Round,
                ModelVersion = update.ModelVersion,
                ClientId = update.ClientId,
                Layer = e / layout.ExpertsPerLayer,
                Expert = e % layout.ExpertsPerLayer,
                SampleCount = update.SampleCount,
                Usage = update.Usage[e],
                Importance = update.Importance[e],
                Trained = trained[e],
            };
            if (perExpert[e] is { } tensors)
            {
                m.Tensors.AddRange(tensors);
            }
            expertUpdates.Add(m);
        }
        return new RoutedUpdate(Report(update), gating, expertUpdates);
    }

    private static bool IsDefaultNaN(double value) =>
        BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(double.NaN);

    private static ClientReport Report(SparseUpdate update)
    {
        var r = new ClientReport
        {
            Round = update.Round,
            ModelVersion = update.ModelVersion,
            ClientId = update.ClientId,
            SampleCount = update.SampleCount,
            Loss = update.Loss,
            LocalSteps = update.LocalSteps,
            FailedSteps = update.FailedSteps,
            ExpertBackwardPasses = update.ExpertBackwardPasses,
            Flops = update.Flops,
        };
        // Unmeasured (the default NaN) stays absent, so a report without measurements encodes
        // to the same bytes as before these fields existed; any other value, another NaN
        // payload included, is sent bit for bit.
        if (!IsDefaultNaN(update.StartAccuracy))
        {
            r.StartAccuracy = update.StartAccuracy;
        }
        if (!IsDefaultNaN(update.LocalAccuracy))
        {
            r.LocalAccuracy = update.LocalAccuracy;
        }
        r.Usage.AddRange(update.Usage);
        r.Importance.AddRange(update.Importance);
        r.ActivationFrequency.AddRange(update.ActivationFrequency);
        r.TrainedExperts.AddRange(update.TrainedExperts);
        return r;
    }
}
