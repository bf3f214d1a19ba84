using System.Globalization;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// What <c>--diagnose</c> writes next to <c>rounds.csv</c>, rewritten whole after every round:
/// <list type="bullet">
/// <item><c>diagnostics-experts.csv</c>, one row per round and expert: how many accepted updates
/// trained it (<c>holders</c>), the L2 norm of its merged change (<c>delta_norm</c>, over all its
/// tensors, the new global model minus the one the round started from), its norm afterwards, the
/// change of its router column (<c>router_delta_norm</c>), and <c>staleness</c>: rounds since the
/// last round with a holder (0 if trained this round; the base counts as trained before round 0).</item>
/// <item><c>diagnostics-clients.csv</c>, one row per round and client: the server's evaluation of the
/// global model on the client's first <see cref="SamplesPerClient"/> training samples before the
/// round (the model the client received) and after it (the merged model), and what the client
/// reported (mean local loss, accuracy of the received model on its first local batch, of its own
/// last weights on its last batch, experts trained; empty when its update was not accepted).</item>
/// </list>
/// Rows of rounds run by an earlier invocation (a resumed run) are kept as they were written.
/// </summary>
internal sealed class RunDiagnostics : IDisposable
{
    public const string ExpertsFile = "diagnostics-experts.csv";
    public const string ClientsFile = "diagnostics-clients.csv";

    /// <summary>Training samples of each client the server evaluates the global model on.</summary>
    public const int SamplesPerClient = 64;

    public const string ExpertsHeader = "round,expert,layer,index,holders,delta_norm,norm,router_delta_norm,staleness";
    public const string ClientsHeader = "round,client,tier,samples,accepted,train_loss,start_accuracy,local_accuracy,trained_experts,before_loss,before_accuracy,after_loss,after_accuracy";

    private readonly string _expertsPath;
    private readonly string _clientsPath;
    private readonly List<(string Id, string Tier, GlobalEvaluator Evaluator, int Samples)> _clients;
    private readonly List<string> _expertRows = [];
    private readonly List<string> _clientRows = [];
    private int[] _staleness = [];
    private (double Loss, double Accuracy)[] _before = [];

