using System.Buffers.Binary;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Seeded SplitMix64 generator: the same seed gives the same sequence on every platform and
/// runtime version (unlike <see cref="Random"/>, whose algorithm is an implementation detail),
/// so weight init, data shuffles and client sampling are reproducible from a config seed.
/// Not thread-safe: give each thread or component its own instance (see <see cref="Fork"/>).
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;
    private float _spareNormal;
    private bool _hasSpareNormal;

    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>Next 64 uniformly distributed bits (SplitMix64, Steele/Lea/Flood 2014).</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        // Lemire's multiply-shift with rejection of the biased low band.
        ulong range = (ulong)maxExclusive;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong x = NextUInt64();
            ulong high = Math.BigMul(x, range, out ulong low);
            if (low >= threshold)
            {
                return (int)high;
            }
        }
    }

    /// <summary>
    /// Standard normal sample by Box–Muller, computed in double and rounded to float (so a
    /// last-ulp difference between platforms' log/cos almost never reaches the float result).
    /// </summary>
    public float NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        double u1 = 1.0 - NextDouble(); // (0, 1]: log stays finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareNormal = (float)(radius * Math.Sin(angle));
        _hasSpareNormal = true;
        return (float)(radius * Math.Cos(angle));
    }

    /// <summary>Fills with N(<paramref name="mean"/>, <paramref name="std"/>²) samples.</summary>
    public void FillNormal(Span<float> destination, float mean, float std)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = mean + std * NextNormal();
        }
    }

    /// <summary>Fills with samples uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public void FillUniform(Span<float> destination, float min, float max)
    {
        double width = (double)max - min;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(min + width * NextDouble());
        }
    }

    /// <summary>
    /// An independent generator derived from this one's next output and <paramref name="stream"/>,
    /// e.g. one per client or per worker, so adding a consumer does not shift everyone's draws.
    /// </summary>
    public DeterministicRandom Fork(ulong stream) => new(NextUInt64() ^ (stream * 0xD1B54A32D192ED03UL));

    /// <summary>Bytes in <see cref="SaveState"/>: the 64-bit state, the spare normal and whether it is held.</summary>
    public const int StateBytes = 13;

    /// <summary>The generator's whole state: a generator given it by <see cref="LoadState"/> continues with the same draws.</summary>
    public byte[] SaveState()
    {
        byte[] bytes = new byte[StateBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, _state);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8), _spareNormal);
        bytes[12] = _hasSpareNormal ? (byte)1 : (byte)0;
        return bytes;
    }

    /// <exception cref="InvalidDataException">Not <see cref="StateBytes"/> bytes ending in 0 or 1; the generator is unchanged.</exception>
    public void LoadState(ReadOnlySpan<byte> state)
    {
        if (state.Length != StateBytes || state[12] > 1)
        {
            throw new InvalidDataException($"a DeterministicRandom state is {StateBytes} bytes ending in 0 or 1; got {state.Length} bytes");
        }
        _state = BinaryPrimitives.ReadUInt64LittleEndian(state);
        _spareNormal = BinaryPrimitives.ReadSingleLittleEndian(state[8..]);
        _hasSpareNormal = state[12] == 1;
    }
}
