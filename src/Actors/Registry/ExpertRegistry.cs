using System.Runtime.InteropServices;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Registry;

/// <summary>
/// The global model's experts and gating between rounds: their values, the model version, and the
/// version in which each parameter last changed. A round's merge results are checked in full
/// (round, version, names, the owning expert, shapes, finite values) before any is applied, then
/// swapped in as one new model version, so a reader never sees half a round. Re-applying the last
/// committed round is answered with the same commit and changes nothing.
/// It also keeps, per client, the importance scores of its accepted updates in the last
/// <c>historyRounds</c> committed rounds (applied with the round they came with, so the history
/// never names a round the model does not contain).
/// </summary>
public sealed class ExpertRegistry : ReceiveActor
{
    private readonly Dictionary<string, int> _index;
    private readonly int[] _changedIn;
    private GlobalModel _model;
    private readonly Dictionary<string, Queue<RoundImportance>> _importance = new(StringComparer.Ordinal);
    private readonly int _historyRounds;
    private RoundCommitted? _lastCommit;

    /// <param name="historyRounds">How many rounds of importance scores are kept per client (the oldest are dropped).</param>
    public ExpertRegistry(GlobalModel initial, int historyRounds = DefaultHistoryRounds)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(historyRounds, 1);
        _model = initial;
        _historyRounds = historyRounds;
        _index = initial.Layout.Entries.Select((e, i) => (e.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _changedIn = new int[initial.Layout.Entries.Count];
        Array.Fill(_changedIn, initial.Version);
        Receive<GetExperts>(Get);
        Receive<GetModel>(_ => Sender.Tell(new CurrentModel(_model)));
        Receive<ApplyRound>(Apply);
        Receive<GetImportanceHistory>(h => Sender.Tell(new ImportanceHistory(h.ClientId,
            _importance.TryGetValue(h.ClientId, out var rounds) ? [.. rounds] : [])));
    }

    public const int DefaultHistoryRounds = 8;

    /// <summary>Props on the round dispatcher, with the round manager and the aggregators.</summary>
    /// <param name="historyRounds">Rounds of importance scores kept per client, at least 1.</param>
    public static Props PropsFor(GlobalModel initial, int historyRounds = DefaultHistoryRounds)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(historyRounds, 1);
        return ActorFactory<ExpertRegistry>.Props(() => new ExpertRegistry(initial, historyRounds)).WithDispatcher(WorkDispatcher.RoundsId);
    }

    private void Get(GetExperts request)
    {
        var layout = _model.Layout;
        var tensors = new List<UpdateTensor>(request.Names.Count);
        var versions = new List<int>(request.Names.Count);
        foreach (var name in request.Names)
        {
            if (!layout.TryGet(name, out var entry))
            {
                Sender.Tell(new Error { ModelVersion = _model.Version, Reason = $"no parameter named '{name}' in the model" });
                return;
            }
            tensors.Add(new UpdateTensor(name, entry.Slice.Shape, _model.ValuesOf(name).ToArray()));
            versions.Add(_changedIn[IndexOf(entry)]);
        }
        Sender.Tell(new ExpertTensors(_model.Version, tensors, versions));
    }

    private void Apply(ApplyRound round)
    {
        if (_lastCommit is { } last && last.Round == round.Round && last.ModelVersion == round.ModelVersion)
        {
            Sender.Tell(last);
            return;
        }
        var staged = _model.Values.ToArray();
        var changed = new List<int>();
        if (Problem(round, staged, changed) is { } problem)
        {
            Sender.Tell(new Error { Round = round.Round, ModelVersion = round.ModelVersion, Reason = problem });
            return;
        }
        _model = new GlobalModel(_model.Layout, staged, _model.Version + 1);
        foreach (int k in changed)
        {
            _changedIn[k] = _model.Version;
        }
        foreach (var (client, scores) in round.Importance ?? new Dictionary<string, IReadOnlyList<double>>())
        {
            if (!_importance.TryGetValue(client, out var history))
            {
                _importance[client] = history = new Queue<RoundImportance>(_historyRounds);
            }
            if (history.Count == _historyRounds)
            {
                history.Dequeue();
            }
            history.Enqueue(new RoundImportance(round.Round, [.. scores]));
        }
        _lastCommit = new RoundCommitted { Round = round.Round, ModelVersion = round.ModelVersion };
        Sender.Tell(_lastCommit);
    }

