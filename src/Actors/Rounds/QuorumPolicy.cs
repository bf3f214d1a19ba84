namespace HFedMoE.Actors.Rounds;

/// <summary>What a round does when its deadline passes with fewer than the minimum accepted updates.</summary>
public enum QuorumPolicy
{
    /// <summary>Give the round one more deadline (up to the settings' maximum), then close it as incomplete.</summary>
    Extend,

    /// <summary>Close the round as incomplete at once; the global model stays as it was.</summary>
    CloseIncomplete,
}
