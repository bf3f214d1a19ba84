using System.CommandLine;
using Akka.Configuration;
using HFedMoE.Host.Cluster;
using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe seed</c>: a server node of a cluster federation (hocon/seed.conf). It takes the same
/// run options as <c>simulate</c>; the round coordinator runs rounds once <c>--clients</c> client
/// nodes have joined, prints one line per membership change and per round, and the node leaves
/// the cluster and exits when the run is complete (or on Ctrl-C).
/// </summary>
internal static class SeedCommand
{
    public static Command Build(CliContext context)
    {
        var run = new RunOptions();
        var host = ClusterOptions.Host();
        var port = ClusterOptions.Port("default 4053, hocon/cluster.conf");
        var join = ClusterOptions.Nodes("--join", "host:port of a node already in the cluster (repeatable): a second server node, or a seed restarted while its clients still run; without it this node founds the cluster", required: false);
        var command = new Command("seed", "run a server node of a cluster federation: the round coordinator (a cluster singleton) with the journal in --data-dir");
        foreach (var option in run.All)
        {
            command.Add(option);
        }
        command.Add(host);
        command.Add(port);
        command.Add(join);
        command.SetAction(parse =>
        {
            try
            {
                var (loaded, settings, origins) = run.Read(parse, command);
                settings.Validate(origins);
                if (settings.BasePath is not null && !File.Exists(settings.BasePath))
                {
                    context.Error.WriteLine($"hfedmoe seed: --base file '{settings.BasePath}' not found (write one with hfedmoe pretrain)");
                    return HfedmoeCli.UsageError;
                }
                return SeedNode.Run(settings, loaded, parse.GetValue(host), parse.GetValue(port), parse.GetValue(join) ?? [], context.Out, context.Error);
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
            {
                context.Error.WriteLine($"hfedmoe seed: {CommandText.OneLine(e.Message)}");
                return HfedmoeCli.UsageError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
            {
                context.Error.WriteLine($"hfedmoe seed: {CommandText.OneLine(e.Message)}");
                return HfedmoeCli.Failure;
            }
        });
        return command;
    }
}
