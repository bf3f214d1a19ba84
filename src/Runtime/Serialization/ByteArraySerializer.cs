namespace HFedMoE.Runtime.Serialization;

/// <summary>Passes <c>byte[]</c> through unchanged (no copy); the manifest is empty.</summary>
public sealed class ByteArraySerializer : ISerializer
{
    public const int Id = 4;

    public int Identifier => Id;

    public byte[] ToBinary(object obj) => obj as byte[]
        ?? throw new ArgumentException($"ByteArraySerializer expects byte[], got {obj?.GetType().FullName ?? "null"}", nameof(obj));

    public object FromBinary(byte[] bytes, string manifest) => bytes;

    public string Manifest(object obj) => string.Empty;
}
