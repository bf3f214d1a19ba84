using System.CommandLine;
using System.Globalization;
using HFedMoE.Model.Data.Text;
using HFedMoE.Model.HuggingFace;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe import &lt;dir&gt;</c>: opens a local Hugging Face model folder and checks it
/// completely (config, every tensor's presence, shape and dtype, every shard, the tokenizer), then
/// prints what the federated run will see: the architecture, the expert groups and the budget
/// range. <c>--write-config</c> writes a HOCON file with <c>hfedmoe.hf.model.source</c> set.
/// </summary>
internal static class ImportCommand
{
    public static Command Build(CliContext context)
    {
        var folder = new Argument<string>("dir") { Description = "local Hugging Face model folder (config.json, safetensors, tokenizer.json)" };
        var writeConfig = CliOptions.Path("--write-config", null, "write a HOCON file with hfedmoe.hf.model.source set to this folder");
        var command = new Command("import", "check a local Hugging Face MoE model folder (Mixtral, Qwen3-MoE) and show its expert groups") { folder, writeConfig };
        command.SetAction(parse => Execute(context, parse.GetValue(folder)!, parse.GetValue(writeConfig)));
        return command;
    }

    private static int Execute(CliContext context, string dir, string? writeConfig)
    {
        try
        {
            using var checkpoint = HfCheckpoint.Open(dir);
            var c = checkpoint.Config;
            var layout = new HfFederatedLayout(checkpoint.Layout);
            var inv = CultureInfo.InvariantCulture;
            context.Out.WriteLine($"{dir}: {c.Architecture} ({c.Raw["model_type"]}), {c.Layers} layers, hidden {c.HiddenSize}, {c.Heads} heads over {c.KeyValueHeads} KV heads (head dim {c.HeadDim}), vocabulary {c.VocabSize}");
            context.Out.WriteLine($"  experts: {c.Experts} per layer × {c.Layers} layers = {layout.Layout.ExpertCount} expert groups (hidden {c.ExpertHidden}), top-{c.TopK}, {(c.NormTopKProb ? "renormalised" : "not renormalised")} over the chosen");
            long expertElements = checkpoint.Layout.Tensors.Where(t => t.IsExpert).Sum(t => t.Elements);
            context.Out.WriteLine(string.Create(inv, $"  parameters: {checkpoint.Layout.Elements:N0} ({expertElements * 100.0 / checkpoint.Layout.Elements:F1} % in experts); weights {checkpoint.WeightBytes / 1048576.0:F1} MiB in {checkpoint.ShardFiles.Count} file(s), {string.Join("/", checkpoint.Layout.Tensors.Select(t => checkpoint.DtypeOf(t.HfName)).Distinct())}"));
            context.Out.WriteLine($"  federated names: {checkpoint.Layout.Tensors[0].HfName} (shared) … {checkpoint.Layout.Tensors.First(t => t.IsExpert).HfName} → {checkpoint.Layout.Tensors.First(t => t.IsExpert).FederatedName}");
            string tokenizer = Path.Combine(dir, "tokenizer.json");
            if (File.Exists(tokenizer))
            {
                var tok = HfTokenizer.Load(dir);
                context.Out.WriteLine($"  tokenizer: tokenizer.json, chat template {tok.Template.Family}, eos {tok.EosId?.ToString(inv) ?? "none"}, pad {tok.PadId}");
            }
            else
            {
                context.Out.WriteLine("  tokenizer: none (tokenizer.json missing: `federate` needs it)");
            }
            if (writeConfig is not null)
            {
                File.WriteAllText(writeConfig, $"hfedmoe.hf.model.source = {System.Text.Json.JsonSerializer.Serialize(Path.GetFullPath(dir))}\n");
                context.Out.WriteLine($"  wrote {writeConfig}");
            }
            return HfedmoeCli.Success;
        }
        catch (Exception e) when (HfCommandSupport.IsReported(e))
        {
            context.Error.WriteLine($"import: {e.Message}");
            return HfedmoeCli.Failure;
        }
    }
}
