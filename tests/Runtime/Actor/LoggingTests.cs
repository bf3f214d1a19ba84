using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;
using HFedMoE.Runtime.Actor.Logging;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class LoggingTests
{
    private sealed class Chatty : ReceiveActor
    {
        private readonly ILoggingAdapter _log;

        public Chatty()
        {
            _log = Context.GetLogger();
            Receive<string>(s =>
            {
                _log.Debug("debug " + s);
                _log.Info("got " + s);
                _log.Error(new InvalidOperationException("bad"), "error " + s);
                Sender.Tell("ok");
            });
        }
    }

    [Fact]
    public void Actor_logger_publishes_LogEvents_with_the_actor_path_at_or_above_the_configured_level()
    {
        using var sys = ActorTestSystem.Create();
        var logs = new Probe(sys);
        sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        var chatty = sys.ActorOf(Props.Create<Chatty>(), "chatty");
        Assert.Equal("ok", ActorTestSystem.Await(chatty.Ask<string>("x")));
        var info = logs.Expect<LogEvent>();
        Assert.Equal(LogLevel.Information, info.Level);
        Assert.Equal("got x", info.Message);
        Assert.Equal("hfedmoe://test/user/chatty", info.LogSource);
        var error = logs.Expect<LogEvent>();
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.IsType<InvalidOperationException>(error.Cause);
        logs.ExpectNone(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Debug_level_is_published_when_configured()
    {
        using var sys = ActorTestSystem.Create("hfedmoe.actor.loglevel = DEBUG");
        var logs = new Probe(sys);
        sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        var chatty = sys.ActorOf(Props.Create<Chatty>());
        ActorTestSystem.Await(chatty.Ask<string>("y"));
        LogEvent e;
        do
        {
            e = logs.Expect<LogEvent>();
        }
        while (e.Message != "debug y");
        Assert.Equal(LogLevel.Debug, e.Level);
    }

    private sealed class WithArgs(string greeting, int times) : ReceiveActor
    {
        protected override void PreStart() => Context.Parent.Tell(string.Concat(Enumerable.Repeat(greeting, times)));
    }

    [Fact]
    public void Props_can_call_a_constructor_by_arguments()
    {
        using var sys = ActorTestSystem.Create();
        var unhandled = new Probe(sys);
        sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        sys.ActorOf(Props.Create<WithArgs>("ab", 2));
        Assert.Equal("abab", unhandled.Expect<UnhandledMessage>().Message);
        Assert.Throws<ArgumentException>(() => Props.Create(typeof(string)));
    }
}
