namespace HFedMoE.Runtime.Actor;

/// <summary>Marks messages that are still published as dead letters but never logged as such.</summary>
public interface IDeadLetterSuppression
{
}
