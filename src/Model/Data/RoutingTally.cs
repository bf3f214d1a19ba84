namespace HFedMoE.Model.Data;

/// <summary>
/// How often each expert of one MoE layer was routed a token, split by which sub-topic's
/// keyword the token was (<see cref="NotKeyword"/> for style, background and special tokens).
/// With top-k routing a token adds one count to each of its k experts.
/// </summary>
public sealed class RoutingTally
{
    public const int NotKeyword = -1;

    private readonly long[] _counts; // [(SubTopics + 1) × Experts]; the last row is NotKeyword

    public RoutingTally(int subTopics, int experts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subTopics, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        SubTopics = subTopics;
        Experts = experts;
        _counts = new long[(subTopics + 1) * experts];
    }

    public int SubTopics { get; }

    public int Experts { get; }

    public long this[int subTopic, int expert] => _counts[Index(subTopic, expert)];

    public void Add(int subTopic, int expert, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _counts[Index(subTopic, expert)] += count;
    }

    /// <summary>
    /// Adds a batch: token t (sub-topic <paramref name="tokenSubTopics"/>[t], or NotKeyword) was
    /// routed to experts <paramref name="expertAssignments"/>[t·k .. t·k + k − 1].
    /// </summary>
    public void AddTokens(ReadOnlySpan<int> tokenSubTopics, ReadOnlySpan<int> expertAssignments)
    {
        if (tokenSubTopics.IsEmpty || expertAssignments.Length % tokenSubTopics.Length != 0)
        {
            throw new ArgumentException($"{expertAssignments.Length} expert assignments are not a multiple of {tokenSubTopics.Length} tokens");
        }
        int k = expertAssignments.Length / tokenSubTopics.Length;
        for (int t = 0; t < tokenSubTopics.Length; t++)
        {
            for (int j = 0; j < k; j++)
            {
                Add(tokenSubTopics[t], expertAssignments[t * k + j]);
            }
        }
    }

    private int Index(int subTopic, int expert)
    {
        if (subTopic < NotKeyword || subTopic >= SubTopics)
        {
            throw new ArgumentOutOfRangeException(nameof(subTopic), subTopic, $"sub-topic must be in 0..{SubTopics - 1} or {NotKeyword} for a non-keyword token");
        }
        if ((uint)expert >= (uint)Experts)
        {
            throw new ArgumentOutOfRangeException(nameof(expert), expert, $"expert must be in 0..{Experts - 1}");
        }
        int row = subTopic == NotKeyword ? SubTopics : subTopic;
        return row * Experts + expert;
    }
}
