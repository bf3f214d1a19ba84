using HFedMoE.Host.Commands;
using Spectre.Console;

namespace HFedMoE.Host;

internal static class Program
{
    private static int Main(string[] args)
    {
        bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return HfedmoeCli.Run(args, new CliContext(Console.Out, Console.Error, interactive));
    }
}
