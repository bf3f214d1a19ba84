using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Nn;

public sealed class TopKRoutingTests
{
    [Fact]
    public void Picks_the_k_largest_in_descending_order_and_renormalises_over_them()
    {
        var experts = new int[2];
        var gates = new float[2];
        TopKRouting.Select([0.2f, 0.5f, 0.3f], experts, gates);
        Assert.Equal([1, 2], experts);
        Assert.Equal(0.625f, gates[0], 6);
        Assert.Equal(0.375f, gates[1], 6);
    }

    [Fact]
    public void Ties_go_to_the_lower_expert_index()
    {
        var experts = new int[2];
        var gates = new float[2];
        TopKRouting.Select([0.1f, 0.3f, 0.3f, 0.3f], experts, gates);
        Assert.Equal([1, 2], experts);
        TopKRouting.Select([0.25f, 0.25f, 0.25f, 0.25f], experts, gates);
        Assert.Equal([0, 1], experts);
        Assert.Equal([0.5f, 0.5f], gates);
    }

    [Fact]
    public void Top_one_gate_is_exactly_one()
    {
        var experts = new int[1];
        var gates = new float[1];
        TopKRouting.Select([0.1f, 0.2f, 0.7f], experts, gates);
        Assert.Equal(2, experts[0]);
        Assert.Equal(1f, gates[0]);
    }

    [Fact]
    public void Rejects_k_larger_than_the_number_of_experts()
    {
        var ex = Assert.Throws<ArgumentException>(() => TopKRouting.Select([0.5f, 0.5f], new int[3], new float[3]));
        Assert.Contains("k = 3", ex.Message, StringComparison.Ordinal);
    }
}
