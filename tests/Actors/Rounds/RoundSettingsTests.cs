using HFedMoE.Actors.Rounds;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Actors.Tests.Rounds;

public sealed class RoundSettingsTests
{
    [Fact]
    public void Settings_are_read_from_hocon_and_missing_keys_keep_their_defaults()
    {
        var config = ConfigurationFactory.ParseString("""
            hfedmoe.rounds { min-clients = 3, sample-fraction = 0.25, deadline = 90s, on-quorum-missed = close-incomplete }
            """);
        var s = RoundSettings.FromConfig(config);
        Assert.Equal(3, s.MinClients);
        Assert.Equal(0.25, s.SampleFraction);
        Assert.Equal(TimeSpan.FromSeconds(90), s.Deadline);
        Assert.Equal(QuorumPolicy.CloseIncomplete, s.OnQuorumMissed);
        Assert.Equal(new RoundSettings().MaxExtensions, s.MaxExtensions);
        Assert.Equal(new RoundSettings().SnapshotEvery, s.SnapshotEvery);
    }

    [Fact]
    public void Reference_conf_documents_exactly_the_defaults_the_code_uses()
    {
        var fromReference = RoundSettings.FromConfig(HfedmoeConfig.Reference);
        Assert.Equal(new RoundSettings(), fromReference);
        Assert.True(HfedmoeConfig.Reference.HasPath("hfedmoe.rounds.on-quorum-missed"));
    }

    [Fact]
    public void A_bad_value_is_refused_naming_the_key_and_the_expected_values()
    {
        var policy = Assert.Throws<ArgumentException>(() => RoundSettings.FromConfig(ConfigurationFactory.ParseString("hfedmoe.rounds.on-quorum-missed = wait")));
        Assert.Contains("hfedmoe.rounds.on-quorum-missed is 'wait'; expected extend or close-incomplete", policy.Message, StringComparison.Ordinal);
        var fraction = Assert.Throws<ArgumentOutOfRangeException>(() => RoundSettings.FromConfig(ConfigurationFactory.ParseString("hfedmoe.rounds.sample-fraction = 1.5")));
        Assert.Equal("SampleFraction", fraction.ParamName);
    }
}
