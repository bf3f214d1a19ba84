using System.CommandLine;
using System.Globalization;
using HFedMoE.Actors.Rounds;
using HFedMoE.Host.Simulation;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe replay list|show</c>: what the round manager persisted, read from the journal of a
/// run's data folder without starting it.
/// </summary>
internal static class ReplayCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("replay", "inspect the rounds a run persisted in its journal");
        command.Add(List(context));
        command.Add(Show(context));
        command.Add(Rebuild(context));
        return command;
    }

    private static (Option<string> DataDir, Option<string> Config, Option<string> Id) Common() => (
        CliOptions.Path("--data-dir", ".data/simulate", "the run's data folder (holding journal.db)"),
        CliOptions.Path("--config", null, "HOCON file layered over the reference configuration (journal plugin and settings)"),
        CliOptions.Path("--persistence-id", RoundManager.DefaultPersistenceId, "persistence id of the round manager"));

    private static Command List(CliContext context)
    {
        var (dataDir, config, id) = Common();
        var command = new Command("list", "one line per persisted round: outcome, participants, accepted, dropped, model digest") { dataDir, config, id };
        command.SetAction(parse => Run(context, "list", parse.GetValue(dataDir)!, parse.GetValue(config), parse.GetValue(id)!, rounds =>
        {
            context.Out.WriteLine(" round | version | outcome           | participants | accepted | dropped | model digest");
            context.Out.WriteLine("-------+---------+-------------------+--------------+----------+---------+-----------------------------------------------------------------");
            foreach (var r in rounds)
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $" {r.Round,5} | {r.ModelVersion,7} | {r.Outcome,-17} | {r.Participants.Count,12} | {r.Accepted.Count,8} | {r.Dropped.Count,7} | {r.ModelDigest ?? "-"}"));
            }
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rounds.Count} rounds, {rounds.Count(r => r.Outcome == "committed")} committed"));
            return HfedmoeCli.Success;
        }));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var (dataDir, config, id) = Common();
        var round = CliOptions.Int("--round", -1, 0, "the round to show (as listed by replay list)");
        var command = new Command("show", "one round in detail: participants and plan digests, accepted updates, dropped clients, metrics") { round, dataDir, config, id };
        command.SetAction(parse => Run(context, "show", parse.GetValue(dataDir)!, parse.GetValue(config), parse.GetValue(id)!, rounds =>
        {
            if (parse.GetResult(round) is not { Implicit: false })
            {
                string known = rounds.Count == 0 ? "none" : $"{rounds[0].Round}..{rounds[^1].Round}";
                context.Error.WriteLine($"hfedmoe replay show: --round is required; persisted rounds: {known}");
                return HfedmoeCli.UsageError;
            }
            int n = parse.GetValue(round);
            var r = rounds.FirstOrDefault(x => x.Round == n);
            if (r is null)
            {
                string known = rounds.Count == 0 ? "none" : $"{rounds[0].Round}..{rounds[^1].Round}";
                context.Error.WriteLine($"hfedmoe replay show: --round {n} is not in the journal; persisted rounds: {known}");
                return HfedmoeCli.UsageError;
            }
            Write(context.Out, r);
            return HfedmoeCli.Success;
        }));
        return command;
    }

    private static Command Rebuild(CliContext context)
    {
        var (dataDir, config, id) = Common();
        var round = CliOptions.Int("--round", -1, 0, "the committed round to re-merge");
        var command = new Command("rebuild", "re-merge a committed round from the spooled updates and check the model digest against the journal") { round, dataDir, config, id };
        command.SetAction(parse => Run(context, "rebuild", parse.GetValue(dataDir)!, parse.GetValue(config), parse.GetValue(id)!, rounds =>
        {
            var committed = rounds.Where(r => r.Outcome == "committed").Select(r => r.Round).ToList();
            string known = committed.Count == 0 ? "none" : string.Join(", ", committed);
            int n = parse.GetValue(round);
            if (parse.GetResult(round) is not { Implicit: false } || !committed.Contains(n))
            {
                context.Error.WriteLine(parse.GetResult(round) is not { Implicit: false }
                    ? $"hfedmoe replay rebuild: --round is required; committed rounds: {known}"
                    : $"hfedmoe replay rebuild: round {n} is not a committed round; committed rounds: {known}");
                return HfedmoeCli.UsageError;
            }
            var outcome = RoundRebuilder.Rebuild(parse.GetValue(dataDir)!, rounds, n);
            context.Out.WriteLine($"round {n}: plans {(outcome.PlansMatch ? "match their digests" : "DIFFER from the recorded digests")}; {outcome.Offered} spooled updates re-merged, {outcome.Refused.Count} refused");
            foreach (string r in outcome.Refused)
            {
                context.Out.WriteLine($"  refused {r}");
            }
            context.Out.WriteLine($"recorded model digest {outcome.RecordedDigest}");
            context.Out.WriteLine($"rebuilt  model digest {outcome.RebuiltDigest}");
            context.Out.WriteLine(outcome.Verified ? "verified: the re-merged model is bit-identical" : "MISMATCH: the re-merged model differs from the committed one");
            return outcome.Verified ? HfedmoeCli.Success : HfedmoeCli.Failure;
        }));
        return command;
    }

    private static void Write(TextWriter o, RoundRecord r)
    {
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {r.Round}: {r.Outcome}, trained against model version {r.ModelVersion}, deadline extensions {r.Extensions}"));
        if (r.ModelDigest is not null)
        {
            o.WriteLine($"model digest: {r.ModelDigest}");
        }
        if (r.Reason is not null)
        {
            o.WriteLine($"closed: {r.Reason}");
        }
        o.WriteLine($"participants ({r.Participants.Count}):");
        var accepted = r.Accepted.ToDictionary(a => a.Client, a => a.Digest, StringComparer.Ordinal);
        var dropped = r.Dropped.ToDictionary(a => a.Client, a => a.Reason, StringComparer.Ordinal);
        for (int i = 0; i < r.Participants.Count; i++)
        {
            string client = r.Participants[i];
            string plan = i < r.PlanDigests.Count ? r.PlanDigests[i] : "-";
            string state = accepted.TryGetValue(client, out string? d) ? $"accepted update {d}"
                : dropped.TryGetValue(client, out string? why) ? $"dropped: {why}"
                : "no update";
            o.WriteLine($"  {client,-12} plan {plan}  {state}");
        }
        if (r.Metrics.Count > 0)
        {
            o.WriteLine("metrics:");
            foreach (var (k, v) in r.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {k,-34} {v:G6}"));
            }
        }
    }

    private static int Run(CliContext context, string verb, string dataDir, string? configFile, string persistenceId, Func<IReadOnlyList<RoundRecord>, int> show)
    {
        if (!File.Exists(Path.Combine(dataDir, Simulator.JournalFile)) && configFile is null)
        {
            context.Error.WriteLine($"hfedmoe replay {verb}: --data-dir '{dataDir}' holds no {Simulator.JournalFile} (give the folder of a hfedmoe simulate run)");
            return HfedmoeCli.UsageError;
        }
        try
        {
            var config = HfedmoeConfig.Load(configFile);
            var rounds = RoundHistory.Read(dataDir, config, persistenceId);
            if (rounds.Count == 0 && RoundHistory.PersistenceIds(dataDir, config) is { Count: > 0 } ids && !ids.Contains(persistenceId))
            {
                context.Error.WriteLine($"hfedmoe replay {verb}: the journal holds no events of '{persistenceId}'; it holds: {string.Join(", ", ids)}");
                return HfedmoeCli.UsageError;
            }
            return show(rounds);
        }
        catch (ConfigurationException e)
        {
            context.Error.WriteLine($"hfedmoe replay {verb}: {string.Join(' ', e.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}");
            return HfedmoeCli.UsageError;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or KeyNotFoundException or System.Text.Json.JsonException)
        {
            context.Error.WriteLine($"hfedmoe replay {verb}: {string.Join(' ', e.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}");
            return HfedmoeCli.Failure;
        }
    }
}
