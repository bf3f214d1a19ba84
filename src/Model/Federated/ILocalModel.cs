using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;

namespace HFedMoE.Model.Federated;

/// <summary>
/// A client's trainable copy of the model and its optimiser (<see cref="TorchLocalModel"/>), which
/// computes it. <see cref="Store"/> is the exchange point with the federation: the trainer writes
/// the received model there and calls <see cref="Load"/>; <see cref="Sync"/> brings the engine's
/// current values (and gradients) back into it.
/// </summary>
internal interface ILocalModel : IDisposable
{
    ModelConfig Config { get; }

    ParameterStore Store { get; }

    /// <summary>Parameter groups over <see cref="Store"/>: the frozen prefixes (never updated, never shipped).</summary>
    ParameterGroups Groups { get; }

    TrainingStepStats LastStep { get; }

    int LastBatchSize { get; }

    ReadOnlySpan<float> SampleGateProbabilities { get; }

    ReadOnlySpan<int> TokensPerExpert { get; }

    ExpertMask RoutedExperts { get; }

    /// <summary>Takes the values in <see cref="Store"/> and starts the optimiser afresh.</summary>
    void Load();

    /// <summary>Class logits (batch · classes) of a forward pass that trains nothing.</summary>
    ReadOnlySpan<float> Forward(Batch batch);

    /// <summary>The task loss of a forward pass whose activations <see cref="Backward"/> may follow.</summary>
    float Loss(Batch batch);

    void Backward(ExpertMask? frozen);

    /// <summary>One AdamW step; <paramref name="frozen"/> experts and the frozen groups keep weights and moments.</summary>
    void Step(float learningRate, ExpertMask frozen);

    /// <summary>Copies the engine's current values (and, with <paramref name="gradients"/>, gradients) into <see cref="Store"/>.</summary>
    void Sync(bool gradients);
}
