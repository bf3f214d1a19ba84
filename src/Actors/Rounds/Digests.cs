using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Rounds;

/// <summary>The bytes the round manager spools and the SHA-256 digests its journal records.</summary>
public static class Digests
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>An update's spool form: its protobuf <see cref="ClientUpdate"/> (deterministic for equal content).</summary>
    public static byte[] Serialize(SparseUpdate update) => SparseUpdateCodec.Encode(update).ToByteArray();

    public static SparseUpdate DeserializeUpdate(byte[] bytes) => SparseUpdateCodec.Decode(ClientUpdate.Parser.ParseFrom(bytes));

    /// <summary>A plan's digest, over its JSON form (the plan is recomputed on recovery and must match).</summary>
    public static string OfPlan(TrainPlan plan) => Of(JsonSerializer.SerializeToUtf8Bytes(plan));
}
