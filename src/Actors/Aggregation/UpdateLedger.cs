using System.Security.Cryptography;
using Google.Protobuf;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// The digests of the updates an aggregator accepted in one round, by client: a resent identical
/// update is recognised (and acknowledged again without counting twice), a different second one
/// is refused. 32 bytes a client, never the tensors.
/// </summary>
internal sealed class UpdateLedger(int round)
{
    private readonly Dictionary<string, byte[]> _accepted = new(StringComparer.Ordinal);

    public int Round { get; } = round;

    public static byte[] Digest(IMessage message) => SHA256.HashData(message.ToByteArray());

    public bool TryGet(string clientId, out byte[] digest) => _accepted.TryGetValue(clientId, out digest!);

    public void Accept(string clientId, byte[] digest) => _accepted.Add(clientId, digest);
}
