using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class BudgetCostModelTests
{
    [Fact]
    public void Budget_is_floor_of_spare_capacity_over_expert_cost()
    {
        var model = new BudgetCostModel(DenseCost: 10, ExpertCost: 3);
        Assert.Equal(5, model.BudgetFor(25, expertCount: 32));
        Assert.Equal(4, model.BudgetFor(24.9, 32));
        Assert.Equal(0, model.BudgetFor(10, 32));
        Assert.Equal(32, model.BudgetFor(1e9, 32));
        Assert.Equal(25, model.CostOf(5));
    }

    [Fact]
    public void A_cap_below_the_dense_cost_is_a_clear_error()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetCostModel(10, 3).BudgetFor(9, 32));
        Assert.Contains("below the dense cost 10", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new BudgetCostModel(0, 0).BudgetFor(9, 32));
    }

    [Fact]
    public void Expert_pass_units_map_caps_straight_to_budgets()
    {
        foreach (int cap in new[] { 4, 8, 16, 32 })
        {
            Assert.Equal(cap, BudgetCostModel.ExpertPasses.BudgetFor(cap, 32));
        }
    }
}
