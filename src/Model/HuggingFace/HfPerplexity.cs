using HFedMoE.Model.Data.Text;
using HFedMoE.Model.Nn.MoeLm;
using static TorchSharp.torch;

namespace HFedMoE.Model.HuggingFace;

/// <summary>Perplexity exp(Σ token losses / tokens) of a model on sequences, with padding and prompts excluded.</summary>
public static class HfPerplexity
{
    public static (double Perplexity, double MeanLoss, long Tokens) Of(MoeCausalLm model, IReadOnlyList<CausalLmSequence> sequences, int padId, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        double sum = 0;
        long tokens = 0;
        using var noGrad = no_grad();
        for (int start = 0; start < sequences.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = CausalLmBatch.Pad([.. sequences.Skip(start).Take(batchSize)], padId);
            var output = model.Forward(tensor(batch.Ids, [batch.Size, batch.Length], device: model.Device));
            var (s, n) = CausalLmLoss.SumAndCount(output.Logits, tensor(batch.Labels, [batch.Size, batch.Length], device: model.Device));
            sum += s;
            tokens += n;
        }
        double mean = tokens == 0 ? double.NaN : sum / tokens;
        return (Math.Exp(mean), mean, tokens);
    }
}
