using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class UpdateValidatorTests
{
    private static readonly GlobalModel Model = FederatedFixture.Model(version: 3);

    private static UpdateValidator Validator(TrainPlan? plan = null)
    {
        plan ??= new TrainPlan("a", 4, 3, 2, ExpertSelector.InformationBottleneck, 0.5, 0.1, new LocalSettings(), 1);
        return new UpdateValidator(Model, round: 4, new Dictionary<string, TrainPlan> { ["a"] = plan });
    }

    private static SparseUpdate Good() => FederatedFixture.Update(Model, "a", 50, 0.25f, [1], round: 4);

    private static string Reason(SparseUpdate u, TrainPlan? plan = null) =>
        Assert.IsType<Rejection>(Validator(plan).Validate(u)).Reason;

    [Fact]
    public void A_well_formed_update_passes() => Assert.Null(Validator().Validate(Good()));

    [Fact]
    public void Unknown_client_stale_round_and_old_version_are_rejected()
    {
        Assert.Contains("unknown client 'zed'", Reason(Good() with { ClientId = "zed" }), StringComparison.Ordinal);
        Assert.Contains("stale round 3; the current round is 4", Reason(Good() with { Round = 3 }), StringComparison.Ordinal);
        Assert.Contains("model version 2; the current version is 3", Reason(Good() with { ModelVersion = 2 }), StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_shape_names_the_tensor_and_expected_shape()
    {
        var u = Good();
        var bad = u with { Tensors = [.. u.Tensors.Where(t => t.Name != "embed.w"), new UpdateTensor("embed.w", [3, 2], new float[6])] };
        Assert.Equal("tensor 'embed.w' has shape [3,2]; expected [2,3]", Reason(bad));
        var count = u with { Tensors = [.. u.Tensors.Where(t => t.Name != "embed.w"), new UpdateTensor("embed.w", [2, 3], new float[5])] };
        Assert.Contains("has 5 values", Reason(count), StringComparison.Ordinal);
    }

    [Fact]
    public void Nan_inf_and_out_of_bound_values_name_tensor_and_index()
    {
        var nan = FederatedFixture.Update(Model, "a", 50, 0f, [1], round: 4, valueAt: (n, i) => n == "head.w" && i == 2 ? float.NaN : 0f);
        Assert.Equal("tensor 'head.w' has NaN at index 2", Reason(nan));
        var inf = FederatedFixture.Update(Model, "a", 50, 0f, [1], round: 4, valueAt: (n, i) => n == "head.w" && i == 1 ? float.PositiveInfinity : 0f);
        Assert.Contains("tensor 'head.w' has ∞ at index 1", Reason(inf).Replace("Infinity", "∞", StringComparison.Ordinal), StringComparison.Ordinal);
        var big = FederatedFixture.Update(Model, "a", 50, 0f, [1], round: 4, valueAt: (n, i) => n == "head.w" ? 5000f : 0f);
        Assert.Contains("beyond the bound", Reason(big), StringComparison.Ordinal);
    }

    [Fact]
    public void Experts_outside_the_assignment_or_the_trained_set_are_rejected()
    {
        var plan = new TrainPlan("a", 4, 3, 2, ExpertSelector.InformationBottleneck, 0.5, 0.1, new LocalSettings(), 1, AssignedExperts: [0]);
        Assert.Equal("trained expert 1 was not assigned to this client", Reason(Good(), plan));
        var zeroBudget = plan with { ExpertBudget = 0, AssignedExperts = null };
        Assert.Equal("trained expert 1 was not assigned to this client", Reason(Good(), zeroBudget));
        var extra = FederatedFixture.Update(Model, "a", 50, 0f, [0, 1], round: 4) with { TrainedExperts = [1] };
        Assert.Contains("belongs to expert 0, which the update does not list as trained", Reason(extra), StringComparison.Ordinal);
    }

    [Fact]
    public void Per_expert_statistics_must_cover_every_expert_in_range()
    {
        Assert.Equal("usage has 1 entries; expected one per expert (2)", Reason(Good() with { Usage = [0.5] }));
        Assert.Equal("importance of expert 1 is 1.5; expected a value in [0, 1]", Reason(Good() with { Importance = [0.5, 1.5] }));
        Assert.Contains("sample count 0", Reason(Good() with { SampleCount = 0 }), StringComparison.Ordinal);
        Assert.Contains("loss is NaN", Reason(Good() with { Loss = double.NaN }), StringComparison.Ordinal);
    }

    [Fact]
    public void Width_scaled_tensors_are_accepted_only_for_width_scaled_plans()
    {
        var u = Good();
        var sliced = u with { Tensors = [.. u.Tensors.Where(t => t.Name != "layers.0.moe.experts.1.w1"), new UpdateTensor("layers.0.moe.experts.1.w1", [2, 2], new float[4])] };
        Assert.Contains("expected [2,4]", Reason(sliced), StringComparison.Ordinal);
        var plan = new TrainPlan("a", 4, 3, 2, ExpertSelector.AllRouted, 0.5, 0.1, new LocalSettings(), 1, ExpertWidthFraction: 0.5);
        Assert.Null(Validator(plan).Validate(sliced));
    }
}
