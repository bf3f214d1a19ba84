using System.Text;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;
using HFedMoE.Runtime.Serialization;
using HFedMoE.TestKit;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Tests.Serialization;

public sealed record Greeting(string Text);

public sealed record Unbound(string Text);

public sealed record LocalHandle(string Text) : INoSerializationVerificationNeeded;

/// <summary>Writes <see cref="Greeting"/> as UTF-8 and counts both directions.</summary>
public sealed class GreetingSerializer : ISerializer
{
    public int Written { get; private set; }

    public int Read { get; private set; }

    public int Identifier => 1001;

    public byte[] ToBinary(object obj)
    {
        Written++;
        return Encoding.UTF8.GetBytes(((Greeting)obj).Text);
    }

    public object FromBinary(byte[] bytes, string manifest)
    {
        Read++;
        return new Greeting(Encoding.UTF8.GetString(bytes));
    }

    public string Manifest(object obj) => "G";
}

/// <summary>Replies to every message with the very instance it received.</summary>
public sealed class Echo : ReceiveActor
{
    public Echo() => ReceiveAny(m => Sender.Tell(new Received(m)));

    public sealed record Received(object Message) : INoSerializationVerificationNeeded;
}

public sealed class SerializeMessagesTests() : TestKit.TestKit("hfedmoe.actor.serialize-messages = on")
{
    [Fact]
    public void The_recipient_gets_a_deserialized_copy_of_a_bound_message()
    {
        var serializer = new GreetingSerializer();
        SerializationExtension.Get(Sys).AddSerializer(serializer, [typeof(Greeting)]);
        var echo = ActorOf(Props.Create(() => new Echo()));
        var sent = new Greeting("hello");

        Send(echo, sent);

        var got = (Greeting)ExpectMsg<Echo.Received>().Message;
        Assert.Equal(sent, got);
        Assert.NotSame(sent, got);
        Assert.Equal((1, 1), (serializer.Written, serializer.Read));
    }

    [Fact]
    public void A_message_no_serializer_is_bound_to_is_not_delivered_but_logged_as_an_error_and_dead_lettered()
    {
        var echo = ActorOf(Props.Create(() => new Echo()));
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(DeadLetter));
        Sys.EventStream.Subscribe(events.Ref, typeof(LogEvent));
        var sent = new Unbound("no wire form");

        Send(echo, sent);   // does not throw: like Akka, a failed send is logged, not raised

        var error = events.FishForMessage<LogEvent>(e => e.Level == LogLevel.Error);
        Assert.Contains(typeof(Unbound).FullName!, error.Message, StringComparison.Ordinal);
        Assert.IsType<MessageNotSerializableException>(error.Cause);
        var letter = events.FishForMessage<DeadLetter>();
        Assert.Same(sent, letter.Message);
        Assert.Equal(echo, letter.Recipient);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // The recipient is unharmed: the next serializable message, also via a selection, arrives.
        Sys.ActorSelection(echo.Path.ToString()).Tell("after", TestActor);
        Assert.Equal("after", ExpectMsg<Echo.Received>().Message);
    }

    [Fact]
    public void Primitive_messages_pass_as_equal_copies()
    {
        var echo = ActorOf(Props.Create(() => new Echo()));
        foreach (object m in new object[] { "text", 42, -7L, true, double.NaN, -0.0 })
        {
            Send(echo, m);
            var got = ExpectMsg<Echo.Received>().Message;
            Assert.Equal(m.GetType(), got.GetType());
            Assert.Equal(m, got);
        }
        Send(echo, -0.0);
        Assert.True(double.IsNegative((double)ExpectMsg<Echo.Received>().Message), "the sign of -0.0 was lost");
    }

    [Fact]
    public void Marked_local_only_and_kernel_messages_are_delivered_as_is()
    {
        var echo = ActorOf(Props.Create(() => new Echo()));
        var handle = new LocalHandle("in-process");
        Send(echo, handle);
        Assert.Same(handle, ExpectMsg<Echo.Received>().Message);

        var registered = new Unbound("registered local-only");
        SerializationExtension.Get(Sys).AddLocalOnly(typeof(Unbound));
        Send(echo, registered);
        Assert.Same(registered, ExpectMsg<Echo.Received>().Message);

        Send(echo, new Identify(7));
        Assert.Equal(7, ExpectMsg<ActorIdentity>().MessageId);
        Watch(echo);
        Send(echo, PoisonPill.Instance);
        ExpectTerminated(echo);
    }

    [Fact]
    public void An_actor_reference_travels_as_its_path_and_resolves_to_the_same_live_actor()
    {
        var serialization = SerializationExtension.Get(Sys);
        var echo = ActorOf(Props.Create(() => new Echo()), "echo");

        var path = SerializationExtension.SerializedActorRef(echo);

        Assert.Contains("#", path, StringComparison.Ordinal);
        Assert.Equal(echo, serialization.ResolveActorRef(path));
        Watch(echo);
        Sys.Stop(echo);
        ExpectTerminated(echo);
        Assert.Equal(Sys.DeadLetters, serialization.ResolveActorRef(path));
        Assert.Throws<FormatException>(() => serialization.ResolveActorRef("not a path"));
    }
}

public sealed class SerializeMessagesOffTests() : TestKit.TestKit("hfedmoe.actor.serialize-messages = off")
{
    [Fact]
    public void Off_by_default_and_when_off_the_recipient_gets_the_sent_instance()
    {
        Assert.False(SerializationExtension.Get(Sys).SerializeMessages);
        var serializer = new GreetingSerializer();
        SerializationExtension.Get(Sys).AddSerializer(serializer, [typeof(Greeting)]);
        var echo = ActorOf(Props.Create(() => new Echo()));
        var sent = new Unbound("never serialized");

        Send(echo, sent);

        Assert.Same(sent, ExpectMsg<Echo.Received>().Message);
        Assert.Equal(0, serializer.Written);
    }

    [Fact]
    public void RoundTrip_names_the_type_that_has_no_serializer()
    {
        var e = Assert.Throws<MessageNotSerializableException>(() => SerializationExtension.Get(Sys).RoundTrip(new Unbound("x")));
        Assert.Equal(typeof(Unbound), e.MessageType);
        Assert.Contains(typeof(Unbound).FullName!, e.Message, StringComparison.Ordinal);
    }
}
