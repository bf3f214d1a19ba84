using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Federated;

public sealed class LocalTrainerTests
{
    /// <summary>2 MoE layers × 4 experts (8 in all), d = 16, hidden 16, top-2, no attention.</summary>
    internal static readonly ModelConfig Tiny = new()
    {
        Vocab = 60, SeqLen = 8, DModel = 16, Heads = 2, Layers = 2, Experts = 4, TopK = 2, ExpertHidden = 16, Classes = 4,
    };

    /// <summary>
    /// A 4-class task: half of a sample's tokens are keywords of its class (tokens 10c+1 … 10c+10),
    /// the rest background (41 … 59). <paramref name="classes"/> restricts the labels (non-IID clients).
    /// </summary>
    internal static Dataset Task(ulong seed, int count, int[]? classes = null)
    {
        var rng = new DeterministicRandom(seed);
        var samples = new List<Sample>(count);
        for (int i = 0; i < count; i++)
        {
            int label = classes is null ? rng.NextInt(4) : classes[rng.NextInt(classes.Length)];
            var tokens = new int[Tiny.SeqLen];
            for (int t = 0; t < tokens.Length; t++)
            {
                tokens[t] = rng.NextDouble() < 0.5 ? 10 * label + 1 + rng.NextInt(10) : 41 + rng.NextInt(19);
            }
            samples.Add(new Sample(tokens, label, label, 0, false, 0));
        }
        return new Dataset(samples);
    }

    internal static GlobalModel Initial(int seed = 3) => GlobalModel.FromStore(ParameterStore.Initial(Tiny, seed));

    private static TrainPlan Plan(int budget, ExpertSelector selector, int seed = 1, bool naive = false) =>
        new("c", 0, 0, budget, selector, 0.5, 0.1, new LocalSettings(Steps: 4, BatchSize: 8, LearningRate: 1e-2), seed, FailWhenOverBudget: naive);

    [Fact]
    public void Experts_with_a_backward_pass_never_exceed_the_budget()
    {
        var trainer = new LocalTrainer(Tiny);
        var global = Initial();
        var data = Task(5, 40);
        var rng = new DeterministicRandom(9);
        var selectors = new[] { ExpertSelector.InformationBottleneck, ExpertSelector.Importance, ExpertSelector.RandomK, ExpertSelector.FrequencyTopK, ExpertSelector.SnipTopK };
        for (int trial = 0; trial < 10; trial++)
        {
            int budget = rng.NextInt(9);
            var selector = selectors[trial % selectors.Length];
            var steps = new List<LocalStep>();
            var update = trainer.Train(Plan(budget, selector, seed: trial), global, data, steps.Add);
            Assert.Equal(4, steps.Count);
            Assert.All(steps, s => Assert.True(s.ExpertsWithBackward <= budget, $"{selector}: {s.ExpertsWithBackward} experts with backward, budget {budget}"));
            Assert.All(steps, s => Assert.True(s.ExpertsWithBackward == Math.Min(budget, s.RoutedExperts) || selector is ExpertSelector.InformationBottleneck or ExpertSelector.Importance));
            Assert.True(update.TrainedExperts.Count <= Math.Min(8, budget * 4));
            Assert.True(update.ExpertBackwardPasses <= budget * 4L);
            Assert.All(update.Tensors.Where(t => global.Layout[t.Name].Role == ParameterRole.Expert),
                t => Assert.Contains(global.Layout[t.Name].ExpertId, update.TrainedExperts));
        }
    }

    [Fact]
    public void Update_reports_usage_importance_and_ships_only_trained_experts()
    {
        var global = Initial();
        var update = new LocalTrainer(Tiny).Train(Plan(3, ExpertSelector.InformationBottleneck), global, Task(5, 40));
        Assert.Equal(40, update.SampleCount);
        Assert.Equal(8, update.Usage.Count);
        // Each layer's gate probabilities sum to 1 per sample, so usage per layer sums to 1.
        Assert.Equal(1.0, update.Usage.Take(4).Sum(), 5);
        Assert.Equal(1.0, update.Usage.Skip(4).Sum(), 5);
        Assert.Equal(1.0, update.ActivationFrequency.Take(4).Sum(), 5);
        Assert.All(update.Importance, s => Assert.InRange(s, 0, 1));
        var plans = new Dictionary<string, TrainPlan> { ["c"] = Plan(3, ExpertSelector.InformationBottleneck) };
        Assert.Null(new UpdateValidator(global, 0, plans).Validate(update));
        var shippedExperts = update.Tensors.Select(t => global.Layout[t.Name]).Where(e => e.ExpertId >= 0).Select(e => e.ExpertId).Distinct().Order();
        Assert.Equal(update.TrainedExperts, shippedExperts);
    }

    [Fact]
    public void Usage_can_come_from_a_full_pass_over_local_data()
    {
        var global = Initial();
        var data = Task(5, 40);
        var plan = Plan(3, ExpertSelector.InformationBottleneck) with { Local = new LocalSettings(Steps: 1, BatchSize: 8, LearningRate: 1e-2) };
        var full = new LocalTrainer(Tiny, new LocalTrainerOptions { UsageFromFullPass = true }).Train(plan, global, data);
        var running = new LocalTrainer(Tiny).Train(plan, global, data);
        Assert.Equal(1.0, full.Usage.Take(4).Sum(), 5);
        Assert.NotEqual(full.Usage, running.Usage); // 8 of 40 samples vs all 40
        Assert.Equal(full.Importance, running.Importance);
    }

