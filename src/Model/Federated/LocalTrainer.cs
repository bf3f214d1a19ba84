using System.Numerics.Tensors;
using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Federated;

/// <summary>
/// The client side of a training round. Per batch: a forward pass with normal routing gives the
/// per-sample gate probabilities and U (experts routed by some token); the plan's selector picks
/// A ⊆ U with |A| ≤ budget; the backward pass and the AdamW step run with every expert outside A
/// frozen, so a frozen expert's weights and moments do not move (optimizer state is reset each
/// round). At the end it reports u_c(e), s^c(e), the trained set, and the sparse update.
/// Each step runs ONE forward (<c>Loss</c>): the selector scores from its routing, then
/// <c>Backward</c> back-propagates that same pass with the chosen mask. A FedAvg-Naive step that
/// fails runs no backward at all. The model is the TorchSharp
/// <see cref="Nn.TorchMoE.TorchMoETransformer"/> (on <see cref="LocalTrainerOptions.Device"/>).
///
/// Also measured, for the round's metrics: the accuracy of the received model on the first
/// batch and of the last step's starting weights on the last batch (see
/// <see cref="BatchAccuracy"/>), and the training FLOPs of every pass that trains: each step's
/// forward, its backward, and SNIP's probe backward. A failed FedAvg-Naive step counts its
/// forward only (the device ran it before finding the step does not fit). Measurement passes
/// (the accuracy forwards, <see cref="LocalTrainerOptions.UsageFromFullPass"/>) are not counted.
///
/// A trainer keeps one model and optimiser per top-k it was asked for; on TorchSharp those hold
/// native memory the GC does not see, so whoever drops a trainer disposes it.
/// </summary>
public sealed class LocalTrainer : IDisposable
{
    private readonly ModelConfig _config;
    private readonly LocalTrainerOptions _options;
    private readonly Dictionary<int, TorchLocalModel> _byTopK = [];
    private bool _disposed;

    public LocalTrainer(ModelConfig config, LocalTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _options = options ?? new LocalTrainerOptions();
    }

