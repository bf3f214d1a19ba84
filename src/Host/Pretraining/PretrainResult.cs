using HFedMoE.Model.Data;

namespace HFedMoE.Host.Pretraining;

/// <summary>
/// Outcome of a pre-training run: the loss at the start and the end (means over a window of
/// steps), one specialisation report per MoE layer, and where the checkpoint went.
/// </summary>
internal sealed record PretrainResult(
    string CheckpointPath,
    float InitialLoss,
    float FinalLoss,
    IReadOnlyList<SpecialisationReport> Layers,
    Vocabulary Vocabulary,
    string DataFingerprint,
    TimeSpan Elapsed);
