namespace HFedMoE.Runtime.Actor;

/// <summary>Scheduled to an Ask's temporary reference when its timeout elapses (no closure per Ask).</summary>
internal sealed class AskTimeoutSignal
{
    public static AskTimeoutSignal Instance { get; } = new();
}
