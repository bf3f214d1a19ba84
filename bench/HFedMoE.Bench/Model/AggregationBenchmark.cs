using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Bench.Model;

/// <summary>
/// Streaming merge of 100 clients' sparse updates of the reference model (4 layers × 8 experts,
/// d = 128, expert hidden 512; each client ships about half the experts, the router and the
/// shared parameters), in GB/s of update data read, against a plain streaming float sum over the
/// same bytes, interleaved client by client. Each update is generated on the fly from a seed
/// into one reused buffer, so memory stays at one model copy + accumulators + one update.
/// Also times the strategy path (validation + merge) and reports peak memory.
/// </summary>
internal sealed class AggregationBenchmark : IBenchmarkSuite
{
    private const int Clients = 100;

    /// <summary>The reference model: 4 MoE layers × 8 experts, d = 128, expert hidden 512, attention.</summary>
    private static ModelConfig ReferenceConfig { get; } = new()
    {
        Vocab = 512, SeqLen = 64, DModel = 128, Heads = 4, Layers = 4, Experts = 8, TopK = 2, ExpertHidden = 512, Classes = 8, UseAttention = true,
    };

    public string Name => "aggregation";

    public string Description => "streaming sparse-update merge of 100 clients (GB/s) vs a plain streaming sum; peak memory; --quick";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int passes = quick ? 1 : 3;
        var config = ReferenceConfig;
        var store = new ParameterStore(ModelLayout.Of(config));
        var init = new DeterministicRandom(1);
        for (int i = 0; i < store.Values.Length; i++)
        {
            store.Values[i] = (init.NextNormal() * 0.02f);
        }
        var global = GlobalModel.FromStore(store);
        store = null!; // only the global copy stays alive
        var layout = global.Layout;
        var profiles = Enumerable.Range(0, Clients).Select(c => new ClientProfile($"client{c:D3}", 200 + c, ComputeCap: layout.ExpertCount / 2)).ToArray();
        var buffer = new float[layout.TotalLength]; // the one update in flight
        var plainSum = new float[layout.TotalLength];
        var doubleSum = new double[layout.TotalLength];

        double bestSubject = double.MaxValue, bestPlain = double.MaxValue, bestStrategy = double.MaxValue, bestDouble = double.MaxValue;
        long bytes = 0;
        float[]? firstBits = null;
        bool orderIndependent = true;
        for (int pass = 0; pass < passes; pass++)
        {
            var aggregator = new StreamingAggregator(global, new AggregationBounds(profiles.Sum(p => (double)p.SampleCount), Clients * (layout.Layers + 1.0), profiles.Sum(p => (double)p.SampleCount)), RouterMerge.Normalised);
            var strategy = StrategyFactory.Create(StrategyFactory.HFedMoE, new StrategyOptions { Tau = 0.0 });
            strategy.ConfigureTrain(0, global, profiles);
            var round = strategy.BeginAggregateTrain(0);
            Array.Clear(plainSum);
            Array.Clear(doubleSum);
            double tSubject = 0, tPlain = 0, tStrategy = 0, tDouble = 0;
            bytes = 0;
            // Pass 1 feeds clients in reverse order: the result must not change by a single bit.
            var order = pass % 2 == 0 ? Enumerable.Range(0, Clients) : Enumerable.Range(0, Clients).Reverse();
            foreach (int c in order)
            {
                var update = Generate(global, profiles[c], c, buffer);
                long updateBytes = update.Tensors.Sum(t => (long)t.Values.Length) * sizeof(float);
                bytes += updateBytes;
                var weights = Weights(update, layout);

                long t0 = Stopwatch.GetTimestamp();
                foreach (var t in update.Tensors)
                {
                    var s = layout[t.Name].Slice;
                    var acc = plainSum.AsSpan(s.Offset, s.Length);
                    TensorPrimitives.Add(acc, t.Values.Span, acc);
                }
                long t1 = Stopwatch.GetTimestamp();
                aggregator.Add(update, weights);
                long t2 = Stopwatch.GetTimestamp();
                if (round.Offer(update) is { } rejection)
                {
                    throw new InvalidOperationException($"benchmark update rejected: {rejection.Reason}");
                }
                long t3 = Stopwatch.GetTimestamp();
                foreach (var t in update.Tensors)
                {
                    var sl = layout[t.Name].Slice;
                    AddWidened(doubleSum.AsSpan(sl.Offset, sl.Length), t.Values.Span);
                }
                tDouble += Stopwatch.GetElapsedTime(t3).TotalSeconds;
                tPlain += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
                tSubject += Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
                tStrategy += Stopwatch.GetElapsedTime(t2, t3).TotalSeconds;
            }
            long f0 = Stopwatch.GetTimestamp();
            var merged = aggregator.Finalise();
            tSubject += Stopwatch.GetElapsedTime(f0).TotalSeconds;
            round.Complete([]);
            var values = merged.Model.Values.ToArray();
            if (firstBits is null)
            {
                firstBits = values;
            }
            else
            {
                orderIndependent &= firstBits.AsSpan().SequenceEqual(values);
            }
            bestSubject = Math.Min(bestSubject, tSubject);
            bestPlain = Math.Min(bestPlain, tPlain);
            bestStrategy = Math.Min(bestStrategy, tStrategy);
            bestDouble = Math.Min(bestDouble, tDouble);
        }

