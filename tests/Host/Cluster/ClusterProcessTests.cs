using HFedMoE.Host.Tests.Simulation;
using Xunit.Abstractions;

namespace HFedMoE.Host.Tests.Cluster;

/// <summary>
/// A cluster federation as users run it: real <c>hfedmoe seed</c> and <c>hfedmoe client</c>
/// processes on loopback, at ports the OS gave free, with <c>tcp-reuse-addr = off</c>
/// (hocon/cluster.conf). Every wait is on a line a process prints; nothing sleeps. The model
/// digests are compared with <c>simulate</c>'s, run in this test run (<see cref="ClusterRunFixture"/>).
/// </summary>
[Trait("Category", "Process")]
public sealed class ClusterProcessTests(ClusterRunFixture run, ITestOutputHelper output) : IClassFixture<ClusterRunFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly NodeProcesses _processes = new(output);
    private readonly string _dir = Path.Combine(run.Root, Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task One_seed_and_three_clients_run_three_rounds_to_simulates_model_and_exit_cleanly()
    {
        int[] ports = ClusterRunFixture.FreePorts(4);
        var seed = Start(run.SeedArgs(_dir, ports[0]));
        var clients = Enumerable.Range(0, 3).Select(i => Start(run.ClientArgs(i, ports[i + 1], ports[0]))).ToList();

        for (int r = 0; r < ClusterRunFixture.Rounds; r++)
        {
            string committed = await seed.WaitForLineAsync(l => l.StartsWith($"round {r} committed", StringComparison.Ordinal), Patience);
            Assert.Equal($"round {r} committed: model {run.Digests[r]}; dropped none", committed);
        }
        Assert.Equal($"run complete: 3 rounds; final model {run.Digests[^1]}", await seed.WaitForLineAsync(l => l.StartsWith("run complete", StringComparison.Ordinal), Patience));
        // Done: the seed leaves the cluster by itself and exits 0.
        Assert.Equal(0, await seed.WaitForExitAsync(Patience));
        Assert.Contains($"member up: akka.tcp://hfedmoe@127.0.0.1:{ports[1]} [client]", seed.Stdout, StringComparison.Ordinal);

        foreach (var (client, i) in clients.Select((c, i) => (c, i)))
        {
            for (int r = 0; r < ClusterRunFixture.Rounds; r++)
            {
                await client.WaitForLineAsync(l => l.StartsWith($"round {r}: update accepted", StringComparison.Ordinal), Patience);
            }
            await client.WaitForLineAsync(l => l == $"member exited: akka.tcp://hfedmoe@127.0.0.1:{ports[0]} [server]", Patience);
            // SIGTERM: the client leaves the cluster gracefully and exits 0.
            client.Terminate();
            Assert.True(await client.WaitForExitAsync(Patience) == 0, client.Stderr);
            // It left gracefully: its own departure is a membership change it printed.
            Assert.Contains($"member leaving: akka.tcp://hfedmoe@127.0.0.1:{ports[i + 1]} [client]", client.Stdout, StringComparison.Ordinal);
            Assert.Contains($"client client-{i}: node akka.tcp://hfedmoe@127.0.0.1:{ports[i + 1]}", client.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_client_killed_mid_round_is_dropped_the_round_commits_without_it_and_the_restarted_client_trains_the_next()
    {
        int[] ports = ClusterRunFixture.FreePorts(4);
        var seed = Start(run.SeedArgs(_dir, ports[0]));
        Start(run.ClientArgs(0, ports[1], ports[0]));
        // client-1 hangs on round 1's plan (it never answers), then is killed with SIGKILL.
        var doomed = Start([.. run.ClientArgs(1, ports[2], ports[0]), "--stall-round", "1"]);
        Start(run.ClientArgs(2, ports[3], ports[0]));

        Assert.Equal($"round 0 committed: model {run.Digests[0]}; dropped none",
            await seed.WaitForLineAsync(l => l.StartsWith("round 0 committed", StringComparison.Ordinal), Patience));
        await doomed.WaitForLineAsync(l => l == "round 1: stalling (--stall-round)", Patience);
        doomed.Kill();

        string drop = await seed.WaitForLineAsync(l => l.StartsWith("client client-1 dropped", StringComparison.Ordinal), Patience);
        Assert.Equal($"client client-1 dropped: its node akka.tcp://hfedmoe@127.0.0.1:{ports[2]} is unreachable", drop);
        string round1 = await seed.WaitForLineAsync(l => l.StartsWith("round 1 committed", StringComparison.Ordinal), Patience);
        Assert.EndsWith("; dropped client-1", round1, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Digests[1], round1, StringComparison.Ordinal);

        // Restarted at its address: it rejoins (the dead incarnation is downed) and takes part in round 2.
        var back = Start(run.ClientArgs(1, ports[2], ports[0]));
        Assert.Equal("round 2 started: client-0, client-1, client-2", await seed.WaitForLineAsync(l => l.StartsWith("round 2 started", StringComparison.Ordinal), Patience));
        await back.WaitForLineAsync(l => l.StartsWith("round 2: update accepted", StringComparison.Ordinal), Patience);
        Assert.EndsWith("; dropped none", await seed.WaitForLineAsync(l => l.StartsWith("round 2 committed", StringComparison.Ordinal), Patience), StringComparison.Ordinal);
        Assert.StartsWith("run complete: 3 rounds", await seed.WaitForLineAsync(l => l.StartsWith("run complete", StringComparison.Ordinal), Patience), StringComparison.Ordinal);
        Assert.Equal(0, await seed.WaitForExitAsync(Patience));
    }

    [Fact]
    public async Task The_seed_killed_mid_round_and_started_again_resumes_from_its_journal_to_simulates_model()
    {
        int[] ports = ClusterRunFixture.FreePorts(4);
        var first = Start(run.SeedArgs(_dir, ports[0]));
        for (int i = 0; i < 3; i++)
        {
            Start(run.ClientArgs(i, ports[i + 1], ports[0]));
        }
        await first.WaitForLineAsync(l => l.StartsWith("round 1 started", StringComparison.Ordinal), Patience);
        await KillOnNextSpoolWrite(first);
        output.WriteLine($"seed killed after: {first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]}");

        // Started again at its address with the same command: it rejoins the cluster its clients
        // still form through the members it last saw (no --join needed).
        var second = Start(run.SeedArgs(_dir, ports[0]));
        Assert.Contains("rejoining the members it last saw", await second.WaitForLineAsync(l => l.StartsWith("seed: server node", StringComparison.Ordinal), Patience), StringComparison.Ordinal);
        await second.WaitForLineAsync(l => l.StartsWith("round manager recovered from the journal", StringComparison.Ordinal), Patience);
        Assert.Equal($"run complete: 3 rounds; final model {run.Digests[^1]}", await second.WaitForLineAsync(l => l.StartsWith("run complete", StringComparison.Ordinal), Patience));
        Assert.Contains($"round 2 committed: model {run.Digests[2]}; dropped none", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await second.WaitForExitAsync(Patience));
    }

    [Fact]
    public async Task With_two_server_nodes_killing_the_oldest_moves_the_coordinator_which_recovers_and_finishes_the_run()
    {
        // Sorted: the two servers come up in the same step (no node is Up before the clients have
        // joined, min-nr-of-members), and Akka numbers them in address order, so ports[0] is the oldest.
        int[] ports = [.. ClusterRunFixture.FreePorts(5).Order()];
        var oldest = Start(run.SeedArgs(_dir, ports[0]));
        var younger = Start(run.SeedArgs(_dir, ports[1], "--join", $"127.0.0.1:{ports[0]}"));
        // Both server nodes are members before any client joins: every round runs with two servers.
        await oldest.WaitForLineAsync(l => l == $"member joining: akka.tcp://hfedmoe@127.0.0.1:{ports[1]} [server]", Patience);
        for (int i = 0; i < 3; i++)
        {
            Start(run.ClientArgs(i, ports[i + 2], ports[0]));
        }
        Assert.Equal($"round coordinator started on akka.tcp://hfedmoe@127.0.0.1:{ports[0]}",
            await oldest.WaitForLineAsync(l => l.StartsWith("round coordinator started", StringComparison.Ordinal), Patience));
        await younger.WaitForLineAsync(l => l == $"member up: akka.tcp://hfedmoe@127.0.0.1:{ports[1]} [server]", Patience);
        await oldest.WaitForLineAsync(l => l.StartsWith("round 1 started", StringComparison.Ordinal), Patience);
        await KillOnNextSpoolWrite(oldest);

        Assert.Equal($"round coordinator started on akka.tcp://hfedmoe@127.0.0.1:{ports[1]}",
            await younger.WaitForLineAsync(l => l.StartsWith("round coordinator started", StringComparison.Ordinal), Patience));
        Assert.Equal($"run complete: 3 rounds; final model {run.Digests[^1]}", await younger.WaitForLineAsync(l => l.StartsWith("run complete", StringComparison.Ordinal), Patience));
        Assert.Equal(0, await younger.WaitForExitAsync(Patience));
    }

    /// <summary>SIGKILLs <paramref name="seed"/> when the next blob (an update, or a model) lands in the run's spool.</summary>
    private async Task KillOnNextSpoolWrite(HfedmoeProcess seed)
    {
        string spool = Path.Combine(_dir, "spool");
        Directory.CreateDirectory(spool);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(spool);
        watcher.Renamed += (_, _) =>
        {
            seed.Kill();
            killed.TrySetResult();
        };
        watcher.EnableRaisingEvents = true;
        if (await Task.WhenAny(killed.Task, Task.Delay(Patience)) != killed.Task)
        {
            throw new TimeoutException($"no spool write within {Patience}; stdout:\n{seed.Stdout}\nstderr:\n{seed.Stderr}");
        }
    }

    private HfedmoeProcess Start(string[] args) => _processes.Start(args);

    public void Dispose()
    {
        _processes.Dispose();
    }
}
