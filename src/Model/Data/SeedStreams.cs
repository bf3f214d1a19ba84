namespace HFedMoE.Model.Data;

/// <summary>
/// Independent seeds for the parts of a benchmark drawn from one user seed, so that e.g. the
/// test set does not change when the number of clients does.
/// </summary>
internal static class SeedStreams
{
    public const ulong Public = 1;
    public const ulong Test = 2;
    public const ulong RareTest = 3;
    public const ulong Clients = 4;
    public const ulong Shuffle = 5;

    /// <summary>SplitMix64 finaliser over (seed, stream, index): well mixed, pure, cheap.</summary>
    public static ulong Derive(ulong seed, ulong stream, ulong index = 0)
    {
        ulong z = seed ^ Mix(stream * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL) ^ Mix(index + 0xD1B54A32D192ED03UL);
        return Mix(z);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
