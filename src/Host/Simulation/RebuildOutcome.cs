namespace HFedMoE.Host.Simulation;

/// <summary>What re-merging a round from the spool gave, against what the journal recorded.</summary>
internal sealed record RebuildOutcome(int Round, bool PlansMatch, int Offered, IReadOnlyList<string> Refused, string? RecordedDigest, string RebuiltDigest)
{
    public bool Verified => PlansMatch && Refused.Count == 0 && RecordedDigest == RebuiltDigest;
}