    /// <summary>Writes the round's tensors into <paramref name="staged"/>; the first problem found, or null.</summary>
    private string? Problem(ApplyRound round, float[] staged, List<int> changed)
    {
        if (round.ModelVersion != _model.Version)
        {
            return $"round {round.Round} was computed against model version {round.ModelVersion}; the registry holds version {_model.Version}";
        }
        if (_lastCommit is { } last && round.Round <= last.Round)
        {
            return $"round {round.Round} is not after the last committed round {last.Round}";
        }
        var layout = _model.Layout;
        var written = new HashSet<string>(StringComparer.Ordinal);
        var experts = new HashSet<int>();
        foreach (var m in round.Experts)
        {
            string who = $"expert {m.Expert} of layer {m.Layer}";
            if (m.Round != round.Round || m.ModelVersion != round.ModelVersion)
            {
                return $"{who}: result of round {m.Round} at version {m.ModelVersion}, not round {round.Round} at version {round.ModelVersion}";
            }
            if (m.Layer < 0 || m.Layer >= layout.Layers || m.Expert < 0 || m.Expert >= layout.ExpertsPerLayer)
            {
                return $"{who} is not in the model ({layout.Layers} MoE layers of {layout.ExpertsPerLayer} experts)";
            }
            int id = m.Layer * layout.ExpertsPerLayer + m.Expert;
            if (!experts.Add(id))
            {
                return $"{who} has two results";
            }
            if (m.Unchanged)
            {
                if (m.Tensors.Count > 0)
                {
                    return $"{who} is marked unchanged but carries {m.Tensors.Count} tensors";
                }
                continue;
            }
            if (m.Tensors.Count != layout.ExpertParameters(id).Count)
            {
                return $"{who} carries {m.Tensors.Count} tensors; the expert has {layout.ExpertParameters(id).Count}";
            }
            foreach (var t in m.Tensors)
            {
                if (Write(t, who, e => e.Role == ParameterRole.Expert && e.ExpertId == id, staged, changed, written) is { } p)
                {
                    return p;
                }
            }
        }
        if (round.Gating is { } g)
        {
            if (g.Round != round.Round || g.ModelVersion != round.ModelVersion)
            {
                return $"gating: result of round {g.Round} at version {g.ModelVersion}, not round {round.Round} at version {round.ModelVersion}";
            }
            foreach (var t in g.Tensors)
            {
                if (Write(t, "gating", e => e.Role != ParameterRole.Expert, staged, changed, written) is { } p)
                {
                    return p;
                }
            }
        }
        return ImportanceProblem(round);
    }

    private string? ImportanceProblem(ApplyRound round)
    {
        int experts = _model.Layout.ExpertCount;
        foreach (var (client, scores) in round.Importance ?? new Dictionary<string, IReadOnlyList<double>>())
        {
            if (string.IsNullOrEmpty(client))
            {
                return "importance scores without a client id";
            }
            if (scores is null || scores.Count != experts)
            {
                return $"importance of '{client}' has {scores?.Count ?? 0} scores; expected one per expert ({experts})";
            }
            for (int e = 0; e < scores.Count; e++)
            {
                if (!double.IsFinite(scores[e]))
                {
                    return $"importance of '{client}' for expert {e} is {scores[e]}";
                }
            }
        }
        return null;
    }

    private string? Write(Tensor tensor, string who, Func<LayoutEntry, bool> owns, float[] staged, List<int> changed, HashSet<string> written)
    {
        UpdateTensor t;
        try
        {
            t = TensorCodec.Decode(tensor);
        }
        catch (InvalidDataException e)
        {
            return $"{who}: {e.Message}";
        }
        if (!_model.Layout.TryGet(t.Name, out var entry) || !owns(entry))
        {
            return $"{who}: tensor '{t.Name}' is not one of its parameters";
        }
        if (!written.Add(t.Name))
        {
            return $"{who}: tensor '{t.Name}' is sent twice";
        }
        if (!t.Shape.AsSpan().SequenceEqual(entry.Slice.Shape))
        {
            return $"{who}: tensor '{t.Name}' has shape [{string.Join(",", t.Shape)}]; expected [{string.Join(",", entry.Slice.Shape)}]";
        }
        var values = t.Values.Span;
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return $"{who}: tensor '{t.Name}' has {values[i]} at index {i}";
            }
        }
        var dst = staged.AsSpan(entry.Slice.Offset, entry.Slice.Length);
        if (!MemoryMarshal.Cast<float, int>(values).SequenceEqual(MemoryMarshal.Cast<float, int>(dst)))
        {
            changed.Add(IndexOf(entry));
        }
        values.CopyTo(dst);
        return null;
    }

    private int IndexOf(LayoutEntry entry) => _index[entry.Name];
}
