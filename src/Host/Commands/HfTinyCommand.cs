using System.CommandLine;
using HFedMoE.Model.Data.Text;
using HFedMoE.Model.HuggingFace;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe hf-tiny</c>: writes a tiny random Mixtral or Qwen3-MoE in the Hugging Face layout
/// (with a byte-level tokenizer.json and a ChatML template) and four client folders of generated
/// text of different kinds: everything the import → federate → export path needs, offline.
/// </summary>
internal static class HfTinyCommand
{
    public static Command Build(CliContext context)
    {
        var output = CliOptions.Path("--out", ".data/hf-tiny", "folder to write model/ and clients/ into");
        var arch = CliOptions.Choice("--arch", "qwen3_moe", ["qwen3_moe", "mixtral"], "layout");
        var experts = CliOptions.Int("--experts", 8, 1, "experts per layer", 256);
        var layers = CliOptions.Int("--layers", 2, 1, "decoder layers", 64);
        var hidden = CliOptions.Int("--hidden", 64, 8, "hidden size (a multiple of the 4 heads)", 8192);
        var lines = CliOptions.Int("--lines", 60, 2, "JSONL lines per client");
        var seed = CliOptions.Int("--seed", 5, 0, "seed of the weights and the text");
        var command = new Command("hf-tiny", "write a tiny random Hugging Face MoE model with a tokenizer, and four clients' text") { output, arch, experts, layers, hidden, lines, seed };
        command.SetAction(parse =>
        {
            string root = parse.GetValue(output)!;
            var architecture = parse.GetValue(arch) == "mixtral" ? HfArchitecture.Mixtral : HfArchitecture.Qwen3Moe;
            int h = parse.GetValue(hidden);
            if (h % 4 != 0)
            {
                context.Error.WriteLine($"hf-tiny: --hidden {h} must be a multiple of the 4 attention heads");
                return HfedmoeCli.UsageError;
            }
            string model = Path.Combine(root, "model");
            var config = TinyHfCheckpoint.Config(architecture, vocab: TinyTokenizerFiles.VocabSize, layers: parse.GetValue(layers), experts: parse.GetValue(experts), hidden: h, expertHidden: h / 2);
            TinyHfCheckpoint.Write(model, config, (ulong)parse.GetValue(seed));
            TinyTokenizerFiles.Write(model);
            for (int i = 0; i < DemoTextCorpus.Topics.Count; i++)
            {
                DemoTextCorpus.WriteClient(Path.Combine(root, "clients", $"c{i}-{DemoTextCorpus.Topics[i]}"), DemoTextCorpus.Topics[i], parse.GetValue(lines), (ulong)(parse.GetValue(seed) * 31 + i));
            }
            context.Out.WriteLine($"wrote {model} ({config.Architecture}, {config.Layers} layers × {config.Experts} experts, hidden {h}) and {DemoTextCorpus.Topics.Count} clients under {Path.Combine(root, "clients")}");
            return HfedmoeCli.Success;
        });
        return command;
    }
}
