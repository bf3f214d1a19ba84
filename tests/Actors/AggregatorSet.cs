using System.Runtime.InteropServices;
using Google.Protobuf;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.TestKit;

namespace HFedMoE.Actors.Tests;

/// <summary>
/// One <see cref="ExpertAggregator"/> per (layer, expert) of <see cref="RoundFixture"/>'s model
/// plus a <see cref="GatingAggregator"/>, driven from a TestKit: what the RoundManager and the
/// clients will do, in test form.
/// </summary>
internal sealed class AggregatorSet
{
    private readonly TestKitBase _kit;

    public AggregatorSet(TestKitBase kit)
    {
        _kit = kit;
        for (int l = 0; l < RoundFixture.Layers; l++)
        {
            for (int e = 0; e < RoundFixture.ExpertsPerLayer; e++)
            {
                Experts[(l, e)] = kit.ActorOf(ExpertAggregator.PropsFor(l, e), $"expert-{l}-{e}");
            }
        }
        Gating = kit.ActorOf(GatingAggregator.PropsFor(), "gating");
    }

    public Dictionary<(int Layer, int Expert), IActorRef> Experts { get; } = [];

    public IActorRef Gating { get; }

    private IEnumerable<IActorRef> All => Experts.Values.Append(Gating);

    public void Open(OpenRound open)
    {
        foreach (var a in All)
        {
            a.Tell(open, _kit.TestActor);
        }
        for (int i = 0; i < Experts.Count + 1; i++)
        {
            Assert.Equal(new AggregatorReady(open.Round, open.Model.Version), _kit.ExpectMsg<AggregatorReady>());
        }
    }

    public IActorRef For(ExpertUpdate update) => Experts[(update.Layer, update.Expert)];

    /// <summary>The aggregator a message of a client's reply goes to.</summary>
    public IActorRef For(Google.Protobuf.IMessage message) => message switch
    {
        ExpertUpdate x => For(x),
        ExpertShare s => For(s.Update),
        _ => Gating,
    };

    /// <summary>As <see cref="Messages"/>, for replies cut into weighted shares.</summary>
    public static List<(Google.Protobuf.IMessage Message, bool IsGating)> Messages(IEnumerable<RoutedShares> shares, int? seed = null)
    {
        var all = shares
            .SelectMany(r => r.Experts.Select(x => ((Google.Protobuf.IMessage)ExpertShare.Parser.ParseFrom(x.ToByteArray()), false))
                .Append((GatingShare.Parser.ParseFrom(r.Gating.ToByteArray()), true)))
            .ToList();
        if (seed is { } s)
        {
            var rng = new Random(s);
            all = [.. all.OrderBy(_ => rng.Next())];
        }
        return all;
    }

    /// <summary>
    /// Every message of <paramref name="updates"/> as it arrives off the wire (encoded and parsed
    /// again), in an order shuffled by <paramref name="seed"/> (none: as given).
    /// </summary>
    public static List<(Google.Protobuf.IMessage Message, bool IsGating)> Messages(IEnumerable<RoutedUpdate> updates, int? seed = null)
    {
        var all = updates
            .SelectMany(r => r.Experts.Select(x => ((Google.Protobuf.IMessage)ExpertUpdate.Parser.ParseFrom(x.ToByteArray()), false))
                .Append((GatingUpdate.Parser.ParseFrom(r.Gating.ToByteArray()), true)))
            .ToList();
        if (seed is { } s)
        {
            var rng = new Random(s);
            all = [.. all.OrderBy(_ => rng.Next())];
        }
        return all;
    }

    /// <summary>Sends each message to its aggregator and expects an ack (not a duplicate) for each.</summary>
    public void SendAccepted(IEnumerable<(Google.Protobuf.IMessage Message, bool IsGating)> messages)
    {
        foreach (var (m, _) in messages)
        {
            For(m).Tell(m, _kit.TestActor);
            var reply = _kit.ExpectMsg<object>();
            var ack = Assert.IsType<SliceAccepted>(reply);
            Assert.False(ack.Duplicate);
        }
    }

    public SliceRejected SendRejected(IActorRef target, Google.Protobuf.IMessage message)
    {
        target.Tell(message, _kit.TestActor);
        return Assert.IsType<SliceRejected>(_kit.ExpectMsg<object>());
    }

    /// <summary>Finalises every aggregator and applies their results to the previous model's values.</summary>
    public (float[] Values, List<ExpertMerged> Experts, GatingMerged Gating) Finalize(GlobalModel previous)
    {
        var values = previous.Values.ToArray();
        var experts = new List<ExpertMerged>();
        var finalize = new FinalizeRound { Round = RoundFixture.Round, ModelVersion = previous.Version };
        foreach (var ((l, e), a) in Experts.OrderBy(p => p.Key))
        {
            a.Tell(finalize, _kit.TestActor);
            var merged = Assert.IsType<ExpertMerged>(_kit.ExpectMsg<object>());
            Assert.Equal((RoundFixture.Round, previous.Version, l, e), (merged.Round, merged.ModelVersion, merged.Layer, merged.Expert));
            experts.Add(merged);
            Apply(previous.Layout, values, merged.Tensors);
        }
        Gating.Tell(finalize, _kit.TestActor);
        var gating = Assert.IsType<GatingMerged>(_kit.ExpectMsg<object>());
        Apply(previous.Layout, values, gating.Tensors);
        return (values, experts, gating);
    }

    public static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        var e = MemoryMarshal.Cast<float, int>(expected);
        var a = MemoryMarshal.Cast<float, int>(actual);
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            if (e[i] != a[i])
            {
                Assert.Fail($"value {i} differs: expected {expected[i]:R} (0x{e[i]:X8}), got {actual[i]:R} (0x{a[i]:X8})");
            }
        }
    }

    private static void Apply(ExpertLayout layout, float[] values, IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors)
        {
            var decoded = TensorCodec.Decode(t);
            var slice = layout[decoded.Name].Slice;
            decoded.Values.Span.CopyTo(values.AsSpan(slice.Offset, slice.Length));
        }
    }
}
