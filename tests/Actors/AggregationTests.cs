using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests;

/// <summary>The aggregators against the pure Federated merge of the same updates.</summary>
public sealed class AggregationTests : HFedMoE.TestKit.TestKit
{
    [Theory]
    [InlineData(null)]
    [InlineData(17)]
    [InlineData(99)]
    public void Merged_model_equals_the_pure_strategy_merge_bit_for_bit_in_any_arrival_order(int? order)
    {
        var fixture = RoundFixture.Create();
        var set = new AggregatorSet(this);
        set.Open(fixture.Open);

        set.SendAccepted(AggregatorSet.Messages(fixture.Updates.Select(fixture.Routed), order));
        var (values, experts, gating) = set.Finalize(fixture.Model);

        AggregatorSet.AssertBitIdentical(fixture.Pure(fixture.Updates).Values, values);
        Assert.False(gating.Unchanged);
        Assert.Equal(fixture.Updates.Count, gating.UpdatesMerged);
        Assert.Contains(experts, m => !m.Unchanged);
    }

    [Fact]
    public void Clients_sending_concurrently_each_get_their_own_acks_and_the_merge_is_unchanged()
    {
        var fixture = RoundFixture.Create(seed: 2);
        var set = new AggregatorSet(this);
        set.Open(fixture.Open);
        var clients = fixture.Updates.Select(u => (Id: u.ClientId, Probe: CreateTestProbe(u.ClientId), Messages: AggregatorSet.Messages([fixture.Routed(u)]))).ToList();

        // Interleave the clients' sends so that every aggregator's mailbox mixes senders.
        int longest = clients.Max(c => c.Messages.Count);
        for (int i = 0; i < longest; i++)
        {
            foreach (var (_, probe, messages) in clients.Where(c => i < c.Messages.Count))
            {
                var (m, gating) = messages[i];
                probe.Send(gating ? set.Gating : set.For((ExpertUpdate)m), m);
            }
        }
        foreach (var (id, probe, messages) in clients)
        {
            var acks = Enumerable.Range(0, messages.Count).Select(_ => probe.ExpectMsg<SliceAccepted>()).ToList();
            Assert.All(acks, a => Assert.Equal(id, a.ClientId));
            Assert.All(acks, a => Assert.False(a.Duplicate));
        }
        var (values, _, _) = set.Finalize(fixture.Model);

        AggregatorSet.AssertBitIdentical(fixture.Pure(fixture.Updates).Values, values);
    }

    [Theory]
    [InlineData(RouterMerge.Unnormalised, true)]
    [InlineData(RouterMerge.PerExpertColumn, true)]
    [InlineData(RouterMerge.Normalised, false)]
    public void Gating_variants_and_the_no_trained_condition_ablation_match_the_strategy(RouterMerge gating, bool requireTrained)
    {
        var options = RoundFixture.DefaultOptions with { Gating = gating, RequireTrained = requireTrained };
        var fixture = RoundFixture.Create(options, seed: 4);
        var set = new AggregatorSet(this);
        set.Open(fixture.Open);

        set.SendAccepted(AggregatorSet.Messages(fixture.Updates.Select(fixture.Routed), seed: 3));
        var (values, _, _) = set.Finalize(fixture.Model);

        AggregatorSet.AssertBitIdentical(fixture.Pure(fixture.Updates).Values, values);
    }

    [Fact]
    public void FedAvg_ablation_where_every_client_counts_for_every_expert_matches_the_strategy()
    {
        var fixture = RoundFixture.Create(RoundFixture.DefaultOptions with { SparsityAwareAggregation = false }, seed: 8);
        var set = new AggregatorSet(this);
        set.Open(fixture.Open);

        set.SendAccepted(AggregatorSet.Messages(fixture.Updates.Select(fixture.Routed), seed: 5));
        var (values, experts, _) = set.Finalize(fixture.Model);

        AggregatorSet.AssertBitIdentical(fixture.Pure(fixture.Updates).Values, values);
        Assert.All(experts, m => Assert.Equal(fixture.Updates.Count, m.UpdatesMerged));
    }

    [Fact]
    public void Expert_nobody_held_comes_back_unchanged_without_tensors()
    {
        var fixture = RoundFixture.Create();
        var set = new AggregatorSet(this);
        set.Open(fixture.Open);

        set.SendAccepted(AggregatorSet.Messages(fixture.Updates.Select(fixture.Routed)));
        var (_, experts, _) = set.Finalize(fixture.Model);

        var unheld = experts.Single(m => m.Layer * RoundFixture.ExpertsPerLayer + m.Expert == RoundFixture.Unheld);
        Assert.True(unheld.Unchanged);
        Assert.Empty(unheld.Tensors);
        Assert.Equal(0, unheld.UpdatesMerged);
    }

    [Fact]
    public void Round_with_no_updates_leaves_everything_unchanged()
    {
        var fixture = RoundFixture.Create();
        var set = new AggregatorSet(this);
        set.Open(fixture.Open);

        var (values, experts, gating) = set.Finalize(fixture.Model);

        Assert.All(experts, m => Assert.True(m.Unchanged));
        Assert.True(gating.Unchanged);
        AggregatorSet.AssertBitIdentical(fixture.Model.Values, values);
    }

    [Fact]
    public void Aggregators_run_on_the_dedicated_dispatcher()
    {
        Assert.Equal("hfedmoe.actor.dedicated-dispatcher", WorkDispatcher.Id);
        Assert.Equal(WorkDispatcher.Id, ExpertAggregator.PropsFor(0, 1).Dispatcher);
        Assert.Equal(WorkDispatcher.Id, GatingAggregator.PropsFor().Dispatcher);
    }
}
