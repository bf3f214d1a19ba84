using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;

namespace HFedMoE.Model.Federated;

/// <summary>Our former engine: <see cref="MoETransformer"/> computes in <see cref="Store"/> itself, <see cref="AdamW"/> updates it.</summary>
internal sealed class FormerLocalModel : ILocalModel
{
    private readonly MoETransformer _model;
    private readonly AdamW _adam;

    public FormerLocalModel(ModelConfig config, LocalTrainerOptions options)
    {
        _model = new MoETransformer(config, seed: 0);
        _adam = new AdamW(_model.Parameters, options.Adam);
        foreach (var prefix in options.FrozenPrefixes)
        {
            _adam.Groups.Freeze(prefix);
        }
    }

    public ModelConfig Config => _model.Config;

    public ParameterStore Store => _model.Parameters;

    public ParameterGroups Groups => _adam.Groups;

    public TrainingStepStats LastStep => _model.LastStep;

    public int LastBatchSize => _model.LastBatchSize;

    public ReadOnlySpan<float> SampleGateProbabilities => _model.SampleGateProbabilities;

    public ReadOnlySpan<int> TokensPerExpert => _model.TokensPerExpert;

    public ExpertMask RoutedExperts => _model.RoutedExperts;

    public void Load() => _adam.ResetState();

    public ReadOnlySpan<float> Forward(Batch batch) => _model.Forward(batch.Tokens, batch.Size, batch.Length, batch.Lengths);

    public float Loss(Batch batch) => _model.Loss(batch.Tokens, batch.Size, batch.Length, batch.Labels, batch.Lengths);

    public void Backward(ExpertMask? frozen) => _model.Backward(frozen);

    public void Step(float learningRate, ExpertMask frozen) => _adam.Step(learningRate, frozen);

    public void Sync(bool gradients)
    {
        // The model computes in the store: nothing to copy.
    }

    public void Dispose()
    {
    }
}
