using System.CommandLine;
using System.CommandLine.Parsing;

namespace HFedMoE.Host.Commands;

/// <summary>
/// The <c>hfedmoe</c> command line. Exit codes: 0 success, 1 the work failed, 2 the command
/// line was wrong (one line on stderr names the problem and the valid choices).
/// </summary>
internal static class HfedmoeCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("hfedmoe: federated fine-tuning of mixture-of-experts models under heterogeneous compute budgets");
        root.Add(PretrainCommand.Build(context));
        root.Add(SimulateCommand.Build(context));
        root.Add(SeedCommand.Build(context));
        root.Add(ClientCommand.Build(context));
        root.Add(ReplayCommand.Build(context));
        root.Add(ExperimentCommand.Build(context));
        root.Add(ImportCommand.Build(context));
        root.Add(FederateCommand.Build(context));
        root.Add(ExportCommand.Build(context));
        root.Add(HfTinyCommand.Build(context));
        root.Add(CertsCommand.Build(context));
        root.Add(TlsCheckCommand.Build(context));
        return root;
    }

    public static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var result = root.Parse(args);
        string? problem = Problem(result);
        if (problem is not null)
        {
            context.Error.WriteLine(problem);
            return UsageError;
        }
        return result.Invoke(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The first thing wrong with the command line as one line, or null if it parsed.</summary>
    internal static string? Problem(ParseResult result)
    {
        if (result.Errors.Count == 0)
        {
            return null;
        }
        var command = result.CommandResult.Command;
        string path = CommandPath(result.CommandResult);
        if (result.UnmatchedTokens.Count > 0)
        {
            string token = result.UnmatchedTokens[0];
            if (command.Subcommands.Count > 0 && !token.StartsWith('-'))
            {
                return $"{path}: unknown command '{token}'; valid commands: {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
            }
            var options = command.Options.Where(o => !o.Hidden).Select(o => o.Name).ToList();
            return $"{path}: unknown option or argument '{token}'; valid options: {string.Join(", ", options)}";
        }
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            return $"{path}: no command given; valid commands: {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
        }
        var error = result.Errors[0];
        var option = error.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is not null && option.Tokens.Count == 0 && !option.Implicit)
        {
            return $"{path}: {option.Option.Name} needs a value ({option.Option.Description})";
        }
        string message = error.Message;
        return $"{path}: {string.Join(' ', message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}";
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Parent is null ? "hfedmoe" : c.Command.Name);
            }
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
