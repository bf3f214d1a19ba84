namespace HFedMoE.Runtime.Serialization;

/// <summary>A stored payload names a type (manifest) or serializer this process does not know.</summary>
public sealed class UnknownManifestException : Exception
{
    public UnknownManifestException(int serializerId, string manifest, string reason)
        : base($"unknown manifest '{manifest}' for serializer {serializerId}: {reason}")
    {
        SerializerId = serializerId;
        Manifest = manifest;
    }

    public UnknownManifestException()
    {
        Manifest = string.Empty;
    }

    public UnknownManifestException(string message) : base(message)
    {
        Manifest = string.Empty;
    }

    public UnknownManifestException(string message, Exception innerException) : base(message, innerException)
    {
        Manifest = string.Empty;
    }

    public int SerializerId { get; }

    public string Manifest { get; }
}
