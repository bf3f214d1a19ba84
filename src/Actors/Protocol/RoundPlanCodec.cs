using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Protocol;

/// <summary><see cref="TrainPlan"/> plus the tensors a client starts from ↔ <see cref="RoundPlan"/>.</summary>
public static class RoundPlanCodec
{
    public static RoundPlan Encode(TrainPlan plan, IEnumerable<UpdateTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(tensors);
        var m = new RoundPlan
        {
            Round = plan.Round,
            ModelVersion = plan.ModelVersion,
            ClientId = plan.ClientId,
            ExpertBudget = plan.ExpertBudget,
            Selector = plan.Selector switch
            {
                ExpertSelector.AllRouted => ExpertSelectorKind.AllRouted,
                ExpertSelector.InformationBottleneck => ExpertSelectorKind.InformationBottleneck,
                ExpertSelector.Importance => ExpertSelectorKind.Importance,
                ExpertSelector.RandomK => ExpertSelectorKind.RandomK,
                ExpertSelector.FrequencyTopK => ExpertSelectorKind.FrequencyTopK,
                ExpertSelector.SnipTopK => ExpertSelectorKind.SnipTopK,
                _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Selector, "unknown expert selector"),
            },
            Lambda = plan.Lambda,
            Beta = plan.Beta,
            LocalSteps = plan.Local.Steps,
            LocalBatchSize = plan.Local.BatchSize,
            LocalLearningRate = plan.Local.LearningRate,
            Seed = plan.Seed,
            FailWhenOverBudget = plan.FailWhenOverBudget,
            FailureThreshold = plan.FailureThreshold,
            ActiveExpertsPerToken = plan.ActiveExpertsPerToken ?? 0,
            ExpertWidthFraction = plan.ExpertWidthFraction,
            HasAssignedExperts = plan.AssignedExperts is not null,
        };
        if (plan.AssignedExperts is { } assigned)
        {
            m.AssignedExperts.AddRange(assigned);
        }
        if (plan.ExploreExperts is { Count: > 0 } explore)
        {
            m.ExploreExperts.AddRange(explore);
            m.ExploreSlots = plan.ExploreSlots;
        }
        m.Tensors.AddRange(tensors.Select(TensorCodec.Encode));
        return m;
    }

    /// <exception cref="InvalidDataException">An unknown selector, or a tensor whose payload does not fit its shape.</exception>
    public static (TrainPlan Plan, List<UpdateTensor> Tensors) Decode(RoundPlan message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var selector = message.Selector switch
        {
            ExpertSelectorKind.AllRouted => ExpertSelector.AllRouted,
            ExpertSelectorKind.InformationBottleneck => ExpertSelector.InformationBottleneck,
            ExpertSelectorKind.Importance => ExpertSelector.Importance,
            ExpertSelectorKind.RandomK => ExpertSelector.RandomK,
            ExpertSelectorKind.FrequencyTopK => ExpertSelector.FrequencyTopK,
            ExpertSelectorKind.SnipTopK => ExpertSelector.SnipTopK,
            _ => throw new InvalidDataException($"round plan for '{message.ClientId}' has unknown expert selector {(int)message.Selector}"),
        };
        var plan = new TrainPlan(
            message.ClientId,
            message.Round,
            message.ModelVersion,
            message.ExpertBudget,
            selector,
            message.Lambda,
            message.Beta,
            new LocalSettings(message.LocalSteps, message.LocalBatchSize, message.LocalLearningRate),
            message.Seed,
            message.FailWhenOverBudget,
            message.FailureThreshold,
            message.ActiveExpertsPerToken == 0 ? null : message.ActiveExpertsPerToken,
            message.ExpertWidthFraction,
            message.HasAssignedExperts ? [.. message.AssignedExperts] : null,
            message.ExploreExperts.Count > 0 ? [.. message.ExploreExperts] : null,
            message.ExploreExperts.Count > 0 ? message.ExploreSlots : 0);
        return (plan, TensorCodec.DecodeAll(message.Tensors));
    }
}
