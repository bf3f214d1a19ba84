using System.Globalization;
using HFedMoE.Host.Pretraining;

namespace HFedMoE.Host.Commands;

/// <summary>Prints a pre-training result: losses, then per layer the experts' sub-topic specialisation.</summary>
internal static class SpecialisationPrinter
{
    public static void Write(TextWriter output, PretrainResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var vocab = result.Vocabulary;
        output.WriteLine(string.Create(inv, $"pre-training loss: {result.InitialLoss:F4} (first steps) -> {result.FinalLoss:F4} (last steps); {PretrainCommand.Duration(result.Elapsed)}"));
        output.WriteLine($"checkpoint: {result.CheckpointPath}");
        output.WriteLine($"public split fingerprint: {result.DataFingerprint}");
        for (int l = 0; l < result.Layers.Count; l++)
        {
            var report = result.Layers[l];
            output.WriteLine();
            output.WriteLine(string.Create(inv, $"layer {l}: expert specialisation (keyword tokens routed, top-k assignments counted)"));
            output.WriteLine("  expert  routed  keywords  top sub-topic  share of keywords  share of all routed");
            foreach (var e in report.Experts)
            {
                string top = e.TopSubTopic < 0 ? "-" : vocab.SubTopicName(e.TopSubTopic);
                output.WriteLine(string.Create(inv, $"  {e.Expert,6}  {e.RoutedTokens,6}  {e.KeywordTokens,8}  {top,13}  {e.TopShare,17:F3}  {e.TopShareOfAllRouted,19:F3}"));
            }
            output.WriteLine(string.Create(inv, $"  mean top-sub-topic share: {report.MeanTopShare:F3} (no specialisation would give {report.ChanceTopShare:F3})"));
            output.WriteLine(string.Create(inv, $"  mutual information I(sub-topic; expert): {report.MutualInformation:F3} bits of {report.SubTopicEntropy:F3} ({report.NormalisedMutualInformation:P1})"));
            output.WriteLine(string.Create(inv, $"  keyword tokens among routed tokens: {report.KeywordShareOfRouting:P1}"));
            double max = Math.Log2(report.Experts.Count);
            var entropies = report.SubTopicRoutingEntropy
                .Select((h, s) => $"{vocab.SubTopicName(s)} {(double.IsNaN(h) ? "-" : h.ToString("F2", inv))}");
            output.WriteLine(string.Create(inv, $"  routing entropy per sub-topic (bits, uniform = {max:F2}): {string.Join(", ", entropies)}"));
        }
    }
}