    [Fact]
    public void Same_seed_gives_the_same_update_bits()
    {
        var global = Initial();
        var a = new LocalTrainer(Tiny).Train(Plan(3, ExpertSelector.RandomK, seed: 4), global, Task(5, 40));
        var b = new LocalTrainer(Tiny).Train(Plan(3, ExpertSelector.RandomK, seed: 4), global, Task(5, 40));
        Assert.Equal(a.TrainedExperts, b.TrainedExperts);
        Assert.Equal(a.Tensors.Select(t => t.Name), b.Tensors.Select(t => t.Name));
        for (int i = 0; i < a.Tensors.Count; i++)
        {
            Assert.True(a.Tensors[i].Values.Span.SequenceEqual(b.Tensors[i].Values.Span), a.Tensors[i].Name);
        }
    }

    [Fact]
    public void Frozen_prefixes_are_neither_trained_nor_shipped()
    {
        var global = Initial();
        var data = Task(5, 40);
        var options = new LocalTrainerOptions { FrozenPrefixes = ["embed."] };
        using var trainer = new LocalTrainer(Tiny, options);
        var update = trainer.Train(Plan(8, ExpertSelector.AllRouted), global, data);
        Assert.DoesNotContain(update.Tensors, t => t.Name.StartsWith("embed.", StringComparison.Ordinal));
        Assert.Contains(update.Tensors, t => t.Name == "final_ln.gamma");

        using var model = new TorchLocalModel(Tiny, options);
        global.CopyTo(model.Store);
        model.Load();
        var batch = data.InOrder(8).First();
        model.Loss(batch);
        var none = new ExpertMask(Tiny.Layers, Tiny.Experts);
        model.Backward(none);
        model.Step(1e-2f, none);
        model.Sync(gradients: false);
        Assert.True(global.ValuesOf("embed.tokens").SequenceEqual(model.Store.ValuesOf("embed.tokens")), "a frozen prefix moved");
        Assert.False(global.ValuesOf("final_ln.gamma").SequenceEqual(model.Store.ValuesOf("final_ln.gamma")), "nothing trained: the check would not see a frozen prefix move");
    }

    [Fact]
    public void Naive_steps_over_budget_fail_and_train_nothing()
    {
        var steps = new List<LocalStep>();
        var update = new LocalTrainer(Tiny).Train(Plan(2, ExpertSelector.AllRouted, naive: true), Initial(), Task(5, 40), steps.Add);
        Assert.All(steps, s => Assert.Equal(s.RoutedExperts > 2, s.Failed));
        Assert.Equal(steps.Count(s => s.Failed), update.FailedSteps);
        Assert.True(update.FailedSteps > 0); // 8 samples × 8 tokens route to more than 2 of 8 experts
        Assert.Equal(steps.Where(s => !s.Failed).Sum(s => s.ExpertsWithBackward), update.ExpertBackwardPasses);
    }

    [Fact]
    public void Width_scaled_plans_ship_leading_blocks_and_leave_the_rest_of_the_expert_alone()
    {
        var global = Initial();
        var plan = Plan(8, ExpertSelector.AllRouted) with { ExpertWidthFraction = 0.25 };
        var update = new LocalTrainer(Tiny).Train(plan, global, Task(5, 40));
        var w1 = update.Tensors.First(t => t.Name.EndsWith(".w1", StringComparison.Ordinal));
        var w2 = update.Tensors.First(t => t.Name.EndsWith(".w2", StringComparison.Ordinal));
        Assert.Equal([16, 4], w1.Shape);
        Assert.Equal([4, 16], w2.Shape);
        var plans = new Dictionary<string, TrainPlan> { ["c"] = plan };
        Assert.Null(new UpdateValidator(global, 0, plans).Validate(update));
    }

    [Fact]
    public void Flame_plans_route_fewer_experts_per_token()
    {
        var full = new List<LocalStep>();
        var flame = new List<LocalStep>();
        var trainer = new LocalTrainer(Tiny);
        trainer.Train(Plan(8, ExpertSelector.AllRouted), Initial(), Task(5, 40), full.Add);
        var update = trainer.Train(Plan(8, ExpertSelector.AllRouted) with { ActiveExpertsPerToken = 1 }, Initial(), Task(5, 40), flame.Add);
        Assert.True(flame.Sum(s => s.RoutedExperts) <= full.Sum(s => s.RoutedExperts));
        Assert.Equal(1.0, update.ActivationFrequency.Take(4).Sum(), 5);
    }

    [Fact]
    public void The_real_layout_classifies_routers_router_biases_and_experts()
    {
        var layout = Initial().Layout;
        Assert.Equal((2, 4, 8), (layout.Layers, layout.ExpertsPerLayer, layout.ExpertCount));
        Assert.Equal(ParameterRole.Router, layout["layers.1.moe.router"].Role);
        Assert.Equal(ParameterRole.Router, layout["layers.1.moe.router_bias"].Role);
        Assert.Equal(1, layout["layers.1.moe.router"].RouterExpertAxis);
        Assert.Equal(ParameterRole.Shared, layout["layers.1.moe.ln.gamma"].Role);
        Assert.Equal(6, layout["layers.1.moe.experts.2.w2"].ExpertId);
        Assert.Equal(ParameterRole.Shared, layout["embed.tokens"].Role);
    }
}
