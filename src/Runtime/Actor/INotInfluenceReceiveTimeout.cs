namespace HFedMoE.Runtime.Actor;

/// <summary>Marks messages that do not reset the receiver's receive timeout.</summary>
public interface INotInfluenceReceiveTimeout
{
}
