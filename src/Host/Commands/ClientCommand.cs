using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using HFedMoE.Host.Cluster;
using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe client --seed host:port --client-id ID</c>: a client node of a cluster federation
/// (hocon/client.conf) with one client, its data shard and its budget. The data and model flags
/// must match the seed's (the same as <c>simulate</c>'s); it prints one line per membership change
/// and per round and runs until Ctrl-C.
/// </summary>
internal static class ClientCommand
{
    public static Command Build(CliContext context)
    {
        // --seed names the seed node here (as in Akka), so the run's seed is --run-seed.
        var run = new RunOptions("--run-seed");
        var seeds = ClusterOptions.Nodes("--seed", "host:port of a seed node to join (repeatable, or comma-separated)", required: true);
        var id = new Option<string>("--client-id") { Description = "this client's id (simulate's clients are client-0, client-1, ...)", Required = true };
        var shard = new Option<int?>("--shard")
        {
            Description = "which of the run's --clients benchmark shards is this client's data (default: N of a client-id client-N)",
            CustomParser = r => int.TryParse(Token(r), NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : Error(r, $"--shard expects a whole number >= 0; got '{Token(r)}'"),
        };
        var budget = new Option<double?>("--budget")
        {
            Description = "compute budget: expert backward passes per batch, one of the run's budget tiers (default: the tier simulate gives this shard)",
            CustomParser = r => double.TryParse(Token(r), NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && b > 0 && double.IsFinite(b)
                ? b
                : ErrorDouble(r, $"--budget expects a number > 0; got '{Token(r)}'"),
        };
        var host = ClusterOptions.Host();
        var port = ClusterOptions.Port("default 0: any free port");
        var stall = new Option<int?>("--stall-round") { Hidden = true, Description = "fault injection for tests: hang on receiving this round's plan" };
        var command = new Command("client", "run a client node of a cluster federation: one client with its data shard and budget, joined through --seed");
        foreach (var option in run.ClientData)
        {
            command.Add(option);
        }
        command.Add(seeds);
        command.Add(id);
        command.Add(shard);
        command.Add(budget);
        command.Add(host);
        command.Add(port);
        command.Add(stall);
        command.SetAction(parse =>
        {
            try
            {
                var (loaded, settings, origins) = run.Read(parse, command);
                settings.Validate(origins);
                string clientId = parse.GetValue(id)!;
                if (clientId.Length == 0 || clientId.Any(char.IsControl))
                {
                    return Usage(context, $"--client-id expects a non-empty name; got '{clientId}'");
                }
                int k;
                if (parse.GetValue(shard) is int given)
                {
                    k = given;
                }
                else if (clientId.StartsWith("client-", StringComparison.Ordinal)
                    && int.TryParse(clientId["client-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                {
                    k = n;
                }
                else
                {
                    return Usage(context, $"--shard is needed: the client id '{clientId}' is not of the form client-N");
                }
                if (k >= settings.Clients)
                {
                    return Usage(context, $"--shard {k} does not exist: the run has --clients {settings.Clients} shards (0..{settings.Clients - 1})");
                }
                double cap = parse.GetValue(budget) ?? settings.Budgets[k % settings.Budgets.Count];
                if (!settings.Budgets.Contains(cap))
                {
                    return Usage(context, $"--budget {cap.ToString(CultureInfo.InvariantCulture)} is not one of the run's budget tiers {string.Join(", ", settings.Budgets.Select(b => b.ToString(CultureInfo.InvariantCulture)))} ({SimulationSettings.ConfigPath}.budgets)");
                }
                if (settings.BasePath is not null && !File.Exists(settings.BasePath))
                {
                    return Usage(context, $"--base file '{settings.BasePath}' not found");
                }
                var node = new ClientNodeSetup(clientId, k, cap, parse.GetValue(stall));
                return ClientNode.Run(settings, loaded, node, parse.GetValue(host), parse.GetValue(port), parse.GetValue(seeds) ?? [], context.Out, context.Error);
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
            {
                return Usage(context, CommandText.OneLine(e.Message));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
            {
                context.Error.WriteLine($"hfedmoe client: {CommandText.OneLine(e.Message)}");
                return HfedmoeCli.Failure;
            }
        });
        return command;
    }

    private static int Usage(CliContext context, string problem)
    {
        context.Error.WriteLine($"hfedmoe client: {problem}");
        return HfedmoeCli.UsageError;
    }

    private static string Token(System.CommandLine.Parsing.ArgumentResult result) => result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;

    private static int? Error(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }

    private static double? ErrorDouble(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }
}