    public RunDiagnostics(string directory, ModelConfig config, TorchSharp.torch.Device? device, IReadOnlyList<(string Id, string Tier, IReadOnlyList<Sample> Samples)> clients)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(clients);
        _expertsPath = Path.Combine(directory, ExpertsFile);
        _clientsPath = Path.Combine(directory, ClientsFile);
        _clients = [.. clients.Select(c =>
        {
            var samples = c.Samples.Take(SamplesPerClient).ToList();
            return (c.Id, c.Tier, new GlobalEvaluator(config, samples, device), samples.Count);
        })];
    }

    /// <summary>
    /// Before the first round this invocation runs: <paramref name="earlier"/> are the run's rounds
    /// so far (their trainer counts give the staleness), <paramref name="current"/> the model after them.
    /// </summary>
    public void Start(IReadOnlyList<RoundReport> earlier, GlobalModel current)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(current);
        _staleness = new int[current.Layout.ExpertCount];
        foreach (var r in earlier)
        {
            Advance(r);
        }
        _expertRows.AddRange(Kept(_expertsPath, ExpertsHeader, earlier.Count));
        _clientRows.AddRange(Kept(_clientsPath, ClientsHeader, earlier.Count));
        _before = [.. _clients.Select(c => c.Evaluator.LossAndAccuracy(current))];
    }

    /// <summary>Adds the rows of one round (<paramref name="previous"/> → <paramref name="next"/>) and rewrites both files.</summary>
    public void Record(RoundReport report, GlobalModel previous, GlobalModel next)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        var inv = CultureInfo.InvariantCulture;
        var layout = next.Layout;
        var holders = Advance(report);
        var routerDelta = RouterColumnDeltas(layout, previous.Values, next.Values);
        for (int e = 0; e < layout.ExpertCount; e++)
        {
            double delta = 0, norm = 0;
            foreach (var entry in layout.ExpertParameters(e))
            {
                var s = entry.Slice;
                var a = previous.Values.Slice(s.Offset, s.Length);
                var b = next.Values.Slice(s.Offset, s.Length);
                for (int i = 0; i < b.Length; i++)
                {
                    double d = (double)b[i] - a[i];
                    delta += d * d;
                    norm += (double)b[i] * b[i];
                }
            }
            _expertRows.Add(string.Create(inv,
                $"{report.Round},{e},{e / layout.ExpertsPerLayer},{e % layout.ExpertsPerLayer},{holders[e]},{Math.Sqrt(delta):R},{Math.Sqrt(norm):R},{Math.Sqrt(routerDelta[e]):R},{_staleness[e]}"));
        }
        for (int c = 0; c < _clients.Count; c++)
        {
            var (id, tier, evaluator, samples) = _clients[c];
            var after = evaluator.LossAndAccuracy(next);
            var m = report.Metrics;
            bool accepted = m.ContainsKey(RoundMetric.Client(id, "loss"));
            string Reported(string what) => m.TryGetValue(RoundMetric.Client(id, what), out double v) ? v.ToString("R", inv) : "";
            _clientRows.Add(string.Create(inv,
                $"{report.Round},{id},{tier},{samples},{(accepted ? 1 : 0)},{Reported("loss")},{Reported("start_accuracy")},{Reported("local_accuracy")},{Reported("trained_experts")},{_before[c].Loss:R},{_before[c].Accuracy:R},{after.Loss:R},{after.Accuracy:R}"));
            _before[c] = after;
        }
        RoundMetricsFile.WriteAtomically(_expertsPath, ExpertsHeader + "\n" + string.Join("", _expertRows.Select(r => r + "\n")));
        RoundMetricsFile.WriteAtomically(_clientsPath, ClientsHeader + "\n" + string.Join("", _clientRows.Select(r => r + "\n")));
    }

    /// <summary>The round's holders per expert (from its trainer counts; none for a round that did not commit), and the staleness after it.</summary>
    private int[] Advance(RoundReport report)
    {
        var holders = new int[_staleness.Length];
        for (int e = 0; e < holders.Length; e++)
        {
            holders[e] = report.Metrics.TryGetValue(RoundMetric.ExpertTrainers(e), out double n) ? (int)n : 0;
            _staleness[e] = holders[e] > 0 ? 0 : _staleness[e] + 1;
        }
        return holders;
    }

    /// <summary>Squared change of each expert's router column(s) (router weight and bias), by global expert id.</summary>
    private static double[] RouterColumnDeltas(ExpertLayout layout, ReadOnlySpan<float> before, ReadOnlySpan<float> after)
    {
        var sums = new double[layout.ExpertCount];
        foreach (var entry in layout.Entries.Where(x => x.Role == ParameterRole.Router && x.RouterExpertAxis >= 0))
        {
            var shape = entry.Slice.Shape;
            int stride = 1;
            for (int a = shape.Length - 1; a > entry.RouterExpertAxis; a--)
            {
                stride *= shape[a];
            }
            int size = shape[entry.RouterExpertAxis];
            int layerBase = entry.Layer * layout.ExpertsPerLayer;
            var a0 = before.Slice(entry.Slice.Offset, entry.Slice.Length);
            var b0 = after.Slice(entry.Slice.Offset, entry.Slice.Length);
            for (int i = 0; i < b0.Length; i++)
            {
                double d = (double)b0[i] - a0[i];
                sums[layerBase + i / stride % size] += d * d;
            }
        }
        return sums;
    }

    /// <summary>The rows an earlier invocation wrote for rounds below <paramref name="rounds"/>, if the file is ours.</summary>
    private static IEnumerable<string> Kept(string path, string header, int rounds)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != header)
        {
            return [];
        }
        return lines.Skip(1).Where(l => int.TryParse(l.AsSpan(0, Math.Max(0, l.IndexOf(','))), NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) && r < rounds);
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Evaluator.Dispose();
        }
    }
}