        var (live, allocatedPerUpdate) = MeasureMemory(global, profiles, buffer);
        double gb = bytes / 1e9;
        long modelBytes = (long)layout.TotalLength * sizeof(float);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"aggregation: {Clients} clients, {layout.ExpertCount} experts, model {layout.TotalLength:N0} params ({modelBytes / 1e6:F1} MB), update data {gb:F3} GB, {passes} pass(es), best of passes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  plain streaming float sum : {gb / bestPlain,7:F2} GB/s  ({bestPlain:F3} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  plain streaming double sum (same memory traffic as the exact grid sums): {gb / bestDouble,7:F2} GB/s  ratio to float sum {bestPlain / bestDouble:F2}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  StreamingAggregator      : {gb / bestSubject,7:F2} GB/s  ({bestSubject:F3} s incl. finalise)  ratio {bestPlain / bestSubject:F2}x vs float sum, {bestDouble / bestSubject:F2}x vs double sum"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  strategy Offer (validate+merge): {gb / bestStrategy,7:F2} GB/s  ratio {bestPlain / bestStrategy:F2}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  aggregator peak live memory: {live / 1e6:F1} MB above the global model and the update buffer (= {(double)live / modelBytes:F2} model copies: grid sums 2.0 + new model 1.0 at finalise), {allocatedPerUpdate / 1e3:F1} KB allocated per update"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F1} MB"));
        if (passes > 1)
        {
            Console.WriteLine($"  reverse-order pass bit-identical: {orderIndependent}");
        }
        return orderIndependent ? 0 : 1;
    }

    /// <summary>
    /// A separate pass with only the aggregator alive: full collections after every 10th update
    /// give the live set (not garbage) above the global model and the one update buffer.
    /// </summary>
    private static (long PeakLive, double AllocatedPerUpdate) MeasureMemory(GlobalModel global, ClientProfile[] profiles, float[] buffer)
    {
        var layout = global.Layout;
        double samples = profiles.Sum(p => (double)p.SampleCount);
        long start = GC.GetTotalMemory(true);
        long peak = 0, allocated = 0;
        var aggregator = new StreamingAggregator(global, new AggregationBounds(samples, Clients * (layout.Layers + 1.0), samples), RouterMerge.Normalised);
        for (int c = 0; c < Clients; c++)
        {
            var update = Generate(global, profiles[c], c, buffer);
            var weights = Weights(update, layout);
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            aggregator.Add(update, weights);
            allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
            if (c % 10 == 9)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(true) - start);
            }
        }
        var outcome = aggregator.Finalise();
        peak = Math.Max(peak, GC.GetTotalMemory(true) - start);
        GC.KeepAlive(outcome);
        GC.KeepAlive(aggregator);
        return (peak, (double)allocated / Clients);
    }

    /// <summary>acc[i] += x[i] in double: the cheapest sum with 8-byte accumulators.</summary>
    private static void AddWidened(Span<double> acc, ReadOnlySpan<float> x)
    {
        int i = 0;
        for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Create(x.Slice(i, Vector256<float>.Count)));
            (Vector256.Create((ReadOnlySpan<double>)acc.Slice(i, 4)) + lo).CopyTo(acc.Slice(i, 4));
            (Vector256.Create((ReadOnlySpan<double>)acc.Slice(i + 4, 4)) + hi).CopyTo(acc.Slice(i + 4, 4));
        }
        for (; i < x.Length; i++)
        {
            acc[i] += x[i];
        }
    }

    /// <summary>Fills the one update buffer for client <paramref name="c"/>: half the experts, router and shared.</summary>
    private static SparseUpdate Generate(GlobalModel global, ClientProfile profile, int c, float[] buffer)
    {
        var layout = global.Layout;
        var rng = new DeterministicRandom((ulong)(1000 + c));
        var trained = Enumerable.Range(0, layout.ExpertCount).Where(_ => rng.NextDouble() < 0.5).ToArray();
        var tensors = new List<UpdateTensor>();
        var usage = new double[layout.ExpertCount];
        var importance = new double[layout.ExpertCount];
        for (int e = 0; e < usage.Length; e++)
        {
            usage[e] = rng.NextDouble() / layout.ExpertsPerLayer;
            importance[e] = rng.NextDouble();
        }
        var prev = global.Values;
        foreach (var entry in layout.Entries)
        {
            if (entry.Role == ParameterRole.Expert && Array.BinarySearch(trained, entry.ExpertId) < 0)
            {
                continue;
            }
            var s = entry.Slice;
            var dst = buffer.AsSpan(s.Offset, s.Length);
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = prev[s.Offset + i] + ((int)(rng.NextUInt64() >> 40) - (1 << 23)) * (1e-3f / (1 << 23));
            }
            tensors.Add(new UpdateTensor(s.Name, s.Shape, buffer.AsMemory(s.Offset, s.Length)));
        }
        return new SparseUpdate(profile.ClientId, 0, global.Version, profile.SampleCount, usage, importance, usage, trained, tensors, 1.0);
    }

    private static ContributionWeights Weights(SparseUpdate u, ExpertLayout layout)
    {
        var experts = new double[layout.ExpertCount];
        foreach (int e in u.TrainedExperts)
        {
            experts[e] = u.SampleCount;
        }
        return new ContributionWeights(u.SampleCount, SparseAggregation.GatingPreference(u.Usage, u.Importance, 0.0), null, experts);
    }
}
