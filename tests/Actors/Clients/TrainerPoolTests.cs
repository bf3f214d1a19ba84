using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;
using Akka.Configuration;

namespace HFedMoE.Actors.Tests.Clients;

/// <summary>The pool itself, without actors: bounds, lending, and that reuse does not change what a trainer computes.</summary>
public sealed class TrainerPoolTests
{
    private static string Digest(SparseUpdate update) => Digests.Of(Digests.Serialize(update));

    [Fact]
    public void One_trainer_passed_between_clients_of_different_tiers_gives_each_the_update_of_a_fresh_trainer()
    {
        var global = TinyFederation.Initial();
        var profiles = Enumerable.Range(0, 4).Select(TinyFederation.Profile).ToArray();
        var plans = TinyFederation.Strategy().ConfigureTrain(0, global, profiles);
        var pool = TrainerPool.For(TinyFederation.Config, null, 1);

        // Tier t2 → t8 → t2 again: the reused trainer has switched models (top-k) and optimizer state in between.
        foreach (int c in new[] { 0, 3, 1, 0, 2, 3 })
        {
            var plan = plans.Single(p => p.ClientId == profiles[c].ClientId);
            string expected = Digest(TinyFederation.Train(c, plan, global));
            using var lease = pool.Rent();
            Assert.Equal(expected, Digest(lease.Trainer.Train(plan, global, TinyFederation.Data(c))));
        }
        Assert.Equal(1, pool.Created);
    }

    [Fact]
    public void Disposing_the_pool_frees_idle_trainers_now_and_a_lent_one_when_it_comes_back_and_renting_afterwards_throws()
    {
        var global = TinyFederation.Initial();
        var profiles = Enumerable.Range(0, 2).Select(TinyFederation.Profile).ToArray();
        var plans = TinyFederation.Strategy().ConfigureTrain(0, global, profiles);
        var pool = TrainerPool.For(TinyFederation.Config, null, 2);
        var first = pool.Rent();
        var second = pool.Rent();
        var idle = first.Trainer;
        first.Dispose();

        pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => idle.Train(plans[0], global, TinyFederation.Data(0)));
        var lent = second.Trainer;
        var update = lent.Train(plans[1], global, TinyFederation.Data(1)); // still usable while lent
        Assert.NotNull(update);
        second.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lent.Train(plans[1], global, TinyFederation.Data(1)));
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        pool.Dispose(); // idempotent
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_pool_size_below_one_is_refused_naming_the_size_and_what_is_expected(int size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TrainerPool.For(TinyFederation.Config, null, size));
        Assert.Equal("size", e.ParamName);
        Assert.Contains($"trainer pool size is {size}; expected ≥ 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_federation_setup_with_a_pool_size_below_one_is_refused_also_through_with()
    {
        var setup = new FederationSetup(StrategyFactory.HFedMoE, TinyFederation.Options, TinyFederation.Config, TinyFederation.Initial(),
            [new ClientSetup(TinyFederation.Profile(0), TinyFederation.Data(0))], new RoundSettings());
        Assert.Null(setup.TrainerPoolSize);
        Assert.Equal(3, (setup with { TrainerPoolSize = 3 }).TrainerPoolSize);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => setup with { TrainerPoolSize = 0 });
        Assert.Contains("TrainerPoolSize is 0; expected ≥ 1", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FederationSetup(StrategyFactory.HFedMoE, TinyFederation.Options, TinyFederation.Config,
            TinyFederation.Initial(), setup.Clients, new RoundSettings(), TrainerPoolSize: -1));
    }

    [Fact]
    public void The_default_size_is_the_dedicated_dispatcher_thread_count()
    {
        Assert.Equal(3, TrainerPool.DefaultSize(ConfigurationFactory.ParseString($"{TrainerPool.ThreadCountPath} = 3")));
        Assert.Equal(1, TrainerPool.DefaultSize(ConfigurationFactory.ParseString("a = 1")));
    }

    [Fact]
    public void Trainers_are_created_on_demand_up_to_the_size_and_reused_after_return()
    {
        int made = 0;
        var pool = new TrainerPool(2, () => { made++; return new LocalTrainer(TinyFederation.Config); });
        Assert.Equal((2, 0), (pool.Available, pool.Created));

        var a = pool.Rent();
        Assert.Equal((1, 1), (pool.Available, pool.Created));
        var first = a.Trainer;
        a.Dispose();
        a.Dispose(); // a second dispose gives nothing back twice
        Assert.Equal(2, pool.Available);
        using (var b = pool.Rent())
        {
            Assert.Same(first, b.Trainer);
        }
        using (var c = pool.Rent())
        using (var d = pool.Rent())
        {
            Assert.NotSame(c.Trainer, d.Trainer);
            Assert.Equal(0, pool.Available);
        }
        Assert.Equal((2, 2, 2), (pool.Available, pool.Created, made));
        Assert.Throws<ObjectDisposedException>(() => a.Trainer);
    }

    [Fact]
    public void A_rent_on_an_empty_pool_waits_for_a_return_and_gets_the_returned_trainer()
    {
        var pool = TrainerPool.For(TinyFederation.Config, null, 1);
        var held = pool.Rent();
        var trainer = held.Trainer;
        LocalTrainer? got = null;
        using var done = new ManualResetEventSlim();
        var renter = new Thread(() =>
        {
            using var lease = pool.Rent();
            got = lease.Trainer;
            done.Set();
        });
        renter.Start();
        // Cannot prove "still blocked" without a wait; a short one can only miss a bug, never fail a correct pool.
        Assert.False(done.Wait(TimeSpan.FromMilliseconds(50)), "a second rent did not wait for the only trainer");
        held.Dispose();
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the waiting rent was not woken by the return");
        renter.Join();
        Assert.Same(trainer, got);
        Assert.Equal((1, 1), (pool.Available, pool.Created));
    }

    [Fact]
    public void A_factory_that_hands_out_the_same_trainer_twice_is_refused_and_the_slot_is_not_lost()
    {
        var shared = new LocalTrainer(TinyFederation.Config);
        var pool = new TrainerPool(2, () => shared);
        using var first = pool.Rent();
        var e = Assert.Throws<InvalidOperationException>(() => pool.Rent());
        Assert.Contains("must not be shared between threads", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.Available);
    }

    [Fact]
    public void Concurrent_renters_never_hold_the_same_trainer_and_never_exceed_the_size()
    {
        const int size = 2, threads = 4, iterations = 300;
        var pool = TrainerPool.For(TinyFederation.Config, null, size);
        var holders = new System.Collections.Concurrent.ConcurrentDictionary<LocalTrainer, int>(ReferenceEqualityComparer.Instance);
        int inUse = 0, maxInUse = 0, clashes = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (int i = 0; i < iterations; i++)
            {
                using var lease = pool.Rent();
                int now = Interlocked.Increment(ref inUse);
                int seen;
                while ((seen = Volatile.Read(ref maxInUse)) < now && Interlocked.CompareExchange(ref maxInUse, now, seen) != seen)
                {
                }
                if (!holders.TryAdd(lease.Trainer, t))
                {
                    Interlocked.Increment(ref clashes);
                }
                holders.TryRemove(lease.Trainer, out _);
                Interlocked.Decrement(ref inUse);
            }
        });
        Assert.Equal(0, clashes);
        Assert.InRange(maxInUse, 1, size);
        Assert.Equal(size, pool.Available);
        Assert.InRange(pool.Created, 1, size);
    }
}
