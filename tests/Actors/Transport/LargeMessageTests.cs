using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Serialization;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Actors.Transport;

namespace HFedMoE.Actors.Tests.Transport;

/// <summary>
/// Large messages between two actor systems over real loopback remoting, at Akka's default
/// 128000-byte frame: streamed in chunks into the receiver's <see cref="StreamInbox"/>, delivered
/// whole and bit-equal, or refused with a reason (the inbox keeps serving); a stalled stream ends
/// as the sender's dropout within the idle timeout.
/// </summary>
public sealed class LargeMessageTests : FederationTestKit
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private readonly ActorSystem _sender = RemoteNode.Start("sender");
    private readonly TransportSettings _settings = new() { MaxMessageBytes = 32L * 1024 * 1024, IdleTimeout = Idle };

    public LargeMessageTests()
        : base(RemoteNode.Hocon + "\n" + InMemoryPersistence)
    {
    }

    protected override void AfterAll()
    {
        _sender.Terminate().Wait(TimeSpan.FromSeconds(20));
        base.AfterAll();
    }

    /// <summary>An inbox on the receiving system that delivers to <paramref name="deliverTo"/>, as the sending system sees it.</summary>
    private IActorRef Inbox(IActorRef deliverTo, TransportSettings settings)
    {
        string name = "inbox-" + Guid.NewGuid().ToString("N");
        Sys.ActorOf(StreamInbox.Props(deliverTo, settings, (id, why) => new DropClient(id, why)), name);
        return RemoteNode.Resolve(_sender, Sys, name);
    }

    [Fact]
    public async Task A_16_MB_message_arrives_bit_equal_from_the_announcer()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        var replies = CreateTestProbe(_sender);
        var payload = new byte[16 * 1024 * 1024];
        new Random(17).NextBytes(payload);
        using var outlet = new LargeMessageSender(_sender, _settings);

        inbox.Tell(await outlet.Announce(payload, "c1"), replies.Ref);

        var received = target.ExpectMsg<byte[]>(TimeSpan.FromSeconds(60));
        Assert.True(payload.AsSpan().SequenceEqual(received));
        // The receiver answers the announcer: its reply goes back over remoting to the probe.
        target.Reply("got it");
        replies.ExpectMsg("got it");
    }

    [Fact]
    public async Task A_protocol_record_is_delivered_as_itself()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        using var outlet = new LargeMessageSender(_sender, _settings);

        inbox.Tell(await outlet.Announce(new UpdateRejected(3, "c1", "why"), "c1"));

        Assert.Equal(new UpdateRejected(3, "c1", "why"), target.ExpectMsg<UpdateRejected>());
    }

    [Fact]
    public async Task A_round_plan_and_an_expert_update_cross_as_streams_bit_exact()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        using var outlet = new LargeMessageSender(_sender, _settings);
        var global = TinyFederation.Initial();
        var plan = TinyFederation.Strategy().ConfigureTrain(0, global, [TinyFederation.Profile(0)])[0];
        var update = TinyFederation.Train(0, plan, global);

        inbox.Tell(await outlet.Announce(new TrainRound(plan, global), "server"));
        var train = target.ExpectMsg<TrainRound>();
        inbox.Tell(await outlet.Announce(new SubmitUpdate(update), "c0"));
        var submitted = target.ExpectMsg<SubmitUpdate>().Update;

        Assert.Equal(plan.ClientId, train.Plan.ClientId);
        Assert.Equal(plan.ExpertBudget, train.Plan.ExpertBudget);
        Assert.True(global.Values.SequenceEqual(train.Global.Values), "the plan's model changed on the way");
        Assert.Equal(Digests.Of(Digests.Serialize(update)), Digests.Of(Digests.Serialize(submitted)));
    }

    [Fact]
    public async Task A_message_over_the_limit_is_refused_before_any_chunk_and_the_inbox_keeps_serving()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings with { MaxMessageBytes = 1024 * 1024 });
        var replies = CreateTestProbe(_sender);
        using var outlet = new LargeMessageSender(_sender, _settings);

        inbox.Tell(await outlet.Announce(new byte[2 * 1024 * 1024], "c1"), replies.Ref);

        var refused = replies.ExpectMsg<StreamRefused>();
        Assert.Equal("c1", refused.SenderId);
        Assert.Contains("declares 2097152 bytes; hfedmoe.transport.max-message-size allows 1 to 1048576", refused.Reason, StringComparison.Ordinal);
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        inbox.Tell(await outlet.Announce(new byte[] { 1, 2, 3 }, "c1"), replies.Ref);
        Assert.Equal([1, 2, 3], target.ExpectMsg<byte[]>());
    }

    [Fact]
    public void The_sender_refuses_to_announce_a_message_over_its_own_limit()
    {
        using var outlet = new LargeMessageSender(_sender, _settings with { MaxMessageBytes = 1000 });

        var e = Assert.Throws<ArgumentException>(() => { _ = outlet.Announce(new byte[1001], "c1"); });

        Assert.Contains("1001 bytes serialized; hfedmoe.transport.max-message-size allows 1000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disposed_sender_leaves_the_systems_streams_running()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        using (var first = new LargeMessageSender(_sender, _settings))
        {
            inbox.Tell(await first.Announce(new byte[] { 1 }, "c1"));
            target.ExpectMsg<byte[]>();
        }
        using var second = new LargeMessageSender(_sender, _settings);

        inbox.Tell(await second.Announce(new byte[] { 2 }, "c1"));

        Assert.Equal([2], target.ExpectMsg<byte[]>());
        Assert.Equal(3, await Akka.Streams.Dsl.Source.Single(3).RunWith(Sink.First<int>(), _sender.Materializer()));
    }

    public static TheoryData<string, int, string> Lies => new()
    {
        // name, bytes actually streamed for a declared 200,000, the reason expected
        { "oversized", 300_000, "oversized: its stream sent more than the 200000 bytes it declared" },
        { "truncated", 100_000, "truncated: its stream ended after 100000 of the 200000 bytes it declared" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public async Task A_stream_that_does_not_match_its_declared_size_is_refused(string name, int streamed, string reason)
    {
        Assert.NotEmpty(name);
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        var replies = CreateTestProbe(_sender);
        using var outlet = new LargeMessageSender(_sender, _settings);
        var bytes = new byte[streamed];
        var chunks = Source.From(Enumerable.Range(0, streamed / 50_000).Select(i => bytes[(i * 50_000)..((i + 1) * 50_000)]));

        inbox.Tell(await outlet.Offer(chunks, 200_000, new byte[32], 4, "", "c1"), replies.Ref);

        Assert.Contains(reason, replies.ExpectMsg<StreamRefused>(TimeSpan.FromSeconds(10)).Reason, StringComparison.Ordinal);
        target.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Bytes_that_differ_from_their_digest_or_do_not_deserialize_are_refused()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        var replies = CreateTestProbe(_sender);
        using var outlet = new LargeMessageSender(_sender, _settings);
        var garbage = new byte[100_000];
        new Random(3).NextBytes(garbage);

        inbox.Tell(await outlet.Offer(Source.Single(garbage), garbage.Length, new byte[32], 4, "", "c1"), replies.Ref);
        Assert.Contains("corrupted: the bytes received differ from the SHA-256 it declared", replies.ExpectMsg<StreamRefused>().Reason, StringComparison.Ordinal);

        inbox.Tell(await outlet.Announce(garbage, RoundProtocolSerializer.Id, nameof(SubmitUpdate), "c1"), replies.Ref);
        Assert.Contains("malformed: its 100000 bytes do not deserialize as 'SubmitUpdate'", replies.ExpectMsg<StreamRefused>().Reason, StringComparison.Ordinal);

        target.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_stream_that_stalls_is_the_senders_dropout_within_the_idle_timeout()
    {
        var target = CreateTestProbe();
        var inbox = Inbox(target, _settings);
        using var outlet = new LargeMessageSender(_sender, _settings);
        // Half the declared bytes, then nothing, as from a sender killed mid-stream: the StreamRef
        // itself never fails.
        var chunks = Source.Single(new byte[50_000]).Concat(Source.Never<byte[]>());
        var announced = await outlet.Offer(chunks, 100_000, new byte[32], 4, "", "c7");
        var started = DateTime.UtcNow;

        inbox.Tell(announced);

        var dropped = target.ExpectMsg<DropClient>(TimeSpan.FromSeconds(10));
        var after = DateTime.UtcNow - started;
        Assert.Equal("c7", dropped.ClientId);
        // "after 50000 of": on a loaded machine the first chunk itself can come later than the idle timeout.
        Assert.Matches(@"its stream stalled: no chunk for 1 s \(hfedmoe\.transport\.idle-timeout\) after (0|50000) of 100000 bytes", dropped.Reason);
        // Fails after the idle timeout, and not much later (remoting on a loaded machine adds a little).
        Assert.InRange(after, Idle, Idle + TimeSpan.FromSeconds(5));
    }
}
