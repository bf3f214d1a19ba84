using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Tests.Simulation;

public sealed class SimulationSettingsTests
{
    [Fact]
    public void Reference_conf_documents_exactly_the_defaults_the_code_uses()
    {
        var fromReference = SimulationSettings.FromConfig(Config.Empty);
        var defaults = new SimulationSettings();

        Assert.Equal(defaults.Budgets, fromReference.Budgets);
        Assert.Equal(defaults.FrozenPrefixes, fromReference.FrozenPrefixes);
        // Lists compare by reference in a record; with them aligned, everything else must be equal.
        Assert.Equal(defaults, fromReference with { Budgets = defaults.Budgets, FrozenPrefixes = defaults.FrozenPrefixes });
    }

    [Fact]
    public void A_user_value_overrides_only_its_own_key()
    {
        var settings = SimulationSettings.FromConfig(ConfigurationFactory.ParseString("hfedmoe.simulate { rounds = 3, model.experts = 8 }"));

        Assert.Equal(3, settings.Rounds);
        Assert.Equal(8, settings.Experts);
        Assert.Equal(new SimulationSettings().Clients, settings.Clients);
    }

    [Fact]
    public void Reference_conf_strategy_options_are_the_strategy_defaults_and_leave_the_settings_json_unchanged()
    {
        var settings = SimulationSettings.FromConfig(Config.Empty);

        Assert.Null(settings.Knobs);
        Assert.Equal(StrategyKnobs.Default, StrategyKnobs.FromConfig(HfedmoeConfig.Reference.GetConfig(SimulationSettings.ConfigPath)));
        var options = settings.StrategyOptions();
        var defaults = new StrategyOptions();
        Assert.Equal((defaults.Lambda, defaults.Beta, defaults.Tau, defaults.RankBy, defaults.Gating, defaults.RequireTrained, defaults.SparsityAwareAggregation),
            (options.Lambda, options.Beta, options.Tau, options.RankBy, options.Gating, options.RequireTrained, options.SparsityAwareAggregation));
        Assert.Equal((defaults.FlameExponent, defaults.NaiveFailureThreshold, defaults.MinWidthFraction),
            (options.FlameExponent, options.NaiveFailureThreshold, options.MinWidthFraction));
        Assert.DoesNotContain("Knobs", System.Text.Json.JsonSerializer.Serialize(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void Strategy_options_from_the_config_reach_the_strategy()
    {
        var settings = SimulationSettings.FromConfig(ConfigurationFactory.ParseString("""
            hfedmoe.simulate.strategy-options { gating = per-expert-column, rank-by = importance, beta = 0.3, tau = 0.05, require-trained = off }
            """)).Validate();

        var options = settings.StrategyOptions();

        Assert.Equal(RouterMerge.PerExpertColumn, options.Gating);
        Assert.Equal(RankBy.Importance, options.RankBy);
        Assert.Equal(0.3, options.Beta);
        Assert.Equal(0.05, options.Tau);
        Assert.False(options.RequireTrained);
        Assert.Equal(settings.Seed, options.Seed);
    }

    [Fact]
    public void Plus_options_from_the_config_reach_the_strategy_and_the_resume_check()
    {
        var settings = SimulationSettings.FromConfig(ConfigurationFactory.ParseString("""
            hfedmoe.simulate.strategy-options.plus { selection = ib, untrained-weight = 0.25, router = holders }
            """)).Validate();

        Assert.Equal(new PlusOptions(PlusSelection.InformationBottleneck, 0.25, PlusRouter.Holders), settings.StrategyOptions().Plus);
        Assert.Equal(new PlusOptions(), SimulationSettings.FromConfig(ConfigurationFactory.ParseString("")).Validate().StrategyOptions().Plus);
        var key = SimulationKey.Named("strategy-options.plus.untrained-weight");
        Assert.True(key.AffectsResults);
        Assert.Equal("0.25", key.Text(settings));

        var stepped = SimulationSettings.FromConfig(ConfigurationFactory.ParseString("""
            hfedmoe.simulate.strategy-options.plus { server-momentum = 0.9, server-lr = 0.5, holder-lr-exponent = 1, explore-after = 3, explore-slots = 2 }
            """)).Validate();
        Assert.Equal(new PlusOptions(ServerMomentum: 0.9, ServerLearningRate: 0.5, HolderLrExponent: 1, ExploreAfter: 3, ExploreSlots: 2), stepped.StrategyOptions().Plus);
        Assert.True(SimulationKey.Named("strategy-options.plus.server-momentum").AffectsResults);
        Assert.Equal("3", SimulationKey.Named("strategy-options.plus.explore-after").Text(stepped));
    }

    [Theory]
    [InlineData("gating = columns", "hfedmoe.simulate.strategy-options.gating must be one of normalised, unnormalised, per-expert-column; got 'columns'")]
    [InlineData("lambda = 1.5", "hfedmoe.simulate.strategy-options.lambda expects a number in [0, 1]; got '1.5'")]
    [InlineData("rank-by = kl", "hfedmoe.simulate.strategy-options.rank-by must be one of ib, importance; got 'kl'")]
    [InlineData("plus.selection = gradient", "hfedmoe.simulate.strategy-options.plus.selection must be one of ib, importance, snip; got 'gradient'")]
    [InlineData("plus.untrained-weight = 2", "hfedmoe.simulate.strategy-options.plus.untrained-weight expects a number in [0, 1]; got '2'")]
    [InlineData("plus.router = columns", "hfedmoe.simulate.strategy-options.plus.router must be one of fedavg, preference, holders; got 'columns'")]
    [InlineData("plus.server-momentum = 1", "hfedmoe.simulate.strategy-options.plus.server-momentum expects a number in [0, 1); got '1'")]
    [InlineData("plus.server-lr = 0", "hfedmoe.simulate.strategy-options.plus.server-lr expects a number in (0, 10]; got '0'")]
    [InlineData("plus.explore-slots = 0", "hfedmoe.simulate.strategy-options.plus.explore-slots expects a number >= 1; got '0'")]
    public void A_bad_strategy_option_is_named_by_its_key(string hocon, string expected)
    {
        var settings = SimulationSettings.FromConfig(ConfigurationFactory.ParseString($"hfedmoe.simulate.strategy-options {{ {hocon} }}"));

        var e = Assert.Throws<ArgumentException>(() => settings.Validate());

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
