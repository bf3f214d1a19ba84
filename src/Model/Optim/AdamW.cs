using System.Numerics;
using System.Runtime.Intrinsics;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter): θ ← θ − lr·(m̂/(√v̂ + ε) + wd·θ).
/// Bias correction uses a step count per slice, so an expert that sat out some steps (masked)
/// is corrected for the updates it actually received, not the global step. The update loop is
/// vectorised (512-bit where available); lanes and the scalar tail compute the same formula.
/// A step over a large store is split by whole slices across the threads the
/// <see cref="GemmOptions"/> allow (the update is elementwise, so the bits do not depend on it).
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly AdamWOptions _options;
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly int[] _steps;
    private readonly GemmOptions _threading;
    private readonly SliceUpdate[] _work;   // this step's non-skipped slices
    private readonly int[] _partStart;      // first work item of each part, and the end

    /// <param name="threading">Threads for the update (only <see cref="GemmOptions.MaxThreads"/>
    /// is used); pass <see cref="GemmOptions.SingleThreaded"/> when several models train side by side.</param>
    public AdamW(ParameterStore store, AdamWOptions? options = null, GemmOptions? threading = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new AdamWOptions();
        _options.Validate();
        Groups = new ParameterGroups(store);
        _m = new float[store.Count];
        _v = new float[store.Count];
        _steps = new int[store.Slices.Count];
        _threading = threading ?? GemmOptions.Default;
        _work = new SliceUpdate[store.Slices.Count];
        _partStart = new int[_threading.MaxThreads + 1];
    }

    public ParameterGroups Groups { get; }

    /// <summary>First moments, same layout as the store.</summary>
    public ReadOnlySpan<float> FirstMoments => _m;

    /// <summary>Second moments, same layout as the store.</summary>
    public ReadOnlySpan<float> SecondMoments => _v;

    public int StepsTaken(string name) => _steps[Groups.Store.IndexOf(name)];

    public void Step(float learningRate, ExpertMask? frozenExperts = null)
    {
        if (!float.IsFinite(learningRate) || learningRate < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and ≥ 0");
        }
        var store = Groups.Store;
        var slices = store.Slices;
        float b1 = _options.Beta1, b2 = _options.Beta2;
        int items = 0;
        long total = 0;
        for (int i = 0; i < slices.Count; i++)
        {
            if (Groups.Skips(i, frozenExperts))
            {
                continue;
            }
            int t = ++_steps[i];
            float bc1 = 1f - (float)Math.Pow(b1, t);
            float bc2 = 1f - (float)Math.Pow(b2, t);
            var s = slices[i];
            _work[items++] = new SliceUpdate(s.Offset, s.Length, Groups.Decays[i] ? _options.WeightDecay : 0f, 1f / bc1, 1f / MathF.Sqrt(bc2));
            total += s.Length;
        }
        RunUpdates(items, total, learningRate);
    }

    // Whole slices per part, cut where the running element count crosses each part's share.
    private unsafe void RunUpdates(int items, long total, float learningRate)
    {
        const long minPerThread = 1L << 18;
        int parts = (int)Math.Min(Math.Min(total / minPerThread, _threading.MaxThreads), Math.Min(items, WorkerPool.Shared.Workers + 1L));
        parts = Math.Max(parts, 1);
        int item = 0;
        long done = 0;
        for (int p = 0; p < parts; p++)
        {
            _partStart[p] = item;
            long target = total * (p + 1) / parts;
            while (item < items && done < target)
            {
                done += _work[item++].Length;
            }
        }
        _partStart[parts] = items;
        var store = Groups.Store;
        fixed (float* w = store.Values, g = store.Grads, m = _m, v = _v)
        fixed (SliceUpdate* work = _work)
        fixed (int* starts = _partStart)
        {
            var job = new UpdateJob
            {
                W = w, G = g, M = m, V = v, Work = work, PartStart = starts,
                LearningRate = learningRate, Beta1 = _options.Beta1, Beta2 = _options.Beta2, Epsilon = _options.Epsilon,
            };
            if (parts == 1)
            {
                UpdatePart(&job, 0);
            }
            else
            {
                WorkerPool.Shared.Run(parts, &UpdatePart, &job);
            }
        }
    }

    private static unsafe void UpdatePart(void* context, int part)
    {
        ref readonly var job = ref *(UpdateJob*)context;
        for (int i = job.PartStart[part]; i < job.PartStart[part + 1]; i++)
        {
            var u = job.Work[i];
            Update(
                new Span<float>(job.W + u.Offset, u.Length), new ReadOnlySpan<float>(job.G + u.Offset, u.Length),
                new Span<float>(job.M + u.Offset, u.Length), new Span<float>(job.V + u.Offset, u.Length),
                job.LearningRate, job.Beta1, job.Beta2, job.Epsilon, u.Decay, u.InvBc1, u.InvSqrtBc2);
        }
    }

    private readonly record struct SliceUpdate(int Offset, int Length, float Decay, float InvBc1, float InvSqrtBc2);

    /// <summary>One step's operands, handed to the worker pool by pointer (no allocation).</summary>
    private unsafe struct UpdateJob
    {
        public float* W;
        public float* G;
        public float* M;
        public float* V;
        public SliceUpdate* Work;
        public int* PartStart;
        public float LearningRate;
        public float Beta1;
        public float Beta2;
        public float Epsilon;
    }

    public void ResetState()
    {
        Array.Clear(_m);
        Array.Clear(_v);
        Array.Clear(_steps);
    }

    // m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  θ ← θ − lr·( (m/bc1) / (√v/√bc2 + ε) + wd·θ )
    private static void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float b1, float b2, float eps, float decay, float invBc1, float invSqrtBc2)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vb1 = Vector512.Create(b1);
            var vb2 = Vector512.Create(b2);
            var v1b1 = Vector512.Create(1f - b1);
            var v1b2 = Vector512.Create(1f - b2);
            var vEps = Vector512.Create(eps);
            var vLr = Vector512.Create(lr);
            var vDecay = Vector512.Create(decay);
            var vInvBc1 = Vector512.Create(invBc1);
            var vInvSqrtBc2 = Vector512.Create(invSqrtBc2);
            for (; i <= w.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gi = Vector512.Create(g.Slice(i, Vector512<float>.Count));
                var mi = vb1 * Vector512.Create(m.Slice(i, Vector512<float>.Count)) + v1b1 * gi;
                var vi = vb2 * Vector512.Create(v.Slice(i, Vector512<float>.Count)) + v1b2 * gi * gi;
                var wi = Vector512.Create(w.Slice(i, Vector512<float>.Count));
                var step = mi * vInvBc1 / (Vector512.Sqrt(vi) * vInvSqrtBc2 + vEps) + vDecay * wi;
                (wi - vLr * step).CopyTo(w[i..]);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            var vb1 = new Vector<float>(b1);
            var vb2 = new Vector<float>(b2);
            var v1b1 = new Vector<float>(1f - b1);
            var v1b2 = new Vector<float>(1f - b2);
            var vEps = new Vector<float>(eps);
            var vLr = new Vector<float>(lr);
            var vDecay = new Vector<float>(decay);
            var vInvBc1 = new Vector<float>(invBc1);
            var vInvSqrtBc2 = new Vector<float>(invSqrtBc2);
            for (; i <= w.Length - width; i += width)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = vb1 * new Vector<float>(m[i..]) + v1b1 * gi;
                var vi = vb2 * new Vector<float>(v[i..]) + v1b2 * gi * gi;
                var wi = new Vector<float>(w[i..]);
                var step = mi * vInvBc1 / (Vector.SquareRoot(vi) * vInvSqrtBc2 + vEps) + vDecay * wi;
                (wi - vLr * step).CopyTo(w[i..]);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            float gi = g[i];
            float mi = b1 * m[i] + (1f - b1) * gi;
            float vi = b2 * v[i] + (1f - b2) * gi * gi;
            float step = mi * invBc1 / (MathF.Sqrt(vi) * invSqrtBc2 + eps) + decay * w[i];
            w[i] -= lr * step;
            m[i] = mi;
            v[i] = vi;
        }
    }
}