    /// <summary>Trains one client for one round and returns its update (FedAvg-Naive's failed steps included).</summary>
    public SparseUpdate Train(TrainPlan plan, GlobalModel global, Dataset data, Action<LocalStep>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(data);
        if (plan.ModelVersion != global.Version)
        {
            throw new ArgumentException($"plan is for model version {plan.ModelVersion}; the given model is version {global.Version}", nameof(plan));
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        var model = ModelFor(plan.ActiveExpertsPerToken ?? _config.TopK);
        var store = model.Store;
        global.CopyTo(store);
        int layers = _config.Layers, perLayer = _config.Experts, experts = layers * perLayer;
        int hiddenKept = HiddenKept(plan);
        if (hiddenKept < _config.ExpertHidden)
        {
            NarrowExperts(store, hiddenKept);
        }
        model.Load();

        var random = new DeterministicRandom((ulong)plan.Seed ^ 0x5DEECE66DUL);
        var frozen = new ExpertMask(layers, perLayer);
        var trained = new bool[experts];
        var usageSum = new double[experts];
        var importanceSum = new double[experts];
        var tokens = new long[experts];
        double[]? saliency = null;
        long samplesSeen = 0, backwardPasses = 0, flops = 0;
        double startAccuracy = double.NaN, localAccuracy = double.NaN;
        int steps = 0, failed = 0, scoredBatches = 0;
        double lossSum = 0;
        var routed = new List<int>(experts);

        foreach (var batch in data.Endless(plan.Local.BatchSize, (ulong)plan.Seed).Take(plan.Local.Steps))
        {
            steps++;
            bool first = steps == 1, last = steps == plan.Local.Steps;
            if (first || last)
            {
                double accuracy = BatchAccuracy(model, batch);
                startAccuracy = first ? accuracy : startAccuracy;
                localAccuracy = last ? accuracy : localAccuracy;
            }
            bool needScores = plan.Selector != ExpertSelector.AllRouted;
            // SNIP's probe already ran this batch's forward (parameters unchanged since): reuse it.
            bool probed = plan.Selector == ExpertSelector.SnipTopK && saliency is null;
            if (probed)
            {
                saliency = ProbeSaliency(model, batch, experts);
                // The masked backward below overwrites the backward counters: keep the probe's.
                flops += model.LastStep.BackwardFlops;
            }
            float loss = probed ? model.LastStep.Loss : model.Loss(batch);
            Record(model, batch.Size, plan.Lambda, usageSum, importanceSum, tokens);
            samplesSeen += batch.Size;
            scoredBatches++;
            RoutedIds(model.RoutedExperts, routed);
            int[] active;
            if (needScores)
            {
                active = Select(plan, model, routed, saliency, random);
                SetFrozen(frozen, active);
                model.Backward(frozen);
            }
            else
            {
                active = [.. routed];
                SetFrozen(frozen, active);
                if (plan.FailWhenOverBudget && routed.Count > plan.ExpertBudget)
                {
                    // The device would not fit this step's activated experts: the step fails.
                    failed++;
                    flops += model.LastStep.ForwardFlops;
                    onStep?.Invoke(new LocalStep(steps, routed.Count, 0, true, loss));
                    continue;
                }
                // Every routed expert trains (unrouted ones have no gradient either way).
                model.Backward(null);
            }
            if (active.Length > plan.ExpertBudget)
            {
                throw new InvalidOperationException($"selector {plan.Selector} chose {active.Length} experts; the budget is {plan.ExpertBudget}");
            }
            model.Step((float)plan.Local.LearningRate, frozen);
            onStep?.Invoke(new LocalStep(steps, routed.Count, model.LastStep.ExpertsWithBackward, false, loss));
            foreach (int e in active)
            {
                trained[e] = true;
            }
            backwardPasses += active.Length;
            flops += model.LastStep.ForwardFlops + model.LastStep.BackwardFlops;
            lossSum += loss;
        }

        int ok = steps - failed;
        if (_options.UsageFromFullPass)
        {
            Array.Clear(usageSum);
            samplesSeen = 0;
            var scratch = new double[experts];
            var scratchTokens = new long[experts];
            foreach (var batch in data.InOrder(_options.UsagePassBatchSize))
            {
                model.Forward(batch);
                Record(model, batch.Size, plan.Lambda, usageSum, scratch, scratchTokens);
                samplesSeen += batch.Size;
            }
        }
        var usage = new double[experts];
        var importance = new double[experts];
        var frequency = new double[experts];
        for (int l = 0; l < layers; l++)
        {
            long layerTokens = 0;
            for (int e = 0; e < perLayer; e++)
            {
                layerTokens += tokens[l * perLayer + e];
            }
            for (int e = 0; e < perLayer; e++)
            {
                int id = l * perLayer + e;
                usage[id] = Math.Clamp(usageSum[id] / Math.Max(1, samplesSeen), 0, 1);
                importance[id] = Math.Clamp(importanceSum[id] / Math.Max(1, scoredBatches), 0, 1);
                frequency[id] = layerTokens == 0 ? 0 : (double)tokens[id] / layerTokens;
            }
        }
        var trainedIds = Enumerable.Range(0, experts).Where(e => trained[e]).ToArray();
        model.Sync(gradients: false);
        return new SparseUpdate(
            plan.ClientId, plan.Round, plan.ModelVersion, data.Count,
            usage, importance, frequency, trainedIds,
            Tensors(store, global.Layout, trained, hiddenKept, model.Groups),
            ok > 0 ? lossSum / ok : 0.0,
            LocalSteps: steps, FailedSteps: failed, ExpertBackwardPasses: backwardPasses,
            StartAccuracy: startAccuracy, LocalAccuracy: localAccuracy, Flops: flops);
    }

    /// <summary>Frees every model and optimiser this trainer made (their native tensors on TorchSharp).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var model in _byTopK.Values)
        {
            model.Dispose();
        }
        _byTopK.Clear();
    }

    private TorchLocalModel ModelFor(int topK)
    {
        if (!_byTopK.TryGetValue(topK, out var model))
        {
            var config = _config with { TopK = Math.Clamp(topK, 1, _config.Experts) };
            model = new TorchLocalModel(config, _options);
            _byTopK[topK] = model;
        }
        return model;
    }

    private int HiddenKept(TrainPlan plan) =>
        plan.ExpertWidthFraction >= 1.0 ? _config.ExpertHidden : Math.Clamp((int)Math.Round(plan.ExpertWidthFraction * _config.ExpertHidden), 1, _config.ExpertHidden);

