using System.Numerics.Tensors;

namespace HFedMoE.Model.Federated;

/// <summary>
/// Checks a reply against the round it answers before it touches any sum: known client, the
/// current round and model version, per-expert statistics of the right length and range, only
/// experts the plan allowed, tensor names and shapes of the layout (a leading block for
/// width-scaled plans), and finite values within the aggregation bound.
/// </summary>
public sealed class UpdateValidator
{
    private readonly GlobalModel _model;
    private readonly int _round;
    private readonly IReadOnlyDictionary<string, TrainPlan> _plans;
    private readonly float _valueBound;

    public UpdateValidator(GlobalModel model, int round, IReadOnlyDictionary<string, TrainPlan> plans, double valueBound = 1024)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plans);
        _model = model;
        _round = round;
        _plans = plans;
        _valueBound = (float)valueBound;
    }

    /// <summary>Null if the update is acceptable, else the first problem found.</summary>
    public Rejection? Validate(SparseUpdate update)
    {
        if (ValidateMetadata(update) is { } rejection)
        {
            return rejection;
        }
        foreach (var t in update.Tensors)
        {
            if (ValueProblem(t) is { } value)
            {
                return new Rejection(update.ClientId, value);
            }
        }
        return null;
    }

    /// <summary>
    /// Everything but the tensor values (ids, round, statistics, names, shapes); the values are
    /// checked per tensor by <see cref="ValueProblem"/> during the merge, while in cache.
    /// </summary>
    internal Rejection? ValidateMetadata(SparseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        string id = update.ClientId;
        Rejection Reject(string reason) => new(id, reason);

        if (!_plans.TryGetValue(id, out var plan))
        {
            return Reject($"unknown client '{id}': not planned in round {_round}");
        }
        if (update.Round != _round)
        {
            return Reject($"stale round {update.Round}; the current round is {_round}");
        }
        if (update.ModelVersion != _model.Version)
        {
            return Reject($"trained from model version {update.ModelVersion}; the current version is {_model.Version}");
        }
        if (update.SampleCount <= 0)
        {
            return Reject($"sample count {update.SampleCount} must be positive");
        }
        if (!double.IsFinite(update.Loss))
        {
            return Reject($"loss is {update.Loss}; expected a finite value");
        }
        var layout = _model.Layout;
        int experts = layout.ExpertCount;
        if (CheckStat(update.Usage, "usage", experts) is { } u)
        {
            return Reject(u);
        }
        if (CheckStat(update.Importance, "importance", experts) is { } s)
        {
            return Reject(s);
        }
        if (CheckStat(update.ActivationFrequency, "activation frequency", experts) is { } f)
        {
            return Reject(f);
        }

        var trained = new bool[experts];
        foreach (int e in update.TrainedExperts)
        {
            if (e < 0 || e >= experts)
            {
                return Reject($"trained expert {e} is outside [0, {experts})");
            }
            if (trained[e])
            {
                return Reject($"trained expert {e} is listed twice");
            }
            if (!Allowed(plan, e))
            {
                return Reject($"trained expert {e} was not assigned to this client");
            }
            trained[e] = true;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in update.Tensors)
        {
            if (!layout.TryGet(t.Name, out var entry))
            {
                return Reject($"unknown tensor '{t.Name}'");
            }
            if (!seen.Add(t.Name))
            {
                return Reject($"tensor '{t.Name}' is sent twice");
            }
            if (entry.Role == ParameterRole.Expert && !trained[entry.ExpertId])
            {
                return Reject($"tensor '{t.Name}' belongs to expert {entry.ExpertId}, which the update does not list as trained");
            }
            if (ShapeProblem(t, entry, plan) is { } shape)
            {
                return Reject(shape);
            }
        }
        return null;
    }

    /// <summary>An expert may be trained only with a positive budget and, if the plan names experts, only those.</summary>
    private static bool Allowed(TrainPlan plan, int expert) =>
        plan.ExpertBudget > 0 && (plan.AssignedExperts is null || plan.AssignedExperts.Contains(expert));

    /// <summary>
    /// One vectorised pass finds the largest magnitude (NaN and ±∞ propagate into it); only a
    /// failing tensor is scanned again to name the first bad index.
    /// </summary>
    internal string? ValueProblem(UpdateTensor t)
    {
        var span = t.Values.Span;
        if (span.IsEmpty || TensorPrimitives.MaxMagnitude(span) is var m && Math.Abs(m) <= _valueBound)
        {
            return null;
        }
        for (int i = 0; i < span.Length; i++)
        {
            float v = span[i];
            if (!float.IsFinite(v))
            {
                return $"tensor '{t.Name}' has {v} at index {i}";
            }
            if (Math.Abs(v) > _valueBound)
            {
                return $"tensor '{t.Name}' has {v} at index {i}, beyond the bound ±{_valueBound}";
            }
        }
        return null;
    }

    private static string? ShapeProblem(UpdateTensor t, LayoutEntry entry, TrainPlan plan)
    {
        var g = entry.Slice.Shape;
        var s = t.Shape;
        string expected = $"[{string.Join(",", g)}]";
        if (s.Length != g.Length)
        {
            return $"tensor '{t.Name}' has shape [{string.Join(",", s)}]; expected {expected}";
        }
        bool partialAllowed = entry.Role == ParameterRole.Expert && plan.ExpertWidthFraction < 1.0;
        long n = 1;
        for (int a = 0; a < s.Length; a++)
        {
            bool ok = partialAllowed ? s[a] >= 1 && s[a] <= g[a] : s[a] == g[a];
            if (!ok)
            {
                return partialAllowed
                    ? $"tensor '{t.Name}' has shape [{string.Join(",", s)}]; expected a leading block of {expected}"
                    : $"tensor '{t.Name}' has shape [{string.Join(",", s)}]; expected {expected}";
            }
            n *= s[a];
        }
        if (n != t.Values.Length)
        {
            return $"tensor '{t.Name}' has {t.Values.Length} values; its shape [{string.Join(",", s)}] needs {n}";
        }
        return null;
    }

    private static string? CheckStat(IReadOnlyList<double> values, string name, int experts)
    {
        if (values.Count != experts)
        {
            return $"{name} has {values.Count} entries; expected one per expert ({experts})";
        }
        for (int e = 0; e < values.Count; e++)
        {
            if (!(values[e] >= 0 && values[e] <= 1))
            {
                return $"{name} of expert {e} is {values[e]}; expected a value in [0, 1]";
            }
        }
        return null;
    }
}
