namespace HFedMoE.Actors.Aggregation;

/// <summary>What an aggregator does with an update before looking at its content.</summary>
internal readonly record struct Admission(bool ShouldMerge, bool IsDuplicate, string? Reason)
{
    /// <summary>A first update for the open round: check and merge it.</summary>
    public static Admission Pass { get; } = new(true, false, null);

    /// <summary>The very update already accepted: acknowledge again, count once.</summary>
    public static Admission AlreadyAccepted { get; } = new(false, true, null);

    public static Admission Reject(string reason) => new(false, false, reason);
}
