using HFedMoE.Model.Federated;
using Xunit.Abstractions;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// One client's round trained by the TorchSharp engine and by the former engine from the same
/// received model: the same experts trained, the same counts and FLOPs, the same shipped tensors,
/// and updates (θ_after − θ_received) equal to 0.1 % of their norm per tensor (measured: 3–5e-6). (Adam's first steps
/// are ±lr for any gradient far above ε, so a gradient entry near zero whose float rounding
/// differs between the engines may move the other way: a per-entry tolerance would be wrong.)
/// </summary>
public sealed class LocalTrainerEngineParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ExpertSelector.InformationBottleneck, 3, 1.0)]
    [InlineData(ExpertSelector.RandomK, 2, 1.0)]
    [InlineData(ExpertSelector.SnipTopK, 3, 1.0)]
    [InlineData(ExpertSelector.AllRouted, 8, 1.0)]
    [InlineData(ExpertSelector.AllRouted, 8, 0.5)]
    public void Both_engines_train_the_same_update(ExpertSelector selector, int budget, double width)
    {
        var global = LocalTrainerTests.Initial(seed: 4);
        var data = LocalTrainerTests.Task(6, 48);
        var plan = new TrainPlan("c", 0, 0, budget, selector, 0.5, 0.1, new LocalSettings(Steps: 3, BatchSize: 8, LearningRate: 1e-2), Seed: 2, ExpertWidthFraction: width);
        var options = new LocalTrainerOptions { FrozenPrefixes = ["embed."] };

        var former = new LocalTrainer(LocalTrainerTests.Tiny, options with { Engine = ModelEngine.Former }).Train(plan, global, data);
        var torch = new LocalTrainer(LocalTrainerTests.Tiny, options with { Engine = ModelEngine.Torch }).Train(plan, global, data);

        Assert.Equal(former.TrainedExperts, torch.TrainedExperts);
        Assert.Equal((former.LocalSteps, former.FailedSteps, former.ExpertBackwardPasses, former.Flops), (torch.LocalSteps, torch.FailedSteps, torch.ExpertBackwardPasses, torch.Flops));
        Assert.Equal(former.Loss, torch.Loss, 1e-4);
        Assert.Equal(former.StartAccuracy, torch.StartAccuracy);
        for (int e = 0; e < former.Usage.Count; e++)
        {
            Assert.Equal(former.Usage[e], torch.Usage[e], 1e-4);
            Assert.Equal(former.Importance[e], torch.Importance[e], 1e-4);
            Assert.Equal(former.ActivationFrequency[e], torch.ActivationFrequency[e], 1e-9);
        }
        Assert.Equal(former.Tensors.Select(t => (t.Name, string.Join(",", t.Shape))), torch.Tensors.Select(t => (t.Name, string.Join(",", t.Shape))));
        Assert.DoesNotContain(torch.Tensors, t => t.Name.StartsWith("embed.", StringComparison.Ordinal));
        double worst = 0;
        foreach (var (a, b) in former.Tensors.Zip(torch.Tensors))
        {
            var received = Received(global, a);
            double diff = 0, norm = 0;
            for (int i = 0; i < a.Values.Length; i++)
            {
                double da = a.Values.Span[i] - received[i], db = b.Values.Span[i] - received[i];
                diff += (da - db) * (da - db);
                norm += da * da;
            }
            double relative = norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
            worst = Math.Max(worst, relative);
            Assert.True(relative <= 1e-3, $"{a.Name}: the engines' updates differ by {relative:P2} of the update's norm");
        }
        output.WriteLine($"{selector}, budget {budget}, width {width}: largest update difference {worst:E2} of its norm; trained {string.Join(",", torch.TrainedExperts)}");
    }

    // The received values of a shipped tensor (a narrowed expert ships its leading hidden units).
    private static float[] Received(GlobalModel global, UpdateTensor tensor)
    {
        var full = global.ValuesOf(tensor.Name);
        int[] shape = global.Layout[tensor.Name].Slice.Shape;
        if (shape.SequenceEqual(tensor.Shape))
        {
            return full.ToArray();
        }
        var values = new float[tensor.Values.Length];
        if (shape.Length == 1)
        {
            full[..values.Length].CopyTo(values);
        }
        else if (shape[1] != tensor.Shape[1])
        {
            for (int r = 0; r < shape[0]; r++)
            {
                full.Slice(r * shape[1], tensor.Shape[1]).CopyTo(values.AsSpan(r * tensor.Shape[1]));
            }
        }
        else
        {
            full[..values.Length].CopyTo(values);
        }
        return values;
    }
}
