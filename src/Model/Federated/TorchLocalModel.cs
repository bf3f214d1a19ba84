using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using TorchSharp;

namespace HFedMoE.Model.Federated;

/// <summary>
/// A client's trainable copy of the model and its optimiser: <see cref="TorchMoETransformer"/>
/// holds the weights on its device, <see cref="MaskedAdamW"/> updates them (frozen experts and
/// frozen groups keep weights and moments bit-unchanged; per-parameter bias correction, decay on
/// matrices only). <see cref="Store"/> is the exchange point with the federation: the trainer
/// writes the received model there and calls <see cref="Load"/>; <see cref="Sync"/> brings the
/// model's current values (and gradients) back into it, and nothing else touches it. Every call
/// runs in its own dispose scope.
/// </summary>
internal sealed class TorchLocalModel : IDisposable
{
    private readonly TorchMoETransformer _model;
    private readonly MaskedAdamW _adam;
    private readonly (string Name, TorchSharp.Modules.Parameter Parameter, int Layer, int Expert)[] _trainable;
    private readonly List<(string, TorchSharp.Modules.Parameter)> _active = [];

    public TorchLocalModel(ModelConfig config, LocalTrainerOptions options)
    {
        _model = new TorchMoETransformer(config, seed: 0, device: options.Device);
        Store = new ParameterStore(ModelLayout.Of(config));
        Groups = new ParameterGroups(Store);
        foreach (var prefix in options.FrozenPrefixes)
        {
            Groups.Freeze(prefix);
        }
        _adam = new MaskedAdamW(options.Adam);
        _trainable = [.. Store.Slices
            .Where(s => !Groups.IsFrozen(s.Name))
            .Select(s =>
            {
                bool expert = ParameterNames.TryParseExpert(s.Name, out int l, out int e);
                return (s.Name, _model.ParametersByName[s.Name], expert ? l : -1, expert ? e : -1);
            })];
    }

    public ModelConfig Config => _model.Config;

    public ParameterStore Store { get; }

    /// <summary>Parameter groups over <see cref="Store"/>: the frozen prefixes (never updated, never shipped).</summary>
    public ParameterGroups Groups { get; }

    public TrainingStepStats LastStep => _model.LastStep;

    public int LastBatchSize => _model.LastBatchSize;

    public ReadOnlySpan<float> SampleGateProbabilities => _model.SampleGateProbabilities;

    public ReadOnlySpan<int> TokensPerExpert => _model.TokensPerExpert;

    public ExpertMask RoutedExperts => _model.RoutedExperts;

    /// <summary>Takes the values in <see cref="Store"/> and starts the optimiser afresh.</summary>
    public void Load()
    {
        _model.LoadFrom(Store);
        _adam.Reset();
    }

    /// <summary>Class logits (batch · classes) of a forward pass that trains nothing.</summary>
    public ReadOnlySpan<float> Forward(Batch batch)
    {
        using var scope = torch.NewDisposeScope();
        return _model.Forward(batch.Tokens, batch.Size, batch.Length, batch.Lengths);
    }

    /// <summary>The task loss of a forward pass whose activations <see cref="Backward"/> may follow.</summary>
    public float Loss(Batch batch)
    {
        using var scope = torch.NewDisposeScope();
        return _model.Loss(batch.Tokens, batch.Size, batch.Length, batch.Labels, batch.Lengths);
    }

    public void Backward(ExpertMask? frozen)
    {
        using var scope = torch.NewDisposeScope();
        _model.Backward(frozen);
    }

    /// <summary>One AdamW step; <paramref name="frozen"/> experts and the frozen groups keep weights and moments.</summary>
    public void Step(float learningRate, ExpertMask frozen)
    {
        using var scope = torch.NewDisposeScope();
        _active.Clear();
        foreach (var (name, parameter, layer, expert) in _trainable)
        {
            if (layer < 0 || !frozen[layer, expert])
            {
                _active.Add((name, parameter));
            }
        }
        _adam.Step(learningRate, _active);
    }

    /// <summary>Copies the model's current values (and, with <paramref name="gradients"/>, gradients) into <see cref="Store"/>.</summary>
    public void Sync(bool gradients)
    {
        using var scope = torch.NewDisposeScope();
        _model.StoreTo(Store);
        if (gradients)
        {
            _model.GradientsTo(Store);
        }
    }

    public void Dispose()
    {
        _adam.Dispose();
        _model.Dispose();
    }
}
