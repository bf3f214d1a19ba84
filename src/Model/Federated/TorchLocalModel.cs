using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using TorchSharp;

namespace HFedMoE.Model.Federated;

/// <summary>
/// The TorchSharp engine: <see cref="TorchMoETransformer"/> holds the weights on its device,
/// <see cref="MaskedAdamW"/> updates them (frozen experts and frozen groups keep weights and
/// moments bit-unchanged; per-parameter bias correction like our AdamW; weight decay on
/// matrices only, like our AdamW's groups). <see cref="Store"/> is touched only at
/// <see cref="Load"/> and <see cref="Sync"/>. Every call runs in its own dispose scope.
/// </summary>
internal sealed class TorchLocalModel : ILocalModel
{
    private readonly TorchMoETransformer _model;
    private readonly MaskedAdamW _adamMatrices;
    private readonly MaskedAdamW _adamVectors;
    private readonly (string Name, TorchSharp.Modules.Parameter Parameter, int Layer, int Expert, bool Matrix)[] _trainable;
    private readonly List<(string, TorchSharp.Modules.Parameter)> _matrices = [];
    private readonly List<(string, TorchSharp.Modules.Parameter)> _vectors = [];

    public TorchLocalModel(ModelConfig config, LocalTrainerOptions options)
    {
        _model = new TorchMoETransformer(config, seed: 0);
        Store = new ParameterStore(ModelLayout.Of(config));
        Groups = new ParameterGroups(Store);
        foreach (var prefix in options.FrozenPrefixes)
        {
            Groups.Freeze(prefix);
        }
        var adam = options.Adam;
        _adamMatrices = new MaskedAdamW(adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay);
        _adamVectors = new MaskedAdamW(adam.Beta1, adam.Beta2, adam.Epsilon, weightDecay: 0);
        _trainable = [.. Store.Slices
            .Where(s => !Groups.IsFrozen(s.Name))
            .Select(s =>
            {
                bool expert = ParameterNames.TryParseExpert(s.Name, out int l, out int e);
                return (s.Name, _model.ParametersByName[s.Name], expert ? l : -1, expert ? e : -1, s.Shape.Length >= 2);
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
        _adamMatrices.Reset();
        _adamVectors.Reset();
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
        _matrices.Clear();
        _vectors.Clear();
        foreach (var (name, parameter, layer, expert, matrix) in _trainable)
        {
            if (layer >= 0 && frozen[layer, expert])
            {
                continue;
            }
            (matrix ? _matrices : _vectors).Add((name, parameter));
        }
        _adamMatrices.Step(learningRate, _matrices);
        _adamVectors.Step(learningRate, _vectors);
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
        _adamMatrices.Dispose();
        _adamVectors.Dispose();
        _model.Dispose();
    }
}
