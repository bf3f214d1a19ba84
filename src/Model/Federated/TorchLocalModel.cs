using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using TorchSharp;

namespace HFedMoE.Model.Federated;

/// <summary>
/// The TorchSharp engine: <see cref="TorchMoETransformer"/> holds the weights on its device,
/// <see cref="MaskedAdamW"/> updates them (frozen experts and frozen groups keep weights and
/// moments bit-unchanged; per-parameter bias correction and decay on matrices only, like our AdamW). <see cref="Store"/> is touched only at
/// <see cref="Load"/> and <see cref="Sync"/>. Every call runs in its own dispose scope.
/// </summary>
internal sealed class TorchLocalModel : ILocalModel
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

    public ParameterGroups Groups { get; }

    public TrainingStepStats LastStep => _model.LastStep;

    public int LastBatchSize => _model.LastBatchSize;

    public ReadOnlySpan<float> SampleGateProbabilities => _model.SampleGateProbabilities;

    public ReadOnlySpan<int> TokensPerExpert => _model.TokensPerExpert;

    public ExpertMask RoutedExperts => _model.RoutedExperts;

    public void Load()
    {
        _model.LoadFrom(Store);
        _adam.Reset();
    }

    public ReadOnlySpan<float> Forward(Batch batch)
    {
        using var scope = torch.NewDisposeScope();
        return _model.Forward(batch.Tokens, batch.Size, batch.Length, batch.Lengths);
    }

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
