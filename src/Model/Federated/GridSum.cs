using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HFedMoE.Model.Federated;

/// <summary>
/// Order-independent weighted sums. Each contribution w·x is rounded onto a fixed grid
/// (an integer count of 2^−k units) and summed in double. While |sum| stays below 2^53 every
/// such addition is exact, and exact addition is associative, so the result is bit-identical in
/// any order of updates — the property a streaming merge cannot get from sorting. Weights are
/// quantised the same way (integers of 2^−30 of the bound), so weight totals are exact too.
/// Precision: with weight bound W, value bound 2^b and total merged weight W_e, the absolute error
/// of a merged value is below 2^−(52−b)·W/W_e (≈ 1e−13 for b = 10 and W_e = W/10).
/// </summary>
internal readonly struct GridSum
{
    internal const int WeightBits = 30;

    private readonly double _weightBound;

    public GridSum(double weightBound, double valueBound)
    {
        _weightBound = weightBound;
        int valueBits = Math.Max(0, (int)Math.Ceiling(Math.Log2(valueBound)));
        FractionBits = 52 - WeightBits - valueBits;
        ValueBound = (float)valueBound;
        MaxWeightTotal = (1L << WeightBits) + (1L << 20);
    }

    /// <summary>k in the grid unit 2^−k of a contribution w_q·x.</summary>
    public int FractionBits { get; }

    public float ValueBound { get; }

    /// <summary>Largest quantised weight total for which sums stay exact.</summary>
    public long MaxWeightTotal { get; }

    /// <summary>w as an integer multiple of 2^−30·W.</summary>
    public long Quantise(double weight, string what)
    {
        if (!(weight >= 0) || double.IsInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"weight of {what} must be a finite value ≥ 0");
        }
        double q = Math.Round(weight / _weightBound * (1L << WeightBits));
        if (q > MaxWeightTotal)
        {
            throw new InvalidOperationException($"weight {weight} of {what} exceeds the aggregation bound {_weightBound}");
        }
        return (long)q;
    }

    /// <summary>Multiplier turning x into grid units for a quantised weight.</summary>
    public double Scale(long quantisedWeight) => quantisedWeight * Math.ScaleB(1.0, FractionBits);

    /// <summary>Mean value from a grid sum and its quantised weight total.</summary>
    public double Mean(double gridSum, long weightTotal) => gridSum / (weightTotal * Math.ScaleB(1.0, FractionBits));

    /// <summary>Σ w·x / divisor with w in the caller's units (the paper's unnormalised gate sum).</summary>
    public double Absolute(double gridSum, double divisor) =>
        gridSum * _weightBound / (Math.ScaleB(1.0, WeightBits + FractionBits) * divisor);

    /// <summary>
    /// acc[i] += round(x[i]·scale). Returns false if some |x| exceeds the value bound or is NaN
    /// (the sums are then no longer exact and the caller must discard them).
    /// </summary>
    public bool Add(Span<double> acc, ReadOnlySpan<float> x, double scale)
    {
        if (acc.Length != x.Length)
        {
            throw new ArgumentException($"accumulator span has {acc.Length} values but the tensor has {x.Length}");
        }
        int i = 0;
        bool ok = true;
        if (Vector512.IsHardwareAccelerated && x.Length >= Vector512<float>.Count)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref double ac = ref MemoryMarshal.GetReference(acc);
            var s = Vector512.Create(scale);
            var bound = Vector512.Create(ValueBound);
            var bad = Vector512<float>.Zero;
            int last = x.Length - Vector512<float>.Count;
            for (; i <= last; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xs, (nuint)i);
                bad |= ~Vector512.LessThanOrEqual(Vector512.Abs(v), bound);
                var (lo, hi) = Vector512.Widen(v);
                ref double a = ref Unsafe.Add(ref ac, i);
                (Vector512.LoadUnsafe(ref a) + Vector512.Round(lo * s)).StoreUnsafe(ref a);
                (Vector512.LoadUnsafe(ref a, 8) + Vector512.Round(hi * s)).StoreUnsafe(ref a, 8);
            }
            ok = bad == Vector512<float>.Zero;
        }
        else if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref double ac = ref MemoryMarshal.GetReference(acc);
            var s = Vector256.Create(scale);
            var bound = Vector256.Create(ValueBound);
            var bad = Vector256<float>.Zero;
            // Two vectors per iteration keep more loads in flight; the loop is memory-bound.
            int last2 = x.Length - 2 * Vector256<float>.Count;
            for (; i <= last2; i += 2 * Vector256<float>.Count)
            {
                var v0 = Vector256.LoadUnsafe(ref xs, (nuint)i);
                var v1 = Vector256.LoadUnsafe(ref xs, (nuint)(i + Vector256<float>.Count));
                bad |= ~Vector256.LessThanOrEqual(Vector256.Abs(v0), bound) | ~Vector256.LessThanOrEqual(Vector256.Abs(v1), bound);
                var (l0, h0) = Vector256.Widen(v0);
                var (l1, h1) = Vector256.Widen(v1);
                ref double a = ref Unsafe.Add(ref ac, i);
                (Vector256.LoadUnsafe(ref a) + Vector256.Round(l0 * s)).StoreUnsafe(ref a);
                (Vector256.LoadUnsafe(ref a, 4) + Vector256.Round(h0 * s)).StoreUnsafe(ref a, 4);
                (Vector256.LoadUnsafe(ref a, 8) + Vector256.Round(l1 * s)).StoreUnsafe(ref a, 8);
                (Vector256.LoadUnsafe(ref a, 12) + Vector256.Round(h1 * s)).StoreUnsafe(ref a, 12);
            }
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xs, (nuint)i);
                bad |= ~Vector256.LessThanOrEqual(Vector256.Abs(v), bound);
                var (lo, hi) = Vector256.Widen(v);
                ref double a = ref Unsafe.Add(ref ac, i);
                var a0 = Vector256.LoadUnsafe(ref a);
                var a1 = Vector256.LoadUnsafe(ref a, 4);
                (a0 + Vector256.Round(lo * s)).StoreUnsafe(ref a);
                (a1 + Vector256.Round(hi * s)).StoreUnsafe(ref a, 4);
            }
            ok = bad == Vector256<float>.Zero;
        }
        for (; i < x.Length; i++)
        {
            float v = x[i];
            ok &= Math.Abs(v) <= ValueBound;
            acc[i] += Math.Round(v * scale);
        }
        return ok;
    }

    /// <summary>Scalar form for a single element (router columns, partial blocks).</summary>
    public bool AddOne(ref double acc, float x, double scale)
    {
        acc += Math.Round(x * scale);
        return Math.Abs(x) <= ValueBound;
    }
}
