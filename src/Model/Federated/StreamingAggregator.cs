namespace HFedMoE.Model.Federated;

/// <summary>
/// Merges client updates one at a time. Memory: the previous global model (read-only), one
/// double grid sum per parameter, a few weight totals per tensor, and the one update being
/// added; the new model is written at <see cref="Finalise"/>. Because every partial sum is exact
/// (<see cref="GridSum"/>), the result is bit-identical for any arrival order of the updates.
/// Weighted means use Σ w·x and Σ w divided at the end, so weights need no totals up front.
/// A tensor nobody contributed to keeps its previous value; a width-scaled (prefix-block) tensor
/// contributes only to the elements it covers, each element averaged over its holders.
/// </summary>
public sealed class StreamingAggregator
{
    private readonly GlobalModel _previous;
    private readonly ExpertLayout _layout;
    private readonly RouterMerge _routerMerge;
    private readonly GridSum _shared;
    private readonly GridSum _router;
    private readonly GridSum _expert;
    private readonly double[] _sums;
    private readonly TensorState[] _states;
    private readonly Dictionary<string, int> _index;
    private bool _finalised;
    private string? _poisoned;

    public StreamingAggregator(GlobalModel previous, AggregationBounds bounds, RouterMerge routerMerge)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(bounds);
        bounds.Check();
        _previous = previous;
        _layout = previous.Layout;
        _routerMerge = routerMerge;
        _shared = new GridSum(bounds.SharedWeight, bounds.ValueBound);
        _router = new GridSum(bounds.RouterWeight, bounds.ValueBound);
        _expert = new GridSum(bounds.ExpertWeight, bounds.ValueBound);
        _sums = new double[_layout.TotalLength];
        _states = new TensorState[_layout.Entries.Count];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _states.Length; i++)
        {
            var entry = _layout.Entries[i];
            _states[i] = new TensorState(entry, entry.Role == ParameterRole.Router && routerMerge == RouterMerge.PerExpertColumn ? _layout.ExpertsPerLayer : 1);
            _index[entry.Name] = i;
        }
    }

    /// <summary>Number of updates added so far.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Adds one update. Tensors are assumed validated (<see cref="UpdateValidator"/>); a value
    /// outside the bound or NaN still found here makes this aggregator refuse to finalise.
    /// </summary>
    public void Add(SparseUpdate update, ContributionWeights weights) => TryAdd(update, weights, null);

    /// <summary>
    /// Adds one update, checking each tensor's values with <paramref name="valueCheck"/> just
    /// before merging it (while it is in cache). If a tensor fails, the tensors already merged
    /// are subtracted again — exact, because every grid contribution is an exact integer and
    /// round-half-even is symmetric — and the problem is returned with the sums as they were.
    /// </summary>
    internal string? TryAdd(SparseUpdate update, ContributionWeights weights, Func<UpdateTensor, string?>? valueCheck)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(weights);
        if (_finalised)
        {
            throw new InvalidOperationException("this aggregator has been finalised; start a new one for the next round");
        }
        ThrowIfPoisoned();
        if (weights.Experts.Count != _layout.ExpertCount)
        {
            throw new ArgumentException($"expert weights have {weights.Experts.Count} entries; the model has {_layout.ExpertCount} experts", nameof(weights));
        }
        if (weights.RouterColumns is { } rc && rc.Count != _layout.ExpertCount)
        {
            throw new ArgumentException($"router column weights have {rc.Count} entries; the model has {_layout.ExpertCount} experts", nameof(weights));
        }
        if (_routerMerge == RouterMerge.PerExpertColumn && weights.RouterColumns is null)
        {
            throw new ArgumentException("per-expert-column router merge needs RouterColumns weights", nameof(weights));
        }

        // Resolve names first so a bad update is refused before any sum moves.
        var sent = new bool[_states.Length];
        var order = new int[update.Tensors.Count];
        for (int t = 0; t < update.Tensors.Count; t++)
        {
            var tensor = update.Tensors[t];
            if (!_index.TryGetValue(tensor.Name, out int k))
            {
                throw new ArgumentException($"update from '{update.ClientId}' has unknown tensor '{tensor.Name}'", nameof(update));
            }
            if (sent[k])
            {
                throw new ArgumentException($"update from '{update.ClientId}' carries tensor '{tensor.Name}' twice", nameof(update));
            }
            CheckBlockShape(update.ClientId, tensor, _states[k].Entry);
            sent[k] = true;
            order[t] = k;
        }

        for (int t = 0; t < update.Tensors.Count; t++)
        {
            var tensor = update.Tensors[t];
            if (valueCheck?.Invoke(tensor) is { } problem)
            {
                for (int u = 0; u < t; u++)
                {
                    Merge(update.Tensors[u], _states[order[u]], weights, sign: -1);
                }
                return problem;
            }
            if (!Merge(tensor, _states[order[t]], weights, sign: 1))
            {
                _poisoned = $"tensor '{tensor.Name}' from '{update.ClientId}' holds NaN/Inf or a value beyond ±{_expert.ValueBound}";
                ThrowIfPoisoned();
            }
        }

        // Experts the client counts for but did not ship: its copy is the previous global value.
        for (int e = 0; e < _layout.ExpertCount; e++)
        {
            double w = weights.Experts[e];
            if (w <= 0)
            {
                continue;
            }
            foreach (var entry in _layout.ExpertParameters(e))
            {
                int k = _index[entry.Name];
                if (!sent[k])
                {
                    _states[k].StaleWeight += _expert.Quantise(w, $"expert {e} of '{update.ClientId}'");
                    CheckTotal(_states[k], _expert);
                }
            }
        }
        Count++;
        return null;
    }

    private bool Merge(UpdateTensor tensor, TensorState state, ContributionWeights weights, int sign) => state.Entry.Role switch
    {
        ParameterRole.Shared => AddWhole(state, tensor, _shared, weights.Shared, sign),
        ParameterRole.Expert => AddWhole(state, tensor, _expert, weights.Experts[state.Entry.ExpertId], sign),
        _ when _routerMerge == RouterMerge.PerExpertColumn => AddColumns(state, tensor, weights.RouterColumns!, sign),
        _ => AddWhole(state, tensor, _router, weights.Router, sign),
    };

    /// <summary>
    /// Divides the sums by their weight totals and writes the new model (version + 1).
    /// <paramref name="routerDivisor"/> is used only by <see cref="RouterMerge.Unnormalised"/>:
    /// G = Σ_c a_c·G_c / divisor (the paper's α(c) = a_c/|S_global|).
    /// </summary>
    public AggregationOutcome Finalise(double routerDivisor = 1.0)
    {
        if (_finalised)
        {
            throw new InvalidOperationException("this aggregator has already been finalised");
        }
        ThrowIfPoisoned();
        if (_routerMerge == RouterMerge.Unnormalised && (!(routerDivisor > 0) || double.IsInfinity(routerDivisor)))
        {
            throw new ArgumentOutOfRangeException(nameof(routerDivisor), routerDivisor, "router divisor must be a finite value > 0");
        }
        _finalised = true;
        var prev = _previous.Values;
        var next = prev.ToArray();
        var merged = new bool[_layout.ExpertCount];
        foreach (var state in _states)
        {
            var entry = state.Entry;
            var grid = entry.Role switch
            {
                ParameterRole.Shared => _shared,
                ParameterRole.Expert => _expert,
                _ => _router,
            };
            bool touched = entry.Role == ParameterRole.Router && _routerMerge == RouterMerge.Unnormalised
                ? FinaliseAbsolute(state, grid, routerDivisor, next)
                : FinaliseMean(state, grid, prev, next);
            if (touched && entry.ExpertId >= 0)
            {
                merged[entry.ExpertId] = true;
            }
        }
        int mergedCount = merged.Count(m => m);
        return new AggregationOutcome(GlobalModel.Adopt(_layout, next, _previous.Version + 1), mergedCount, _layout.ExpertCount - mergedCount, Count);
    }

    private bool AddWhole(TensorState state, UpdateTensor tensor, GridSum grid, double weight, int sign)
    {
        long wq = grid.Quantise(weight, $"tensor '{tensor.Name}'");
        if (wq == 0)
        {
            return true;
        }
        long signedWq = sign * wq;
        var slice = state.Entry.Slice;
        var acc = _sums.AsSpan(slice.Offset, slice.Length);
        double scale = sign * grid.Scale(wq);
        if (SameShape(tensor.Shape, slice.Shape))
        {
            state.Weights[0] += signedWq;
            CheckTotal(state, grid);
            return grid.Add(acc, tensor.Values.Span, scale);
        }
        // A width-scaled tensor: the leading block, one contiguous run per row of the block.
        var key = string.Join(",", tensor.Shape);
        state.BlockWeights ??= new SortedDictionary<string, (int[] Shape, long Weight)>(StringComparer.Ordinal);
        state.BlockWeights[key] = state.BlockWeights.TryGetValue(key, out var bw) ? (bw.Shape, bw.Weight + signedWq) : ((int[])tensor.Shape.Clone(), signedWq);
        if (state.BlockWeights[key].Weight == 0)
        {
            state.BlockWeights.Remove(key);
        }
        CheckTotal(state, grid);
        bool ok = true;
        var x = tensor.Values.Span;
        int run = tensor.Shape[^1];
        int r = 0;
        foreach (int offset in BlockRowOffsets(tensor.Shape, slice.Shape))
        {
            ok &= grid.Add(acc.Slice(offset, run), x.Slice(r * run, run), scale);
            r++;
        }
        return ok;
    }

    private bool AddColumns(TensorState state, UpdateTensor tensor, IReadOnlyList<double> columns, int sign)
    {
        var entry = state.Entry;
        int layerBase = entry.Layer * _layout.ExpertsPerLayer;
        var q = new long[_layout.ExpertsPerLayer];
        for (int j = 0; j < q.Length; j++)
        {
            q[j] = sign * _router.Quantise(columns[layerBase + j], $"router column {j} of '{tensor.Name}'");
            state.Weights[j] += q[j];
        }
        CheckTotal(state, _router);
        var acc = _sums.AsSpan(entry.Slice.Offset, entry.Slice.Length);
        var x = tensor.Values.Span;
        var (stride, size) = AxisStride(entry.Slice.Shape, entry.RouterExpertAxis);
        bool ok = true;
        for (int i = 0; i < x.Length; i++)
        {
            long wq = q[i / stride % size];
            if (wq != 0)
            {
                ok &= _router.AddOne(ref acc[i], x[i], _router.Scale(wq));
            }
        }
        return ok;
    }

    private bool FinaliseMean(TensorState state, GridSum grid, ReadOnlySpan<float> prev, float[] next)
    {
        var entry = state.Entry;
        var slice = entry.Slice;
        var sums = _sums.AsSpan(slice.Offset, slice.Length);
        var old = prev.Slice(slice.Offset, slice.Length);
        var dst = next.AsSpan(slice.Offset, slice.Length);
        if (state.Weights.Length > 1)
        {
            var (stride, size) = AxisStride(slice.Shape, entry.RouterExpertAxis);
            bool any = false;
            for (int i = 0; i < sums.Length; i++)
            {
                long w = state.Weights[i / stride % size];
                if (w > 0)
                {
                    dst[i] = (float)grid.Mean(sums[i], w);
                    any = true;
                }
            }
            return any;
        }
        long full = state.Weights[0];
        long stale = state.StaleWeight;
        if (state.BlockWeights is null)
        {
            if (full == 0 && stale == 0)
            {
                return false;
            }
            double unit = Math.ScaleB(1.0, grid.FractionBits);
            for (int i = 0; i < sums.Length; i++)
            {
                dst[i] = (float)((sums[i] / unit + stale * (double)old[i]) / (full + stale));
            }
            return true;
        }
        var weight = new long[sums.Length];
        Array.Fill(weight, full + stale);
        foreach (var (shape, w) in state.BlockWeights.Values)
        {
            int run = shape[^1];
            foreach (int offset in BlockRowOffsets(shape, slice.Shape))
            {
                for (int i = offset; i < offset + run; i++)
                {
                    weight[i] += w;
                }
            }
        }
        double u = Math.ScaleB(1.0, grid.FractionBits);
        bool touched = false;
        for (int i = 0; i < sums.Length; i++)
        {
            if (weight[i] > 0)
            {
                dst[i] = (float)((sums[i] / u + stale * (double)old[i]) / weight[i]);
                touched = true;
            }
        }
        return touched;
    }

    private bool FinaliseAbsolute(TensorState state, GridSum grid, double divisor, float[] next)
    {
        if (state.Weights[0] == 0)
        {
            return false;
        }
        var slice = state.Entry.Slice;
        var sums = _sums.AsSpan(slice.Offset, slice.Length);
        var dst = next.AsSpan(slice.Offset, slice.Length);
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = (float)grid.Absolute(sums[i], divisor);
        }
        return true;
    }

    private void CheckTotal(TensorState state, GridSum grid)
    {
        long blocks = state.BlockWeights?.Values.Sum(b => b.Weight) ?? 0;
        long total = state.StaleWeight + state.Weights.Max() + blocks;
        if (total > grid.MaxWeightTotal)
        {
            _poisoned = $"total weight of '{state.Entry.Name}' exceeds the aggregation bound; raise AggregationBounds";
            ThrowIfPoisoned();
        }
    }

    private void ThrowIfPoisoned()
    {
        if (_poisoned is not null)
        {
            throw new InvalidOperationException($"aggregation aborted: {_poisoned}");
        }
    }

    private static void CheckBlockShape(string client, UpdateTensor tensor, LayoutEntry entry)
    {
        var g = entry.Slice.Shape;
        var s = tensor.Shape;
        bool fits = s.Length == g.Length;
        long n = 1;
        for (int a = 0; fits && a < s.Length; a++)
        {
            fits = s[a] >= 1 && s[a] <= g[a];
            n *= s[a];
        }
        if (!fits || n != tensor.Values.Length)
        {
            throw new ArgumentException($"tensor '{tensor.Name}' from '{client}' has shape [{string.Join(",", s)}] with {tensor.Values.Length} values; expected [{string.Join(",", g)}] or a leading block of it");
        }
        if (entry.Role != ParameterRole.Expert && !SameShape(s, g))
        {
            throw new ArgumentException($"tensor '{tensor.Name}' from '{client}' has shape [{string.Join(",", s)}]; only expert tensors may be width-scaled, expected [{string.Join(",", g)}]");
        }
    }

    private static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);

    /// <summary>Offsets in the full tensor of each last-axis row of a leading block.</summary>
    private static IEnumerable<int> BlockRowOffsets(int[] block, int[] full)
    {
        int rows = 1;
        for (int a = 0; a < block.Length - 1; a++)
        {
            rows *= block[a];
        }
        var idx = new int[block.Length];
        for (int r = 0; r < rows; r++)
        {
            int rem = r;
            for (int a = block.Length - 2; a >= 0; a--)
            {
                idx[a] = rem % block[a];
                rem /= block[a];
            }
            int offset = 0;
            for (int a = 0; a < block.Length - 1; a++)
            {
                offset = offset * full[a] + idx[a];
            }
            yield return offset * full[^1];
        }
    }

    private static (int Stride, int Size) AxisStride(int[] shape, int axis)
    {
        int stride = 1;
        for (int a = shape.Length - 1; a > axis; a--)
        {
            stride *= shape[a];
        }
        return (stride, shape[axis]);
    }

    private sealed class TensorState(LayoutEntry entry, int groups)
    {
        public LayoutEntry Entry { get; } = entry;

        /// <summary>Quantised weight total per group (one group, or one per router column).</summary>
        public long[] Weights { get; } = new long[groups];

        /// <summary>Weight of clients whose copy is the previous value (frozen, not shipped).</summary>
        public long StaleWeight { get; set; }

        /// <summary>Weight totals of width-scaled blocks, by block shape.</summary>
        public SortedDictionary<string, (int[] Shape, long Weight)>? BlockWeights { get; set; }
    }
}
