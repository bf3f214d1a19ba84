using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using HFedMoE.Actors.Tests.Rounds;

namespace HFedMoE.Actors.Tests;

/// <summary>The aggregators against the pure Federated merge of the same updates.</summary>
public sealed class AggregationTests : FederationTestKit
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

    public static TheoryData<string> Strategies => [.. StrategyFactory.Names];

    /// <summary>Each reply's shares carry the weights the strategy's delegated merge gave it.</summary>
    [Theory]
    [MemberData(nameof(Strategies))]
    public void Shares_weighted_by_any_strategy_merge_to_that_strategy_s_bits(string name)
    {
        var fixture = RoundFixture.Create(seed: 6);
        var pure = StrategyFactory.Create(name, fixture.Options);
        pure.ConfigureTrain(RoundFixture.Round, fixture.Model, fixture.Clients);
        var expected = pure.AggregateTrain(RoundFixture.Round, fixture.Updates, []);
        var strategy = (ExpertBudgetStrategy)StrategyFactory.Create(name, fixture.Options);
        var plans = strategy.ConfigureTrain(RoundFixture.Round, fixture.Model, fixture.Clients);
        var delegated = strategy.BeginDelegatedMerge(RoundFixture.Round);
        var shares = new List<RoutedShares>();
        foreach (var u in fixture.Updates)
        {
            if (delegated.Offer(u, out var weights) is null && weights is not null)
            {
                shares.Add(SparseUpdateCodec.Shares(u, fixture.Model.Layout, weights));
            }
        }
        Assert.NotEmpty(shares);
        var set = new AggregatorSet(this);
        set.Open(OpenRound.For(RoundFixture.Round, fixture.Model, plans, fixture.Clients, fixture.Options, delegated));

        set.SendAccepted(AggregatorSet.Messages(shares, seed: 9));
        var (values, _, gating) = set.Finalize(fixture.Model);

        AggregatorSet.AssertBitIdentical(expected.Model.Values, values);
        Assert.Equal(shares.Count, gating.UpdatesMerged);
    }

    [Fact]
    public void FedAvg_over_full_models_sends_every_expert_a_share_and_untrained_ones_count_as_the_previous_value()
    {
        var fixture = RoundFixture.Create();
        var strategy = (ExpertBudgetStrategy)StrategyFactory.Create(StrategyFactory.FedAvgFull, fixture.Options);
        strategy.ConfigureTrain(RoundFixture.Round, fixture.Model, fixture.Clients);
        var delegated = strategy.BeginDelegatedMerge(RoundFixture.Round);
        var update = fixture.Update("c3");   // trained nothing
        Assert.Null(delegated.Offer(update, out var weights));

        var shares = SparseUpdateCodec.Shares(update, fixture.Model.Layout, weights!);

        Assert.Equal(fixture.Model.Layout.ExpertCount, shares.Experts.Count);
        Assert.All(shares.Experts, s => Assert.Equal((update.SampleCount, false, 0), (s.Weight, s.Update.Trained, s.Update.Tensors.Count)));
        Assert.Equal((update.SampleCount, update.SampleCount), (shares.Gating.SharedWeight, shares.Gating.RouterWeight));
        Assert.Empty(shares.Gating.RouterColumns);
    }

    [Fact]
    public void Shares_with_bad_weights_are_refused_and_leave_the_sums_alone()
    {
        var fixture = RoundFixture.Create();
        var strategy = (ExpertBudgetStrategy)StrategyFactory.Create(StrategyFactory.FrequencyTopK, fixture.Options);
        var plans = strategy.ConfigureTrain(RoundFixture.Round, fixture.Model, fixture.Clients);
        var delegated = strategy.BeginDelegatedMerge(RoundFixture.Round);
        var set = new AggregatorSet(this);
        set.Open(OpenRound.For(RoundFixture.Round, fixture.Model, plans, fixture.Clients, fixture.Options, delegated));
        var update = fixture.Update("c2");
        Assert.Null(delegated.Offer(update, out var weights));
        var shares = SparseUpdateCodec.Shares(update, fixture.Model.Layout, weights!);

        var expert = shares.Experts[0].Clone();
        expert.Weight = -1;
        Assert.Contains("has weight -1; expected a finite value ≥ 0", set.SendRejected(set.For(expert), expert).Reason, StringComparison.Ordinal);
        var nan = shares.Gating.Clone();
        nan.SharedWeight = double.NaN;
        Assert.Contains("has weight NaN; expected finite values ≥ 0", set.SendRejected(set.Gating, nan).Reason, StringComparison.Ordinal);
        // Frequency top-k merges the router per expert column: a share without columns cannot be merged.
        var noColumns = shares.Gating.Clone();
        noColumns.RouterColumns.Clear();
        Assert.Contains("per-expert-column router merge needs RouterColumns", set.SendRejected(set.Gating, noColumns).Reason, StringComparison.Ordinal);
        var empty = new ExpertShare { Weight = 1 };
        Assert.Contains("carries no update", set.SendRejected(set.Experts[(0, 0)], empty).Reason, StringComparison.Ordinal);

        var (values, experts, gating) = set.Finalize(fixture.Model);
        AggregatorSet.AssertBitIdentical(fixture.Model.Values, values);
        Assert.True(gating.Unchanged);
        Assert.All(experts, m => Assert.True(m.Unchanged));
    }

    [Fact]
    public void Aggregators_run_on_the_round_dispatcher_apart_from_training()
    {
        Assert.Equal("hfedmoe.actor.round-dispatcher", WorkDispatcher.RoundsId);
        Assert.NotEqual(WorkDispatcher.Id, WorkDispatcher.RoundsId);
        Assert.Equal(WorkDispatcher.RoundsId, ExpertAggregator.PropsFor(0, 1).Dispatcher);
        Assert.Equal(WorkDispatcher.RoundsId, GatingAggregator.PropsFor().Dispatcher);
        Assert.Equal(WorkDispatcher.Id, Client.Props(TinyFederation.Profile(0), TinyFederation.Data(0), TrainerPool.For(TinyFederation.Config, null, 1)).Dispatcher);
    }
}
