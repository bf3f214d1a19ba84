using System.Globalization;
using System.Text.Json;
using HFedMoE.Model.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HFedMoE.Model.Optim;

/// <summary>
/// AdamW over named TorchSharp parameters where each step names the parameters it moves: the
/// others (frozen experts) keep their weights and their moments bit for bit, even when an earlier
/// step moved them. A stock optimiser would keep moving them: TorchSharp's <c>zero_grad</c> zeroes
/// a gradient instead of dropping it, and AdamW moves a parameter with a zero gradient on its
/// momentum. The update is TorchSharp's <c>optim.AdamW</c> step, operation for operation
/// (θ ← θ·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
/// θ ← θ − lr/bc1 · m / (√v/√bc2 + ε), PyTorch's formula), with bias correction by each
/// parameter's own step count, so with every parameter given at every step it equals
/// TorchSharp's <c>optim.AdamW</c> bit for bit (tested); PyTorch 2 computes m with <c>lerp_</c>,
/// which can differ from it in the last bit. Weight decay applies to matrices (rank ≥ 2) only (not
/// to biases and norms). <see cref="SaveState"/> / <see cref="LoadState"/> carry the
/// moments and step counts across a restart exactly; <see cref="Reset"/> starts a round fresh.
/// </summary>
public sealed class MaskedAdamW : IDisposable
{
    /// <summary>The <c>format</c> entry of a saved state; another value is refused on load.</summary>
    public const string StateFormat = "hfedmoe.masked-adamw/1";

    private const string FirstMoment = ".exp_avg";
    private const string SecondMoment = ".exp_avg_sq";

    private readonly Dictionary<string, Slot> _state = new(StringComparer.Ordinal);
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;

