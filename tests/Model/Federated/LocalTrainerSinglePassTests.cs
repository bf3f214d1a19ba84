using System.Security.Cryptography;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// The trainer scores, selects and back-propagates from ONE forward pass per step. The digests were
/// first captured from the two-pass trainer (a scoring forward, then a masked ForwardBackward) and
/// the single-pass trainer reproduced every one of them bit for bit — routing does not depend on
/// the mask. They were then re-pinned once, on purpose, when the GELU/softmax/LayerNorm kernels
/// changed their arithmetic (fused exp, vector sums). Re-pin only for such a deliberate kernel
/// change, never for a trainer change: a trainer refactor must not move a bit.
/// </summary>
public sealed class LocalTrainerSinglePassTests
{
    private static TrainPlan Plan(int budget, ExpertSelector selector, int seed, bool naive = false) =>
        new("c", 0, 0, budget, selector, 0.5, 0.1, new LocalSettings(Steps: 3, BatchSize: 8, LearningRate: 1e-2), seed, FailWhenOverBudget: naive);

    public static TheoryData<ExpertSelector, int, bool, string> Pinned => new()
    {
        { ExpertSelector.InformationBottleneck, 3, false, "AC409DF721B090E38CB55B324964E134" },
        { ExpertSelector.Importance, 3, false, "AC409DF721B090E38CB55B324964E134" },
        { ExpertSelector.RandomK, 3, false, "962540C22134F9072C71B7B2FA72A501" },
        { ExpertSelector.FrequencyTopK, 2, false, "22E46BD2F2FAA92F75927488F0CC658D" },
        { ExpertSelector.SnipTopK, 3, false, "ADB8F83C633B039C73D1710F4B9B7AA1" },
        { ExpertSelector.AllRouted, 8, false, "D098BFE8367EFB1B9A136476F13CFD44" },
        { ExpertSelector.AllRouted, 7, true, "77A0133A0E37F4EDEA264D46A443D203" },
    };

    [Theory]
    [MemberData(nameof(Pinned))]
    public void Update_bits_match_the_two_pass_trainer(ExpertSelector selector, int budget, bool naive, string expected)
    {
        var steps = new List<LocalStep>();
        var update = new LocalTrainer(LocalTrainerTests.Tiny).Train(
            Plan(budget, selector, seed: 6, naive), LocalTrainerTests.Initial(), LocalTrainerTests.Task(5, 40), steps.Add);
        Assert.Equal(expected, Digest(update, steps));
    }

    /// <summary>SHA-256 of every float and double the update and the step callbacks carry.</summary>
    internal static string Digest(SparseUpdate update, IReadOnlyList<LocalStep> steps)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(ReadOnlySpan<byte> bytes) => hash.AppendData(bytes);
        foreach (var t in update.Tensors)
        {
            Add(System.Text.Encoding.UTF8.GetBytes(t.Name));
            Add(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Values.Span));
        }
        foreach (var list in new[] { update.Usage, update.Importance, update.ActivationFrequency })
        {
            Add(System.Runtime.InteropServices.MemoryMarshal.AsBytes(list.ToArray().AsSpan()));
        }
        Add(System.Runtime.InteropServices.MemoryMarshal.AsBytes(update.TrainedExperts.ToArray().AsSpan()));
        Add(BitConverter.GetBytes(update.Loss));
        Add(BitConverter.GetBytes(update.ExpertBackwardPasses));
        Add(BitConverter.GetBytes(update.FailedSteps));
        foreach (var s in steps)
        {
            Add(System.Text.Encoding.UTF8.GetBytes(s.ToString()));
            Add(BitConverter.GetBytes(s.Loss));
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..32];
    }
}
