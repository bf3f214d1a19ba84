using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Optim;

/// <summary>An optimiser over one <see cref="ParameterStore"/>, reading its Grads and updating its Values.</summary>
public interface IOptimizer
{
    ParameterGroups Groups { get; }

    /// <summary>
    /// One update at <paramref name="learningRate"/>. Slices frozen in <see cref="Groups"/> and the
    /// experts set in <paramref name="frozenExperts"/> keep their values AND optimiser state
    /// bit-unchanged (their step count does not advance either).
    /// </summary>
    void Step(float learningRate, ExpertMask? frozenExperts = null);

    /// <summary>Forgets all optimiser state (moments, step counts), as at construction.</summary>
    void ResetState();
}