    public MaskedAdamW(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.0)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentException($"AdamW betas ({beta1}, {beta2}) must lie in [0, 1)");
        }
        if (!(eps > 0) || !(weightDecay >= 0) || !double.IsFinite(weightDecay))
        {
            throw new ArgumentException($"AdamW epsilon ({eps}) must be > 0 and weight decay ({weightDecay}) finite and ≥ 0");
        }
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
    }

    /// <summary>
    /// From <see cref="AdamWOptions"/>. Each float is read as the decimal it was written as (0.9f is
    /// PyTorch's 0.9, not 0.899999976…), so a configuration means what PyTorch would make of it.
    /// </summary>
    public MaskedAdamW(AdamWOptions options)
        : this(AsWritten(Checked(options).Beta1), AsWritten(options.Beta2), AsWritten(options.Epsilon), AsWritten(options.WeightDecay))
    {
    }

    /// <summary>Parameters with optimiser state (moved at least once since the last reset, or loaded).</summary>
    public IReadOnlyCollection<string> Names => _state.Keys;

    /// <summary>Updates a parameter has received since the last reset (its bias-correction count).</summary>
    public long StepsTaken(string name) => _state.TryGetValue(name, out var s) ? s.Steps : 0;

    /// <summary>
    /// One step on <paramref name="active"/>; parameters without a gradient are skipped, and those
    /// not named are not touched at all.
    /// </summary>
    public void Step(double learningRate, IEnumerable<(string Name, Parameter Parameter)> active)
    {
        ArgumentNullException.ThrowIfNull(active);
        if (!double.IsFinite(learningRate) || learningRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and ≥ 0");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Every Scalar is explicit and disposed here, and no overload that converts one inside
        // TorchSharp is called (add_(s) is add_(s, 1)): an implicitly converted one is left to its
        // finalizer, which can free it while libtorch still reads it (seen as a rare
        // "toFloat"/"toDouble" failure in Scalar.h when clients train concurrently).
        using var one = 1.ToScalar();
        using var beta1 = _beta1.ToScalar();
        using var oneMinusBeta1 = (1 - _beta1).ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var eps = _eps.ToScalar();
        using var decay = (1 - learningRate * _weightDecay).ToScalar();
        foreach (var (name, p) in active)
        {
            var grad = p.grad;
            if (grad is null)
            {
                continue;
            }
            var s = SlotFor(name, p);
            s.Steps++;
            if (_weightDecay > 0 && p.dim() >= 2)
            {
                p.mul_(decay);
            }
            double c1 = 1 - Math.Pow(_beta1, s.Steps), c2 = 1 - Math.Pow(_beta2, s.Steps);
            using var sqrtC2 = Math.Sqrt(c2).ToScalar();
            using var stepSize = (-learningRate / c1).ToScalar();
            s.M.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
            s.V.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
            var denominator = s.V.sqrt().div_(sqrtC2).add_(eps, one);
            p.addcdiv_(s.M, denominator, value: stepSize);
        }
    }

    /// <summary>
    /// The moments and step counts as bytes (a safetensors file: <c>{name}.exp_avg</c>,
    /// <c>{name}.exp_avg_sq</c>, the counts and the hyper-parameters in its metadata).
    /// </summary>
    public byte[] SaveState()
    {
        var tensors = new List<NamedTensor>(2 * _state.Count);
        var steps = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, s) in _state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            tensors.Add(ToNamed(name + FirstMoment, s.M));
            tensors.Add(ToNamed(name + SecondMoment, s.V));
            steps[name] = s.Steps;
        }
        var metadata = Hyperparameters();
        metadata["format"] = StateFormat;
        metadata["steps"] = JsonSerializer.Serialize(steps);
        return SafeTensorsWriter.Serialize(tensors, metadata);
    }

    /// <summary>
    /// Replaces the whole state with one saved by <see cref="SaveState"/>. Everything is checked
    /// before anything changes: a malformed state, another format, other hyper-parameters, or a
    /// moment without its pair leave this optimiser as it was. Moments are moved to a parameter's
    /// device, and checked against its shape, at its first step.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a state this optimiser can continue from.</exception>
    public void LoadState(ReadOnlySpan<byte> bytes, string source = "optimizer state")
    {
        SafeTensorsFile file;
        try
        {
            file = SafeTensorsReader.Parse(bytes, source);
        }
        catch (SafeTensorsFormatException e)
        {
            throw new InvalidDataException($"{source}: not a saved AdamW state ({e.Message})", e);
        }
        if (!file.Metadata.TryGetValue("format", out string? format) || format != StateFormat)
        {
            throw new InvalidDataException($"{source}: format '{format ?? "(none)"}'; expected {StateFormat}");
        }
        foreach (var (key, expected) in Hyperparameters())
        {
            if (!file.Metadata.TryGetValue(key, out string? found) || found != expected)
            {
                throw new InvalidDataException($"{source}: saved with {key} = {found ?? "(none)"}, but this optimiser has {key} = {expected}");
            }
        }
        Dictionary<string, long> steps;
        try
        {
            steps = JsonSerializer.Deserialize<Dictionary<string, long>>(file.Metadata.GetValueOrDefault("steps", "")) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: the step counts are not a JSON object of integers ({e.Message})", e);
        }
        var loaded = new Dictionary<string, (NamedTensor M, NamedTensor V, long Steps)>(StringComparer.Ordinal);
        foreach (var (name, count) in steps)
        {
            if (count < 0 || !file.Contains(name + FirstMoment) || !file.Contains(name + SecondMoment))
            {
                throw new InvalidDataException($"{source}: parameter '{name}' has step count {count} but {(count < 0 ? "a count must be ≥ 0" : "not both of its moments")}");
            }
            var m = file[name + FirstMoment];
            var v = file[name + SecondMoment];
            if (!m.Shape.AsSpan().SequenceEqual(v.Shape))
            {
                throw new InvalidDataException($"{source}: parameter '{name}' has moments of shapes {ShapeText.Format(m.Shape)} and {ShapeText.Format(v.Shape)}");
            }
            loaded[name] = (m, v, count);
        }
        if (file.Tensors.Count != 2 * loaded.Count)
        {
            var stray = file.Tensors.Select(t => t.Name).First(n => !loaded.ContainsKey(Owner(n)));
            throw new InvalidDataException($"{source}: tensor '{stray}' belongs to no parameter with a step count");
        }
        Reset();
        foreach (var (name, (m, v, count)) in loaded)
        {
            _state[name] = new Slot(ToTensor(m), ToTensor(v), count);
        }
    }

    /// <summary>Forgets every moment and step count, as at construction.</summary>
    public void Reset()
    {
        foreach (var s in _state.Values)
        {
            s.M.Dispose();
            s.V.Dispose();
        }
        _state.Clear();
    }

    public void Dispose() => Reset();

    private Slot SlotFor(string name, Parameter p)
    {
        if (!_state.TryGetValue(name, out var s))
        {
            // Moments live across steps: out of the step's dispose scope.
            s = new Slot(zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope(), 0);
            _state[name] = s;
            return s;
        }
        if (!s.M.shape.SequenceEqual(p.shape) || s.M.dtype != p.dtype)
        {
            throw new InvalidOperationException(
                $"AdamW state of '{name}' has shape {ShapeText.Format([.. s.M.shape.Select(d => (int)d)])} ({s.M.dtype}) but the parameter has {ShapeText.Format([.. p.shape.Select(d => (int)d)])} ({p.dtype})");
        }
        if (s.M.device_type != p.device_type || s.M.device_index != p.device_index)
        {
            // A loaded state sits on the CPU until its parameter shows which device it trains on.
            var (m, v) = (s.M.to(p.device).DetachFromDisposeScope(), s.V.to(p.device).DetachFromDisposeScope());
            s.M.Dispose();
            s.V.Dispose();
            (s.M, s.V) = (m, v);
        }
        return s;
    }

    private Dictionary<string, string> Hyperparameters() => new(StringComparer.Ordinal)
    {
        ["beta1"] = _beta1.ToString("R", CultureInfo.InvariantCulture),
        ["beta2"] = _beta2.ToString("R", CultureInfo.InvariantCulture),
        ["eps"] = _eps.ToString("R", CultureInfo.InvariantCulture),
        ["weight_decay"] = _weightDecay.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Owner(string tensorName) =>
        tensorName.EndsWith(SecondMoment, StringComparison.Ordinal) ? tensorName[..^SecondMoment.Length]
        : tensorName.EndsWith(FirstMoment, StringComparison.Ordinal) ? tensorName[..^FirstMoment.Length]
        : tensorName;

    private static NamedTensor ToNamed(string name, Tensor t)
    {
        if (t.dtype != ScalarType.Float32)
        {
            throw new NotSupportedException($"AdamW state '{name}' is {t.dtype}; saving supports float32 parameters only");
        }
        using var cpu = t.detach().cpu().contiguous();
        return new NamedTensor(name, [.. t.shape.Select(d => checked((int)d))], cpu.data<float>().ToArray());
    }

    private static Tensor ToTensor(NamedTensor t) =>
        tensor(t.Data, [.. t.Shape.Select(d => (long)d)]).DetachFromDisposeScope();

    private static AdamWOptions Checked(AdamWOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    private static double AsWritten(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private sealed class Slot(Tensor m, Tensor v, long steps)
    {
        public Tensor M { get; set; } = m;
        public Tensor V { get; set; } = v;
        public long Steps { get; set; } = steps;
    }
}
