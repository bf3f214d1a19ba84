using System.CommandLine;
using System.Text.Json;
using HFedMoE.Host.HuggingFace;
using HFedMoE.Model.HuggingFace;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe export --run &lt;out&gt; --to &lt;dir&gt;</c>: the federated model of a
/// <c>federate</c> run written in the source's layout: its config.json (every key kept), its dtype
/// unless <c>hfedmoe.hf.export.dtype</c> says otherwise, safetensors shards with an index past the
/// shard size, and the tokenizer files copied, so Hugging Face tools load it unchanged.
/// </summary>
internal static class ExportCommand
{
    public static Command Build(CliContext context)
    {
        var config = HfCommandSupport.ConfigOption();
        var run = CliOptions.Path("--run", null, "a federate run's output folder (hfedmoe.hf.federate.out)");
        var to = CliOptions.Path("--to", null, "folder to write the exported model into");
        var dtype = CliOptions.Choice("--dtype", "source", ["source", "float32", "float16", "bfloat16"], "weight dtype (hfedmoe.hf.export.dtype; source: the source's torch_dtype)");
        var command = new Command("export", "write a federate run's model in the source's Hugging Face layout (config, safetensors shards with index, tokenizer files)") { config, run, to, dtype };
        command.SetAction(parse =>
        {
            try
            {
                var s = HfCommandSupport.Load(parse.GetValue(config));
                string runDir = HfCommandSupport.Given(parse, run) ? parse.GetValue(run)! : s.Out;
                string destination = parse.GetValue(to) ?? throw new ArgumentException("--to is required: the folder to write the exported model into");
                string? chosen = HfCommandSupport.Given(parse, dtype) ? (parse.GetValue(dtype) == "source" ? null : parse.GetValue(dtype)) : s.ExportDtype;
                string runFile = Path.Combine(runDir, HfFederation.RunFile);
                if (!File.Exists(runFile))
                {
                    throw new FileNotFoundException($"{runFile} not found: --run must name the output folder of a finished `hfedmoe federate`");
                }
                string source;
                using (var doc = JsonDocument.Parse(File.ReadAllText(runFile)))
                {
                    source = doc.RootElement.GetProperty("source").GetString()!;
                }
                using var sourceCheckpoint = HfCheckpoint.Open(source);
                using var trained = HfCheckpoint.Open(Path.Combine(runDir, HfFederation.ModelFolder));
                string st = HfDtype.FromTorch(chosen ?? sourceCheckpoint.Config.TorchDtype);
                var files = HfCheckpointWriter.Write(destination, sourceCheckpoint.Config, trained.Read, st, (long)s.MaxShardMb << 20, companionsFrom: source);
                using var check = HfCheckpoint.Open(destination);
                context.Out.WriteLine($"wrote {destination}: {string.Join(", ", files)} ({st}, {check.ShardFiles.Count} weight file(s)); re-opened and checked");
                return HfedmoeCli.Success;
            }
            catch (Exception e) when (HfCommandSupport.IsReported(e))
            {
                context.Error.WriteLine($"export: {e.Message}");
                return HfedmoeCli.Failure;
            }
        });
        return command;
    }
}
