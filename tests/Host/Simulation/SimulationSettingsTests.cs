using HFedMoE.Host.Simulation;
using HFedMoE.Runtime.Configuration;

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
}
