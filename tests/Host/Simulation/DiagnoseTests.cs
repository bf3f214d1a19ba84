using System.Globalization;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Rounds;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Simulation;

/// <summary>
/// <c>simulate --diagnose</c> on a tiny run whose budgets bind (snip-topk, 2 × 4 experts, tiers
/// 4/8/16/32): the diagnostics files' columns, and their numbers against what the journal, the
/// spooled updates and the spooled models say, recomputed here.
/// </summary>
public sealed class DiagnoseTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hfedmoe-diag-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static double Cell(string[] row, string[] header, string column) =>
        double.Parse(row[Array.IndexOf(header, column)], NumberStyles.Float, CultureInfo.InvariantCulture);

    [Fact]
    public void Diagnostics_hold_each_rounds_holders_merged_change_staleness_and_client_accuracies()
    {
        string dir = Path.Combine(_root, "run");
        var (code, _, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--strategy", "snip-topk", "--diagnose", "--data-dir", dir]);
        Assert.True(code == 0, error);

        var experts = File.ReadAllLines(Path.Combine(dir, RunDiagnostics.ExpertsFile));
        var clients = File.ReadAllLines(Path.Combine(dir, RunDiagnostics.ClientsFile));
        Assert.Equal("round,expert,layer,index,holders,delta_norm,norm,router_delta_norm,staleness", experts[0]);
        Assert.Equal("round,client,tier,samples,accepted,train_loss,start_accuracy,local_accuracy,trained_experts,before_loss,before_accuracy,after_loss,after_accuracy", clients[0]);
        var eh = experts[0].Split(',');
        var ch = clients[0].Split(',');
        var expertRows = experts.Skip(1).Select(l => l.Split(',')).ToList();
        var clientRows = clients.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2 * 8, expertRows.Count);   // 2 rounds × 2 layers × 4 experts
        Assert.Equal(2 * 3, clientRows.Count);   // 2 rounds × 3 clients

        // Independently: the journal's accepted updates (from the spool) and the spooled models.
        var history = RoundHistory.Read(dir, HfedmoeConfig.Load(null));
        var folder = new RunFolder(dir);
        var settings = folder.Relocated(folder.ReadSettings()!);
        var spool = UpdateSpool.InDirectory(folder.SpoolPath);
        var previous = Simulator.InitialModel(settings, settings.BasePath!);
        var staleness = new int[8];
        bool someExpertIdle = false;
        foreach (var record in history)
        {
            Assert.Equal("committed", record.Outcome);
            var updates = record.Accepted.Select(a => Digests.DeserializeUpdate(spool.Get(a.Digest))).ToList();
            var next = ModelBlob.Read(spool.Get(record.ModelDigest!), previous);
            for (int e = 0; e < 8; e++)
            {
                var row = expertRows.Single(r => r[0] == record.Round.ToString(CultureInfo.InvariantCulture) && r[1] == e.ToString(CultureInfo.InvariantCulture));
                int holders = updates.Count(u => u.TrainedExperts.Contains(e));
                Assert.Equal(holders, (int)Cell(row, eh, "holders"));
                double delta = Math.Sqrt(next.Layout.ExpertParameters(e).Sum(p =>
                {
                    var a = previous.ValuesOf(p.Name);
                    var b = next.ValuesOf(p.Name);
                    double s = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        s += ((double)b[i] - a[i]) * ((double)b[i] - a[i]);
                    }
                    return s;
                }));
                Assert.Equal(delta, Cell(row, eh, "delta_norm"), 12);
                // snip-topk merges an expert over its holders only: no holder, no change.
                Assert.Equal(holders == 0, Cell(row, eh, "delta_norm") == 0);
                staleness[e] = holders > 0 ? 0 : staleness[e] + 1;
                Assert.Equal(staleness[e], (int)Cell(row, eh, "staleness"));
                someExpertIdle |= holders < updates.Count;
            }
            foreach (var u in updates)
            {
                var row = clientRows.Single(r => r[0] == record.Round.ToString(CultureInfo.InvariantCulture) && r[1] == u.ClientId);
                Assert.Equal(1, Cell(row, ch, "accepted"));
                Assert.Equal(u.Loss, Cell(row, ch, "train_loss"));
                Assert.Equal(u.LocalAccuracy, Cell(row, ch, "local_accuracy"));
                Assert.Equal(u.TrainedExperts.Count, (int)Cell(row, ch, "trained_experts"));
            }
            previous = next;
        }
        // The budgets bound: some expert was not trained by every client.
        Assert.True(someExpertIdle);
        // The model after round 0 is the model before round 1, client by client.
        foreach (var after in clientRows.Where(r => r[0] == "0"))
        {
            var before = clientRows.Single(r => r[0] == "1" && r[1] == after[1]);
            Assert.Equal(Cell(after, ch, "after_accuracy"), Cell(before, ch, "before_accuracy"));
            Assert.Equal(Cell(after, ch, "after_loss"), Cell(before, ch, "before_loss"));
            Assert.InRange(Cell(after, ch, "after_accuracy"), 0, 1);
            Assert.Equal(24, (int)Cell(after, ch, "samples")); // the tiny clients have 24 samples, fewer than 64
        }
        // Per-client metrics are in rounds.csv too, and only with --diagnose.
        Assert.Contains("client.client-0.loss", File.ReadAllLines(Path.Combine(dir, "rounds.csv"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Plus_with_server_momentum_runs_through_the_actors_leaves_untrained_experts_still_and_refuses_a_one_round_rebuild()
    {
        string dir = Path.Combine(_root, "momentum");
        string conf = Path.Combine(_root, "momentum.conf");
        Directory.CreateDirectory(_root);
        File.WriteAllText(conf, "hfedmoe.simulate.strategy-options.plus { server-momentum = 0.5, untrained-weight = 0.25 }\n");
        var (code, _, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--strategy", "hfedmoe-plus", "--config", conf, "--diagnose", "--data-dir", dir]);
        Assert.True(code == 0, error);

        var experts = File.ReadAllLines(Path.Combine(dir, RunDiagnostics.ExpertsFile));
        var eh = experts[0].Split(',');
        var rows = experts.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(16, rows.Count);
        // ρ = 0.25 alone would move an untrained expert by float rounding at most; the step leaves it exactly.
        Assert.All(rows.Where(r => Cell(r, eh, "holders") == 0), r => Assert.Equal(0, Cell(r, eh, "delta_norm")));
        Assert.Contains(rows, r => Cell(r, eh, "holders") > 0 && Cell(r, eh, "delta_norm") > 0);

        var (rebuild, _, why) = TinySimulation.Run("replay", "rebuild", "--round", "1", "--data-dir", dir);
        Assert.NotEqual(0, rebuild);
        Assert.Contains("server step", why, StringComparison.Ordinal);
    }
}
