using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Transport;

namespace HFedMoE.Actors.Tests.Transport;

public sealed class TransportSettingsTests
{
    [Fact]
    public void Reference_defaults_are_read_from_hfedmoe_transport()
    {
        var settings = TransportSettings.FromConfig(HfedmoeConfig.Reference);

        Assert.Equal(512L * 1024 * 1024, settings.MaxMessageBytes);
        Assert.Equal(64 * 1024, settings.ChunkBytes);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.IdleTimeout);
    }

    [Fact]
    public void A_user_file_overrides_them()
    {
        var config = HfedmoeConfig.Parse("hfedmoe.transport { max-message-size = 1GiB, chunk-size = 32KiB, idle-timeout = 3s }", "user.conf");

        var settings = TransportSettings.FromConfig(config);

        Assert.Equal(1L << 30, settings.MaxMessageBytes);
        Assert.Equal(32 * 1024, settings.ChunkBytes);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.IdleTimeout);
    }

    [Theory]
    [InlineData("chunk-size = 200KiB", "hfedmoe.transport.chunk-size = 204800 bytes; expected 1 KiB to 120 KiB")]
    [InlineData("max-message-size = 3GiB", "hfedmoe.transport.max-message-size = 3221225472 bytes; expected 1 byte to")]
    public void Out_of_range_values_are_refused_by_name(string line, string message)
    {
        var config = HfedmoeConfig.Parse($"hfedmoe.transport {{ {line} }}", "user.conf");

        var e = Assert.Throws<ConfigurationException>(() => TransportSettings.FromConfig(config));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
