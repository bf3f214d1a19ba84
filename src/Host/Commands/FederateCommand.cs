using System.CommandLine;
using HFedMoE.Host.HuggingFace;

namespace HFedMoE.Host.Commands;

/// <summary><c>hfedmoe federate</c>: federated fine-tuning of a local Hugging Face MoE model over client folders of JSONL text.</summary>
internal static class FederateCommand
{
    public static Command Build(CliContext context)
    {
        var config = HfCommandSupport.ConfigOption();
        var model = CliOptions.Path("--model", null, "Hugging Face model folder (hfedmoe.hf.model.source)");
        var clients = CliOptions.Path("--clients", null, "folder with one subfolder of *.jsonl per client (hfedmoe.hf.data.clients-dir)");
        var output = CliOptions.Path("--out", null, "metrics, report and final model folder (hfedmoe.hf.federate.out)");
        var rounds = CliOptions.Int("--rounds", 5, 1, "federated rounds (hfedmoe.hf.federate.rounds)");
        var strategy = CliOptions.Choice("--strategy", "hfedmoe", [.. HFedMoE.Model.HuggingFace.HfFederatedRun.Strategies], "strategy (hfedmoe.hf.federate.strategy)");
        var command = new Command("federate", "federated fine-tuning of a Hugging Face MoE model over clients with different budgets; held-out perplexity per round") { config, model, clients, output, rounds, strategy };
        command.SetAction(parse =>
        {
            try
            {
                var s = HfCommandSupport.Load(parse.GetValue(config));
                s = s with
                {
                    Source = HfCommandSupport.Given(parse, model) ? parse.GetValue(model) : s.Source,
                    ClientsDir = HfCommandSupport.Given(parse, clients) ? parse.GetValue(clients) : s.ClientsDir,
                    Out = HfCommandSupport.Given(parse, output) ? parse.GetValue(output)! : s.Out,
                    Rounds = HfCommandSupport.Given(parse, rounds) ? parse.GetValue(rounds) : s.Rounds,
                    Strategy = HfCommandSupport.Given(parse, strategy) ? parse.GetValue(strategy)! : s.Strategy,
                };
                HfFederation.Run(s, context.Out);
                return HfedmoeCli.Success;
            }
            catch (Exception e) when (HfCommandSupport.IsReported(e))
            {
                context.Error.WriteLine($"federate: {e.Message}");
                return HfedmoeCli.Failure;
            }
        });
        return command;
    }
}
