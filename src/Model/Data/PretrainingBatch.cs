namespace HFedMoE.Model.Data;

/// <summary>
/// A batch prepared for a token-prediction pre-training objective: <paramref name="Inputs"/>
/// are the tokens the model sees (with [MASK] at hidden positions for the masked objective);
/// <paramref name="Targets"/> (row-major like the tokens) holds the token to predict at each
/// scored position and <see cref="PretrainingObjective.Ignore"/> everywhere else. The topic
/// labels of <paramref name="Inputs"/> are all Ignore: pre-training never sees them.
/// </summary>
public sealed record PretrainingBatch(Batch Inputs, int[] Targets)
{
    public int TargetCount => Targets.Count(t => t != PretrainingObjective.Ignore);
}
