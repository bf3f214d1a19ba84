using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// The accuracies and FLOPs a client reports, against explicit recomputations on a tiny model:
/// the first batch through the received model, the last batch through the weights the last step
/// started from (rebuilt from a run one step shorter), FLOPs from the model's own counters.
/// </summary>
public sealed class LocalTrainerMeasurementsTests
{
    private const int BatchSize = 8;

    private static TrainPlan Plan(int steps, int budget, ExpertSelector selector, int seed, bool naive = false) =>
        new("c", 0, 0, budget, selector, 0.5, 0.1, new LocalSettings(Steps: steps, BatchSize: BatchSize, LearningRate: 1e-2), seed, FailWhenOverBudget: naive);

    private static TorchMoETransformer ModelWith(GlobalModel global, IEnumerable<UpdateTensor> overwrite)
    {
        var store = new ParameterStore(ModelLayout.Of(LocalTrainerTests.Tiny));
        global.CopyTo(store);
        foreach (var t in overwrite)
        {
            t.Values.Span.CopyTo(store.ValuesOf(t.Name));
        }
        var model = new TorchMoETransformer(LocalTrainerTests.Tiny, seed: 0);
        model.LoadFrom(store);
        return model;
    }

    private static Batch BatchAt(Dataset data, TrainPlan plan, int index) => data.Endless(BatchSize, (ulong)plan.Seed).ElementAt(index);

    /// <summary>Share of samples whose largest logit is their label, computed by hand.</summary>
    private static double Accuracy(GlobalModel global, IEnumerable<UpdateTensor> overwrite, Batch batch)
    {
        using var model = ModelWith(global, overwrite);
        var logits = model.Forward(batch.Tokens, batch.Size, batch.Length, batch.Lengths);
        int classes = LocalTrainerTests.Tiny.Classes, correct = 0;
        for (int b = 0; b < batch.Size; b++)
        {
            int best = 0;
            for (int k = 1; k < classes; k++)
            {
                best = logits[b * classes + k] > logits[b * classes + best] ? k : best;
            }
            correct += best == batch.Labels[b] ? 1 : 0;
        }
        return (double)correct / batch.Size;
    }

    public static TheoryData<ExpertSelector, int, bool> Selectors => new()
    {
        { ExpertSelector.InformationBottleneck, 3, false },
        { ExpertSelector.SnipTopK, 2, false },
        { ExpertSelector.AllRouted, 8, false },
        { ExpertSelector.AllRouted, 5, true },
    };

    [Theory]
    [MemberData(nameof(Selectors))]
    public void Start_accuracy_is_the_received_models_accuracy_on_the_first_batch(ExpertSelector selector, int budget, bool naive)
    {
        var global = LocalTrainerTests.Initial();
        var data = LocalTrainerTests.Task(5, 40);
        var seen = new HashSet<double>();
        for (int seed = 0; seed < 4; seed++)
        {
            var plan = Plan(3, budget, selector, seed, naive);
            var update = new LocalTrainer(LocalTrainerTests.Tiny).Train(plan, global, data);

            double expected = Accuracy(global, [], BatchAt(data, plan, 0));
            Assert.InRange(update.StartAccuracy, 0, 1);
            Assert.Equal(expected, update.StartAccuracy);
            seen.Add(expected);
        }
        Assert.True(seen.Count > 1, "every seed gave the same first-batch accuracy: the check would not see a wrong batch");
    }

    [Theory]
    [MemberData(nameof(Selectors))]
    public void Local_accuracy_is_the_last_steps_starting_weights_on_the_last_batch(ExpertSelector selector, int budget, bool naive)
    {
        var global = LocalTrainerTests.Initial();
        var data = LocalTrainerTests.Task(5, 40);
        var trainer = new LocalTrainer(LocalTrainerTests.Tiny);
        for (int seed = 0; seed < 3; seed++)
        {
            var plan = Plan(4, budget, selector, seed, naive);
            var update = trainer.Train(plan, global, data);
            // The same plan one step shorter ends exactly where the last step starts; frozen and
            // untrained experts did not move, so global + its shipped tensors is that model.
            var shorter = trainer.Train(plan with { Local = plan.Local with { Steps = 3 } }, global, data);

            double expected = Accuracy(global, shorter.Tensors, BatchAt(data, plan, 3));
            Assert.InRange(update.LocalAccuracy, 0, 1);
            Assert.Equal(expected, update.LocalAccuracy);
        }
    }

    [Fact]
    public void With_one_step_the_first_batch_is_the_last_one()
    {
        var update = new LocalTrainer(LocalTrainerTests.Tiny).Train(Plan(1, 3, ExpertSelector.InformationBottleneck, 2), LocalTrainerTests.Initial(), LocalTrainerTests.Task(5, 40));

        Assert.InRange(update.StartAccuracy, 0, 1);
        Assert.Equal(update.StartAccuracy, update.LocalAccuracy);
    }

    [Fact]
    public void Flops_of_a_full_step_are_the_models_forward_and_backward_counters()
    {
        var global = LocalTrainerTests.Initial();
        var data = LocalTrainerTests.Task(5, 40);
        var plan = Plan(1, 8, ExpertSelector.AllRouted, 3);

        var update = new LocalTrainer(LocalTrainerTests.Tiny).Train(plan, global, data);

        using var model = ModelWith(global, []);
        var batch = BatchAt(data, plan, 0);
        model.ForwardBackward(batch.Tokens, batch.Size, batch.Length, batch.Labels, null, batch.Lengths);
        Assert.True(model.LastStep.BackwardFlops > 0);
        Assert.Equal(model.LastStep.ForwardFlops + model.LastStep.BackwardFlops, update.Flops);
    }

    [Fact]
    public void Failed_naive_steps_count_their_forward_only()
    {
        var global = LocalTrainerTests.Initial();
        var data = LocalTrainerTests.Task(5, 40);
        // Budget 0: every step routes some expert, so every step fails and no weight moves.
        var plan = Plan(3, 0, ExpertSelector.AllRouted, 4, naive: true);

        var update = new LocalTrainer(LocalTrainerTests.Tiny).Train(plan, global, data);

        Assert.Equal(3, update.FailedSteps);
        using var model = ModelWith(global, []);
        long expected = 0;
        for (int i = 0; i < 3; i++)
        {
            var batch = BatchAt(data, plan, i);
            model.Loss(batch.Tokens, batch.Size, batch.Length, batch.Labels, batch.Lengths);
            expected += model.LastStep.ForwardFlops;
        }
        Assert.Equal(expected, update.Flops);
    }

    [Fact]
    public void Snips_probe_backward_is_counted()
    {
        var global = LocalTrainerTests.Initial();
        var data = LocalTrainerTests.Task(5, 40);
        var trainer = new LocalTrainer(LocalTrainerTests.Tiny);

        var snip = trainer.Train(Plan(1, 3, ExpertSelector.SnipTopK, 5), global, data);
        var full = trainer.Train(Plan(1, 8, ExpertSelector.AllRouted, 5), global, data);

        // Same batch and forward; SNIP adds a masked backward to the full one of its probe.
        Assert.True(snip.Flops > full.Flops, $"SNIP {snip.Flops} FLOPs, a full step {full.Flops}");
    }
}
