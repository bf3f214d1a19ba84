using HFedMoE.Model.Optim;

namespace HFedMoE.Model.Federated;

/// <summary>
/// Client-side settings that are not per round: AdamW hyper-parameters and the parameter-name
/// prefixes frozen during fine-tuning (e.g. <c>embed.</c>; frozen parameters are not shipped).
/// </summary>
public sealed record LocalTrainerOptions
{
    public AdamWOptions Adam { get; init; } = new();

    /// <summary>Where the TorchSharp model creates its tensors (null: the CPU); see <c>Torch/TorchDevice</c>.</summary>
    public TorchSharp.torch.Device? Device { get; init; }

    public IReadOnlyList<string> FrozenPrefixes { get; init; } = [];

    /// <summary>
    /// Eq. 16 literally: u_c(e) from one extra forward pass over the whole local dataset after
    /// training. Off (default): the running mean over the samples of the round's training
    /// batches, which costs nothing extra but is a noisier estimate when steps × batch &lt; |D_c|.
    /// </summary>
    public bool UsageFromFullPass { get; init; }

    /// <summary>Batch size of that extra pass.</summary>
    public int UsagePassBatchSize { get; init; } = 64;
}
