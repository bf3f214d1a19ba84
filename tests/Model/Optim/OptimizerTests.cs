using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tests.Nn;

namespace HFedMoE.Model.Tests.Optim;

/// <summary>The optimiser settings that are not TorchSharp's: the schedule, frozen groups, AdamW's options.</summary>
public sealed class OptimizerTests
{
    [Fact]
    public void Warmup_then_cosine_schedule()
    {
        var schedule = new WarmupCosineSchedule(1f, WarmupSteps: 4, TotalSteps: 14, MinLearningRate: 0.1f);
        Assert.Equal(0.25f, schedule.At(0));
        Assert.Equal(1f, schedule.At(3));
        Assert.Equal(1f, schedule.At(4));
        Assert.Equal(0.55f, schedule.At(9), 5);
        Assert.Equal(0.1f, schedule.At(14));
        Assert.Equal(0.1f, schedule.At(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(-1));
    }

    [Fact]
    public void Groups_freeze_by_prefix_and_predicate_and_an_unknown_prefix_is_named()
    {
        var groups = new ParameterGroups(new ParameterStore(ModelLayout.Of(TinyModels.Small())));
        Assert.Equal(2, groups.Freeze("embed."));
        Assert.Equal(6, groups.Freeze(s => s.Name.StartsWith("layers.1.attn.", StringComparison.Ordinal)));
        Assert.True(groups.IsFrozen(ParameterNames.PositionEmbedding));
        Assert.True(groups.IsFrozen(ParameterNames.Attention(1, "wqkv")));
        Assert.False(groups.IsFrozen(ParameterNames.Attention(0, "wqkv")));
        Assert.Contains("'no.such.'", Assert.Throws<ArgumentException>(() => groups.Freeze("no.such.")).Message, StringComparison.Ordinal);
        Assert.Equal(2, groups.Unfreeze("embed."));
        Assert.False(groups.IsFrozen(ParameterNames.TokenEmbedding));
        groups.UnfreezeAll();
        Assert.False(groups.IsFrozen(ParameterNames.Attention(1, "wqkv")));
    }

    [Fact]
    public void Invalid_AdamW_options_are_rejected_naming_the_setting()
    {
        Assert.Contains("betas", Assert.Throws<ArgumentException>(() => new MaskedAdamW(new AdamWOptions(Beta1: 1f))).Message, StringComparison.Ordinal);
        Assert.Contains("weight decay", Assert.Throws<ArgumentException>(() => new MaskedAdamW(new AdamWOptions(WeightDecay: -1f))).Message, StringComparison.Ordinal);
    }
}
