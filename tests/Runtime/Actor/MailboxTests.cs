using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class MailboxTests
{
    private sealed record Numbered(int Sender, int Seq);

    private sealed class OrderChecker : ReceiveActor
    {
        public OrderChecker(int senders, int perSender, TaskCompletionSource<string?> done)
        {
            var next = new int[senders];
            int total = 0;
            int inside = 0;
            string? problem = null;
            Receive<Numbered>(n =>
            {
                if (Interlocked.Increment(ref inside) != 1)
                {
                    problem ??= "two messages processed concurrently";
                }
                if (n.Seq != next[n.Sender])
                {
                    problem ??= $"sender {n.Sender}: expected {next[n.Sender]} got {n.Seq}";
                }
                next[n.Sender] = n.Seq + 1;
                total++;
                Interlocked.Decrement(ref inside);
                if (total == senders * perSender)
                {
                    done.TrySetResult(problem);
                }
            });
        }
    }

    private sealed class Forwarder(IActorRef target, int id, int count) : ActorBase
    {
        protected override void PreStart()
        {
            for (int i = 0; i < count; i++)
            {
                target.Tell(new Numbered(id, i), Self);
            }
        }

        protected internal override bool Receive(object message) => false;
    }

    [Fact]
    public void Messages_from_each_sender_arrive_in_order_under_concurrency_and_one_at_a_time()
    {
        const int senders = 8;
        const int perSender = 5_000;
        using var sys = ActorTestSystem.Create();
        var done = new TaskCompletionSource<string?>();
        var checker = sys.ActorOf(Props.Create(() => new OrderChecker(senders, perSender, done)));
        // Half the senders are plain threads, half are actors.
        var threads = Enumerable.Range(0, senders / 2).Select(s => Task.Run(() =>
        {
            for (int i = 0; i < perSender; i++)
            {
                checker.Tell(new Numbered(s, i), null);
            }
        })).ToArray();
        for (int s = senders / 2; s < senders; s++)
        {
            int id = s;
            sys.ActorOf(Props.Create(() => new Forwarder(checker, id, perSender)));
        }
        ActorTestSystem.Await(Task.WhenAll(threads), TimeSpan.FromSeconds(20));
        Assert.Null(ActorTestSystem.Await(done.Task, TimeSpan.FromSeconds(20)));
    }

    private sealed class SlowCounter : ReceiveActor
    {
        public SlowCounter(int[] inside, int[] maxInside, CountdownEvent done)
        {
            Receive<int>(_ =>
            {
                int now = Interlocked.Increment(ref inside[0]);
                int seen;
                while (now > (seen = Volatile.Read(ref maxInside[0])) && Interlocked.CompareExchange(ref maxInside[0], now, seen) != seen)
                {
                }
                Thread.SpinWait(200);
                Interlocked.Decrement(ref inside[0]);
                done.Signal();
            });
        }
    }

    [Fact]
    public void An_actor_never_processes_two_messages_at_once()
    {
        using var sys = ActorTestSystem.Create();
        var inside = new int[1];
        var maxInside = new int[1];
        using var done = new CountdownEvent(4_000);
        var actor = sys.ActorOf(Props.Create(() => new SlowCounter(inside, maxInside, done)));
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                actor.Tell(i, null);
            }
        });
        Assert.True(done.Wait(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, maxInside[0]);
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => Receive<string>(_ => Sender.Tell(Thread.CurrentThread.Name ?? "<unnamed>"));
    }

    [Fact]
    public void Dedicated_dispatcher_runs_actors_on_its_own_named_threads()
    {
        using var sys = ActorTestSystem.Create("hfedmoe.actor.dedicated-dispatcher.thread-count = 2", name: "dd");
        var names = new HashSet<string>();
        for (int i = 0; i < 4; i++)
        {
            var a = sys.ActorOf(Props.Create<ThreadReporter>().WithDispatcher("hfedmoe.actor.dedicated-dispatcher"));
            names.Add(ActorTestSystem.Await(a.Ask<string>("where")));
            var b = sys.ActorOf(Props.Create<ThreadReporter>().WithDispatcher("dedicated-dispatcher"));
            names.Add(ActorTestSystem.Await(b.Ask<string>("where")));
        }
        Assert.All(names, n => Assert.Matches("^dd-dedicated-dispatcher-[12]$", n));
        var pooled = sys.ActorOf(Props.Create<ThreadReporter>());
        Assert.DoesNotMatch("dedicated", ActorTestSystem.Await(pooled.Ask<string>("where")));
        Assert.Same(sys.Dispatchers.Lookup("dedicated-dispatcher"), sys.Dispatchers.Lookup("hfedmoe.actor.dedicated-dispatcher"));
    }

    private sealed class Blocker : ReceiveActor
    {
        public Blocker(ManualResetEventSlim gate) => Receive<string>(_ =>
        {
            gate.Wait(TimeSpan.FromSeconds(10));
            Sender.Tell("unblocked");
        });
    }

    [Fact]
    public void A_busy_dedicated_dispatcher_does_not_block_thread_pool_actors()
    {
        using var sys = ActorTestSystem.Create("hfedmoe.actor.dedicated-dispatcher.thread-count = 1");
        using var gate = new ManualResetEventSlim();
        var blocked = sys.ActorOf(Props.Create(() => new Blocker(gate)).WithDispatcher("dedicated-dispatcher"));
        var reply = blocked.Ask<string>("block");
        var pooled = sys.ActorOf(Props.Create<ThreadReporter>());
        Assert.NotNull(ActorTestSystem.Await(pooled.Ask<string>("free?")));
        Assert.False(reply.IsCompleted);
        gate.Set();
        Assert.Equal("unblocked", ActorTestSystem.Await(reply));
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(ConcurrentQueue<object> seen) => ReceiveAny(m =>
        {
            seen.Enqueue(m);
            if (m is "done")
            {
                Sender.Tell("done");
            }
        });
    }

    [Fact]
    public void Messages_sent_before_the_constructor_ran_are_kept()
    {
        using var sys = ActorTestSystem.Create();
        var seen = new ConcurrentQueue<object>();
        var a = sys.ActorOf(Props.Create(() => new Collector(seen)));
        for (int i = 0; i < 100; i++)
        {
            a.Tell(i, null);
        }
        Assert.Equal("done", ActorTestSystem.Await(a.Ask<string>("done")));
        Assert.Equal(Enumerable.Range(0, 100).Cast<object>().Append("done"), seen.ToArray());
    }
}
