using System.Buffers.Binary;
using System.Security.Cryptography;

namespace HFedMoE.Model.Data;

/// <summary>
/// SHA-256 over every field of every sample, as hex: equal fingerprints mean byte-identical
/// data, so a run can record which data it saw and a test can pin the generator's output.
/// </summary>
public static class DataFingerprint
{
    public static string Of(IEnumerable<Sample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, samples);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string Of(BenchmarkSplits splits)
    {
        ArgumentNullException.ThrowIfNull(splits);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, splits.Public);
        Append(hash, splits.Test);
        Append(hash, splits.RareTest);
        Span<byte> header = stackalloc byte[12];
        Span<byte> value = stackalloc byte[8];
        foreach (var client in splits.Clients)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, client.Client);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], client.DominantStyle);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], client.TopicProportions.Count);
            hash.AppendData(header);
            foreach (double p in client.TopicProportions)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(value, p);
                hash.AppendData(value);
            }
            Append(hash, client.Samples);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, IEnumerable<Sample> samples)
    {
        Span<byte> field = stackalloc byte[4];
        int count = 0;
        foreach (var s in samples)
        {
            Write(hash, field, s.Tokens.Length);
            foreach (int token in s.Tokens)
            {
                Write(hash, field, token);
            }
            Write(hash, field, s.Label);
            Write(hash, field, s.Topic);
            Write(hash, field, s.SubTopic);
            Write(hash, field, s.IsRare ? 1 : 0);
            Write(hash, field, s.Style);
            count++;
        }
        Write(hash, field, count);
    }

    private static void Write(IncrementalHash hash, Span<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
        hash.AppendData(buffer);
    }
}
