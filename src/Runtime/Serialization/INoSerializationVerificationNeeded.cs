namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// Marks a message that never leaves its process (TestKit internals, local-only control such as
/// a handle to a file or a callback), so <c>hfedmoe.actor.serialize-messages = on</c> delivers it
/// as is instead of round-tripping it through the serializers.
/// </summary>
#pragma warning disable CA1040 // a marker interface is the point: Akka's INoSerializationVerificationNeeded
public interface INoSerializationVerificationNeeded
{
}
#pragma warning restore CA1040
