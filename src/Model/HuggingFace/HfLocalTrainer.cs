using HFedMoE.Model.Data.Text;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using static TorchSharp.torch;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// The client side of a federated round on a Hugging Face MoE model, the same algorithm as the
/// engine's <see cref="LocalTrainer"/>: per batch one forward gives each sample's gate
/// probabilities (mean over its real tokens, per layer) and U, the experts some token was routed
/// to; the plan's selector picks A ⊆ U with |A| ≤ budget (information bottleneck, importance,
/// random, or all routed); the backward pass runs, and the AdamW step moves the shared
/// parameters, the gates and the experts in A only. It reports u_c(e), s^c(e), the trained set
/// and the sparse update under the federated names.
/// </summary>
public sealed class HfLocalTrainer : IDisposable
{
    private readonly HfFederatedLayout _layout;
    private readonly MoeCausalLm _model;
    private readonly IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> _parameters;
    private readonly MaskedAdamW _adam = new();
    private readonly int _padId;

    public HfLocalTrainer(HfFederatedLayout layout, int padId, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        _padId = padId;
        _model = new MoeCausalLm(layout.Tensors.Config, device: device);
        _parameters = _model.ParametersByName();
    }

    /// <summary>The trainer's model (holding the last weights it trained or was given).</summary>
    public MoeCausalLm Model => _model;