    /// <summary>
    /// HeteroFL: zero the hidden units past <paramref name="kept"/> in every expert. With
    /// w1 columns, b1 entries and w2 rows zero, a unit outputs GELU(0) = 0 and gets zero gradient,
    /// so the client trains exactly the narrower sub-network.
    /// </summary>
    private void NarrowExperts(ParameterStore store, int kept)
    {
        int d = _config.DModel, h = _config.ExpertHidden;
        for (int l = 0; l < _config.Layers; l++)
        {
            for (int e = 0; e < _config.Experts; e++)
            {
                var w1 = store.ValuesOf(ParameterNames.Expert(l, e, "w1"));
                for (int r = 0; r < d; r++)
                {
                    w1.Slice(r * h + kept, h - kept).Clear();
                }
                store.ValuesOf(ParameterNames.Expert(l, e, "b1"))[kept..].Clear();
                store.ValuesOf(ParameterNames.Expert(l, e, "w2"))[(kept * d)..].Clear();
            }
        }
    }

    private static void Record(TorchLocalModel model, int batch, double lambda, double[] usageSum, double[] importanceSum, long[] tokens)
    {
        var gates = model.SampleGateProbabilities;
        int experts = usageSum.Length;
        var imp = ExpertImportance.Compute(gates, batch, experts, lambda);
        for (int e = 0; e < experts; e++)
        {
            usageSum[e] += imp.Cumulative[e] * batch;
            importanceSum[e] += imp.Combined[e];
            tokens[e] += model.TokensPerExpert[e];
        }
    }

    private static int[] Select(TrainPlan plan, TorchLocalModel model, List<int> routed, double[]? saliency, DeterministicRandom random)
    {
        var chosen = SelectByRule(plan, model, routed, saliency, random);
        if (plan.ExploreExperts is not { Count: > 0 } stale || plan.ExploreSlots <= 0 || plan.Selector == ExpertSelector.RandomK)
        {
            return chosen;
        }
        // Exploration ranks the stale experts by the selector's own score.
        int experts = model.Config.Layers * model.Config.Experts;
        double[] scores;
        switch (plan.Selector)
        {
            case ExpertSelector.SnipTopK:
                scores = saliency!;
                break;
            case ExpertSelector.FrequencyTopK:
                scores = new double[experts];
                for (int e = 0; e < experts; e++)
                {
                    scores[e] = model.TokensPerExpert[e];
                }
                break;
            default:
                var (imp, _, ib) = InformationBottleneck.Evaluate(model.SampleGateProbabilities, model.LastBatchSize, experts, plan.Lambda, plan.Beta);
                scores = plan.Selector == ExpertSelector.Importance ? imp.Combined : ib;
                break;
        }
        return ExpertSelection.Explore(chosen, routed, scores, plan.ExpertBudget, stale, plan.ExploreSlots);
    }

    private static int[] SelectByRule(TrainPlan plan, TorchLocalModel model, List<int> routed, double[]? saliency, DeterministicRandom random)
    {
        var gates = model.SampleGateProbabilities;
        int batch = model.LastBatchSize, experts = model.Config.Layers * model.Config.Experts;
        switch (plan.Selector)
        {
            case ExpertSelector.InformationBottleneck:
            case ExpertSelector.Importance:
                return ExpertSelection.ByGateImportance(routed, gates, batch, experts, plan);
            case ExpertSelector.RandomK:
                return ExpertSelection.RandomK(routed, plan.ExpertBudget, random);
            case ExpertSelector.FrequencyTopK:
                var counts = new double[experts];
                for (int e = 0; e < experts; e++)
                {
                    counts[e] = model.TokensPerExpert[e];
                }
                return ExpertSelection.FrequencyTopK(routed, counts, plan.ExpertBudget);
            case ExpertSelector.SnipTopK:
                return ExpertSelection.SnipTopK(routed, saliency!, plan.ExpertBudget);
            default:
                return [.. routed.Take(plan.ExpertBudget)];
        }
    }

