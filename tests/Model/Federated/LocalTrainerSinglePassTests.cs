using System.Security.Cryptography;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// The trainer scores, selects and back-propagates from ONE forward pass per step, so a run is a
/// pure function of its plan, its starting model and its data. Both sides of each comparison are
/// computed in this test run: floats differ between machines (AVX-512 or only AVX2), so a digest
/// pinned on one machine says nothing about another.
/// </summary>
public sealed class LocalTrainerSinglePassTests
{
    private static TrainPlan Plan(int budget, ExpertSelector selector, int seed, bool naive = false) =>
        new("c", 0, 0, budget, selector, 0.5, 0.1, new LocalSettings(Steps: 3, BatchSize: 8, LearningRate: 1e-2), seed, FailWhenOverBudget: naive);

    public static TheoryData<ExpertSelector, int, bool> Selectors => new()
    {
        { ExpertSelector.InformationBottleneck, 3, false },
        { ExpertSelector.Importance, 3, false },
        { ExpertSelector.RandomK, 3, false },
        { ExpertSelector.FrequencyTopK, 2, false },
        { ExpertSelector.SnipTopK, 3, false },
        { ExpertSelector.AllRouted, 8, false },
        { ExpertSelector.AllRouted, 7, true },
    };

    [Theory]
    [MemberData(nameof(Selectors))]
    public void Two_trainers_given_the_same_plan_produce_the_same_bits(ExpertSelector selector, int budget, bool naive)
    {
        string first = Run(selector, budget, naive, seed: 6);
        string second = Run(selector, budget, naive, seed: 6);
        Assert.Equal(first, second);
    }

    [Theory]
    [MemberData(nameof(Selectors))]
    public void Another_seed_gives_other_bits(ExpertSelector selector, int budget, bool naive)
    {
        Assert.NotEqual(Run(selector, budget, naive, seed: 6), Run(selector, budget, naive, seed: 7));
    }

    private static string Run(ExpertSelector selector, int budget, bool naive, int seed)
    {
        var steps = new List<LocalStep>();
        var update = new LocalTrainer(LocalTrainerTests.Tiny).Train(
            Plan(budget, selector, seed, naive), LocalTrainerTests.Initial(), LocalTrainerTests.Task(5, 40), steps.Add);
        return Digest(update, steps);
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
