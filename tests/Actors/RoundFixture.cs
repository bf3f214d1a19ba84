using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Actors.Tests;

/// <summary>
/// A small MoE layout (2 MoE layers of 3 experts, shared and router parameters), an HFedMoE
/// strategy configured for one round, and seeded client replies to it. Client "c3" has no
/// budget (it trains no expert); expert 2 of layer 1 (id 5) is never trained by anyone.
/// </summary>
internal sealed class RoundFixture
{
    public const int Layers = 2;
    public const int ExpertsPerLayer = 3;
    public const int Round = 3;
    public const int Version = 5;
    public const int Unheld = 5;

    private RoundFixture(StrategyOptions options, GlobalModel model, HFedMoEStrategy strategy, IReadOnlyList<ClientProfile> clients, IReadOnlyList<TrainPlan> plans, IReadOnlyList<SparseUpdate> updates)
    {
        Options = options;
        Model = model;
        Strategy = strategy;
        Clients = clients;
        Plans = plans;
        Updates = updates;
    }

    public StrategyOptions Options { get; }

    public GlobalModel Model { get; }

    public HFedMoEStrategy Strategy { get; }

    public IReadOnlyList<ClientProfile> Clients { get; }

    public IReadOnlyList<TrainPlan> Plans { get; }

    public IReadOnlyList<SparseUpdate> Updates { get; }

    public OpenRound Open => OpenRound.For(Round, Model, Plans, Clients, Options);

    public static StrategyOptions DefaultOptions { get; } = new() { Tau = 0.2 };

    public static RoundFixture Create(StrategyOptions? options = null, int seed = 1)
    {
        options ??= DefaultOptions;
        var rng = new Random(seed);
        var model = new GlobalModel(Layout(), RandomValues(rng, Layout().TotalLength, 1f), Version);
        var strategy = new HFedMoEStrategy(options);
        var clients = new List<ClientProfile>
        {
            new("c0", 40, ComputeCap: 2),
            new("c1", 25, ComputeCap: 3),
            new("c2", 70, ComputeCap: 6),
            new("c3", 10, ComputeCap: 0),
        };
        var plans = strategy.ConfigureTrain(Round, model, clients);
        var updates = new List<SparseUpdate>();
        foreach (var plan in plans)
        {
            var profile = clients.Single(c => c.ClientId == plan.ClientId);
            var candidates = Enumerable.Range(0, model.Layout.ExpertCount).Where(e => e != Unheld).OrderBy(_ => rng.Next()).ToList();
            var trained = candidates.Take(Math.Min(plan.ExpertBudget, candidates.Count)).Order().ToList();
            updates.Add(UpdateFor(model, plan.ClientId, profile.SampleCount - rng.Next(3), trained, rng));
        }
        return new RoundFixture(options, model, strategy, clients, plans, updates);
    }

    /// <summary>The pure Federated merge of <paramref name="updates"/> (the reference the actors must match bit for bit).</summary>
    public GlobalModel Pure(IEnumerable<SparseUpdate> updates) => Strategy.AggregateTrain(Round, [.. updates], []).Model;

    public SparseUpdate Update(string clientId) => Updates.Single(u => u.ClientId == clientId);

    public RoutedUpdate Routed(SparseUpdate update) =>
        SparseUpdateCodec.Split(update, Model.Layout, HFedMoEWeights.UntrainedUsageFloor(Options));

    public static SparseUpdate UpdateFor(GlobalModel model, string clientId, int samples, IReadOnlyList<int> trained, Random rng)
    {
        var layout = model.Layout;
        int n = layout.ExpertCount;
        var usage = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        usage[Unheld] = 0.05;
        var importance = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var frequency = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var tensors = new List<UpdateTensor>();
        foreach (var entry in layout.Entries)
        {
            if (entry.Role == ParameterRole.Expert && !trained.Contains(entry.ExpertId))
            {
                continue;
            }
            var values = model.ValuesOf(entry.Name).ToArray();
            var noise = RandomValues(rng, values.Length, 0.1f);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += noise[i];
            }
            tensors.Add(new UpdateTensor(entry.Name, entry.Slice.Shape, values));
        }
        return new SparseUpdate(clientId, Round, Version, samples, usage, importance, frequency, trained, tensors, Loss: 1.5 + rng.NextDouble(), LocalSteps: 4);
    }

    public static ExpertLayout Layout()
    {
        var slices = new List<ParameterSlice>();
        int offset = 0;
        void Add(string name, params int[] shape)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            slices.Add(new ParameterSlice(name, shape, offset, length));
            offset += length;
        }
        Add("embed", 5, 4);
        for (int l = 0; l < Layers; l++)
        {
            Add($"layers.{l}.attn.w", 4, 4);
            Add($"layers.{l}.moe.router", 4, ExpertsPerLayer);
            for (int e = 0; e < ExpertsPerLayer; e++)
            {
                Add($"layers.{l}.moe.experts.{e}.w1", 4, 6);
                Add($"layers.{l}.moe.experts.{e}.b1", 6);
                Add($"layers.{l}.moe.experts.{e}.w2", 6, 4);
                Add($"layers.{l}.moe.experts.{e}.b2", 4);
            }
        }
        Add("head", 4, 5);
        return new ExpertLayout(slices);
    }

    private static float[] RandomValues(Random rng, int count, float scale) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale))];
}