    /// <summary>
    /// SNIP's probe: one unmasked backward on the round's first batch, saliency Σ|θ ⊙ ∂L/∂θ| per
    /// expert. No optimiser step is taken, so it costs compute but trains nothing. The forward's
    /// activations stay in the model for the masked backward that follows.
    /// </summary>
    private double[] ProbeSaliency(TorchLocalModel model, Batch batch, int experts)
    {
        model.Loss(batch);
        model.Backward(null);
        model.Sync(gradients: true);
        var store = model.Store;
        var saliency = new double[experts];
        for (int l = 0; l < _config.Layers; l++)
        {
            for (int e = 0; e < _config.Experts; e++)
            {
                double s = 0;
                foreach (var part in ExpertParts)
                {
                    var w = store.ValuesOf(ParameterNames.Expert(l, e, part));
                    var g = store.GradsOf(ParameterNames.Expert(l, e, part));
                    for (int i = 0; i < w.Length; i++)
                    {
                        s += Math.Abs((double)w[i] * g[i]);
                    }
                }
                saliency[l * _config.Experts + e] = s;
            }
        }
        return saliency;
    }

    /// <summary>
    /// Share of the batch's labelled samples whose largest logit is their label (ties: the lowest
    /// class); NaN when no sample has a label. <see cref="Nn.TorchMoE.TorchMoETransformer.Loss"/> keeps its logits
    /// private, so this runs the same forward once more on unchanged weights: the logits are
    /// those of the step's own forward, and since a forward leaves nothing behind that the
    /// following <see cref="Nn.TorchMoE.TorchMoETransformer.Loss"/> reads, training is bit-for-bit unchanged.
    /// It costs one forward on the round's first and last steps.
    /// </summary>
    private static double BatchAccuracy(TorchLocalModel model, Batch batch)
    {
        var logits = model.Forward(batch);
        int classes = model.Config.Classes, counted = 0, correct = 0;
        for (int b = 0; b < batch.Size; b++)
        {
            int label = batch.Labels[b];
            if (label == Nn.TorchMoE.TorchMoETransformer.IgnoreLabel)
            {
                continue;
            }
            counted++;
            correct += TensorPrimitives.IndexOfMax(logits.Slice(b * classes, classes)) == label ? 1 : 0;
        }
        return counted == 0 ? double.NaN : (double)correct / counted;
    }

    private static readonly string[] ExpertParts = ["w1", "b1", "w2", "b2"];

    private static void RoutedIds(ExpertMask mask, List<int> routed)
    {
        routed.Clear();
        var flags = mask.Flags;
        for (int i = 0; i < flags.Length; i++)
        {
            if (flags[i])
            {
                routed.Add(i);
            }
        }
    }

    /// <summary>Freezes every expert outside <paramref name="active"/>, routed or not.</summary>
    private static void SetFrozen(ExpertMask frozen, int[] active)
    {
        frozen.SetAll(true);
        foreach (int id in active)
        {
            frozen[id / frozen.Experts, id % frozen.Experts] = false;
        }
    }

    /// <summary>Copies of the shipped tensors: shared and router (unless frozen), trained experts (a leading block if narrowed).</summary>
    private List<UpdateTensor> Tensors(ParameterStore store, ExpertLayout layout, bool[] trained, int hiddenKept, ParameterGroups groups)
    {
        var list = new List<UpdateTensor>();
        int d = _config.DModel, h = _config.ExpertHidden;
        foreach (var entry in layout.Entries)
        {
            var values = store.ValuesOf(entry.Name);
            if (entry.Role != ParameterRole.Expert)
            {
                if (!groups.IsFrozen(entry.Name))
                {
                    list.Add(new UpdateTensor(entry.Name, entry.Slice.Shape, values.ToArray()));
                }
                continue;
            }
            if (!trained[entry.ExpertId])
            {
                continue;
            }
            string part = entry.Name[(entry.Name.LastIndexOf('.') + 1)..];
            if (hiddenKept == h || part == "b2")
            {
                list.Add(new UpdateTensor(entry.Name, entry.Slice.Shape, values.ToArray()));
            }
            else if (part == "w1")
            {
                var block = new float[d * hiddenKept];
                for (int r = 0; r < d; r++)
                {
                    values.Slice(r * h, hiddenKept).CopyTo(block.AsSpan(r * hiddenKept));
                }
                list.Add(new UpdateTensor(entry.Name, [d, hiddenKept], block));
            }
            else if (part == "b1")
            {
                list.Add(new UpdateTensor(entry.Name, [hiddenKept], values[..hiddenKept].ToArray()));
            }
            else
            {
                list.Add(new UpdateTensor(entry.Name, [hiddenKept, d], values[..(hiddenKept * d)].ToArray()));
            }
        }
        return list;
    }
}
