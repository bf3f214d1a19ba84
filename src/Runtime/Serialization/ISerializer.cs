namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// Turns objects into bytes and back. <see cref="Identifier"/> is stored next to every
/// persisted payload (and sent on the wire), so it must never change once data exists.
/// </summary>
public interface ISerializer
{
    /// <summary>Stable, unique id of this serializer (stored with each payload).</summary>
    int Identifier { get; }

    byte[] ToBinary(object obj);

    /// <summary>Rebuilds an object from <paramref name="bytes"/>; <paramref name="manifest"/> names its type.</summary>
    object FromBinary(byte[] bytes, string manifest);

    /// <summary>What <see cref="FromBinary"/> needs to know about <paramref name="obj"/>'s type.</summary>
    string Manifest(object obj);
}
