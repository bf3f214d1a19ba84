using System.Diagnostics;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tests.Torch;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

/// <summary>The model learns small keyword tasks with both objectives, quickly (ported from the former engine's tests when it was deleted).</summary>
[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoEToyTaskTests
{
    private const int Vocab = 40, SeqLen = 8, Classes = 4;

    // Class c ⇔ two of its four keyword tokens (4c..4c+3) appear among background tokens 16..39.
    private static (int[] Tokens, int[] Labels) Generate(Random rng, int samples)
    {
        var tokens = new int[samples * SeqLen];
        var labels = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            int c = rng.Next(Classes);
            labels[s] = c;
            for (int t = 0; t < SeqLen; t++)
            {
                tokens[s * SeqLen + t] = 16 + rng.Next(Vocab - 16);
            }
            int first = rng.Next(SeqLen);
            int second = (first + 1 + rng.Next(SeqLen - 1)) % SeqLen;
            tokens[s * SeqLen + first] = 4 * c + rng.Next(4);
            tokens[s * SeqLen + second] = 4 * c + rng.Next(4);
        }
        return (tokens, labels);
    }

    [Fact]
    public void A_small_model_learns_a_keyword_task_well_above_chance_in_150_steps()
    {
        var config = new ModelConfig { Vocab = Vocab, SeqLen = SeqLen, DModel = 16, Layers = 1, Experts = 4, TopK = 2, ExpertHidden = 32, Classes = Classes };
        using var model = new TorchMoETransformer(config, seed: 11);
        using var optimizer = new MaskedAdamW();
        var parameters = model.ParametersByName.Select(p => (p.Key, p.Value)).ToList();
        var rng = new Random(17);
        var (trainTokens, trainLabels) = Generate(rng, 2048);
        var (testTokens, testLabels) = Generate(rng, 400);
        const int batch = 16, steps = 150;
        // Printed, not asserted: process CPU time includes the tests running beside this one.
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            int start = step * batch % 2048;
            model.ForwardBackward(trainTokens.AsSpan(start * SeqLen, batch * SeqLen), batch, SeqLen, trainLabels.AsSpan(start, batch));
            optimizer.Step(1e-2, parameters);
        }
        var predictions = new int[400];
        using (NewDisposeScope())
        {
            model.Predict(testTokens, 400, SeqLen, predictions);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        double accuracy = predictions.Zip(testLabels).Count(p => p.First == p.Second) / 400.0;
        Assert.True(accuracy > 0.9, $"test accuracy {accuracy:P1} after {steps} steps (chance is 25%)");
        Console.WriteLine($"toy task: accuracy {accuracy:P1}, CPU {cpu.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void The_masked_token_objective_learns_which_keywords_go_together()
    {
        var config = new ModelConfig { Vocab = Vocab + 1, SeqLen = SeqLen, DModel = 16, Layers = 1, Experts = 4, TopK = 2, ExpertHidden = 32, Classes = Classes, LmHead = true, UseAttention = true, Heads = 2 };
        // Attention is required: without it a masked position sees only its own [MASK] token.
        const int maskToken = Vocab;
        using var model = new TorchMoETransformer(config, seed: 12);
        using var optimizer = new MaskedAdamW();
        var parameters = model.ParametersByName.Select(p => (p.Key, p.Value)).ToList();
        var (tokens, _) = Generate(new Random(23), 1024);
        // Mask the first keyword of each sample: the other keyword tells which class's four it is from.
        var inputs = (int[])tokens.Clone();
        var targets = Enumerable.Repeat(-1, tokens.Length).ToArray();
        for (int s = 0; s < 1024; s++)
        {
            int t = Enumerable.Range(0, SeqLen).First(i => tokens[s * SeqLen + i] < 16);
            targets[s * SeqLen + t] = tokens[s * SeqLen + t];
            inputs[s * SeqLen + t] = maskToken;
        }
        const int batch = 32;
        float first = 0f, last = 0f;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (int step = 0; step < 120; step++)
        {
            using var scope = NewDisposeScope();
            int start = step * batch % 1024;
            float loss = model.ForwardBackwardMaskedTokens(inputs.AsSpan(start * SeqLen, batch * SeqLen), batch, SeqLen, targets.AsSpan(start * SeqLen, batch * SeqLen));
            optimizer.Step(1e-2, parameters);
            first = step == 0 ? loss : first;
            last = loss;
        }
        // Uniform guessing costs ln 41 ≈ 3.7; knowing the class leaves ln 4 ≈ 1.39.
        Assert.True(first > 3f, $"initial loss {first}");
        Assert.True(last < 1.8f, $"masked-token loss only fell from {first} to {last}");
        Console.WriteLine($"masked-token toy task: loss {first:F2} -> {last:F2}, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds:F0} ms");
    }
}