    public SparseUpdate Train(TrainPlan plan, GlobalModel global, IReadOnlyList<CausalLmSequence> data)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException($"client '{plan.ClientId}' has no training sequences", nameof(data));
        }
        _layout.CopyTo(global, _model);
        _adam.Reset();
        var config = _layout.Tensors.Config;
        int perLayer = config.Experts, experts = config.Layers * perLayer;
        var trained = new bool[experts];
        var usageSum = new double[experts];
        var importanceSum = new double[experts];
        var tokensPerExpert = new long[experts];
        long samples = 0, backwardPasses = 0;
        double lossSum = 0;
        var random = new DeterministicRandom((ulong)plan.Seed ^ 0x5DEECE66DUL);
        var order = new List<int>();
        int cursor = 0;
        for (int step = 0; step < plan.Local.Steps; step++)
        {
            var picked = new List<CausalLmSequence>(plan.Local.BatchSize);
            for (int i = 0; i < Math.Min(plan.Local.BatchSize, data.Count); i++)
            {
                if (cursor == order.Count)
                {
                    order = [.. Enumerable.Range(0, data.Count).OrderBy(_ => random.NextUInt64())];
                    cursor = 0;
                }
                picked.Add(data[order[cursor++]]);
            }
            var batch = CausalLmBatch.Pad(picked, _padId);
            using var scope = NewDisposeScope();
            var output = _model.Forward(tensor(batch.Ids, [batch.Size, batch.Length], device: _model.Device));
            var (gates, routed) = Routing(output, batch, perLayer);
            var importance = ExpertImportance.Compute(gates, batch.Size, experts, plan.Lambda);
            for (int e = 0; e < experts; e++)
            {
                usageSum[e] += importance.Cumulative[e] * batch.Size;
                importanceSum[e] += importance.Combined[e];
            }
            foreach (var (id, count) in routed)
            {
                tokensPerExpert[id] += count;
            }
            samples += batch.Size;
            int[] active = Select(plan, gates, batch.Size, experts, [.. routed.Keys.Order()], random);
            var loss = CausalLmLoss.Compute(output.Logits, tensor(batch.Labels, [batch.Size, batch.Length], device: _model.Device));
            _model.zero_grad();
            loss.backward();
            var activeSet = active.ToHashSet();
            _adam.Step(plan.Local.LearningRate, _layout.Layout.Entries
                .Where(e => e.Role != ParameterRole.Expert || activeSet.Contains(e.ExpertId))
                .Select(e => (_layout.SpecOf(e).HfName, _parameters[_layout.SpecOf(e).HfName])));
            foreach (int e in active)
            {
                trained[e] = true;
            }
            backwardPasses += active.Length;
            lossSum += loss.item<float>();
        }
        var usage = new double[experts];
        var meanImportance = new double[experts];
        var frequency = new double[experts];
        for (int l = 0; l < config.Layers; l++)
        {
            long layerTokens = Enumerable.Range(l * perLayer, perLayer).Sum(i => tokensPerExpert[i]);
            for (int e = l * perLayer; e < (l + 1) * perLayer; e++)
            {
                usage[e] = Math.Clamp(usageSum[e] / Math.Max(1, samples), 0, 1);
                meanImportance[e] = Math.Clamp(importanceSum[e] / plan.Local.Steps, 0, 1);
                frequency[e] = layerTokens == 0 ? 0 : (double)tokensPerExpert[e] / layerTokens;
            }
        }
        var tensors = new List<UpdateTensor>();
        foreach (var entry in _layout.Layout.Entries)
        {
            if (entry.Role == ParameterRole.Expert && !trained[entry.ExpertId])
            {
                continue;
            }
            tensors.Add(new UpdateTensor(entry.Name, entry.Slice.Shape, _model.ReadWeight(_layout.SpecOf(entry).HfName)));
        }
        return new SparseUpdate(
            plan.ClientId, plan.Round, plan.ModelVersion, data.Count,
            usage, meanImportance, frequency, [.. Enumerable.Range(0, experts).Where(e => trained[e])],
            tensors, lossSum / plan.Local.Steps, LocalSteps: plan.Local.Steps, ExpertBackwardPasses: backwardPasses);
    }

    public void Dispose()
    {
        _adam.Dispose();
        _model.Dispose();
    }

    /// <summary>
    /// Per-sample gate probabilities [B × L·S] (mean over each sample's real tokens) and the routed
    /// experts with their token counts, from the forward's router outputs.
    /// </summary>
    private static (float[] Gates, Dictionary<int, long> Routed) Routing(MoeLmOutput output, CausalLmBatch batch, int perLayer)
    {
        int layers = output.RouterProbs.Count, b = batch.Size, t = batch.Length, k = (int)output.TopIndices[0].shape[1];
        var gates = new float[b * layers * perLayer];
        var routed = new Dictionary<int, long>();
        for (int l = 0; l < layers; l++)
        {
            float[] probs = output.RouterProbs[l].detach().cpu().contiguous().data<float>().ToArray();
            long[] top = output.TopIndices[l].cpu().contiguous().data<long>().ToArray();
            for (int i = 0; i < b; i++)
            {
                int n = batch.Lengths[i];
                for (int j = 0; j < n; j++)
                {
                    int token = i * t + j;
                    for (int e = 0; e < perLayer; e++)
                    {
                        gates[(i * layers + l) * perLayer + e] += probs[token * perLayer + e] / n;
                    }
                    for (int s = 0; s < k; s++)
                    {
                        int id = l * perLayer + (int)top[token * k + s];
                        routed[id] = routed.GetValueOrDefault(id) + 1;
                    }
                }
            }
        }
        return (gates, routed);
    }

    private static int[] Select(TrainPlan plan, float[] gates, int batch, int experts, List<int> routed, DeterministicRandom random)
    {
        switch (plan.Selector)
        {
            case ExpertSelector.InformationBottleneck:
            case ExpertSelector.Importance:
                return ExpertSelection.ByGateImportance(routed, gates, batch, experts, plan);
            case ExpertSelector.RandomK:
                return ExpertSelection.RandomK(routed, plan.ExpertBudget, random);
            case ExpertSelector.AllRouted:
                return [.. routed];
            default:
                throw new NotSupportedException($"selector {plan.Selector} is not offered for Hugging Face models; use hfedmoe, its ablations, fedavg-full or random-k");
        }
    }
}
