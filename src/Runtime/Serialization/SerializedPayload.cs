namespace HFedMoE.Runtime.Serialization;

/// <summary>An object after serialization: which serializer wrote it, its manifest, its bytes.</summary>
public sealed record SerializedPayload(int SerializerId, string Manifest, byte[] Bytes);
