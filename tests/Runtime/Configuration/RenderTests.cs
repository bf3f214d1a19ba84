using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

public sealed class RenderTests
{
    [Fact]
    public void Render_writes_hocon_that_parses_back_to_the_same_values()
    {
        var original = ConfigurationFactory.ParseString("""
            hfedmoe {
              actor { ask-timeout = 5s, throughput = 30, serialize = off }
              "dotted.key" = "quote \" and\nnewline"
              list = [1, two, { three = 3 }]
              empty {}
              ratio = 0.5
              flag = true
            }
            """);
        var text = original.Render();
        var again = ConfigurationFactory.ParseString(text, "rendered");
        Assert.Equal(text, again.Render());
        Assert.Equal(TimeSpan.FromSeconds(5), again.GetTimeSpan("hfedmoe.actor.ask-timeout"));
        Assert.Equal(30, again.GetInt("hfedmoe.actor.throughput"));
        Assert.Equal("quote \" and\nnewline", again.GetString("hfedmoe.\"dotted.key\""));
        Assert.Contains("three = 3", text, StringComparison.Ordinal);
        Assert.Equal(0.5, again.GetDouble("hfedmoe.ratio"));
        Assert.True(again.GetBoolean("hfedmoe.flag"));
    }

    [Fact]
    public void Render_quotes_strings_but_not_numbers_or_booleans()
    {
        var text = ConfigurationFactory.ParseString("a = 1\nb = true\nc = hello world\nd = 5s").Render();
        Assert.Contains("a = 1\n", text, StringComparison.Ordinal);
        Assert.Contains("b = true\n", text, StringComparison.Ordinal);
        Assert.Contains("c = \"hello world\"\n", text, StringComparison.Ordinal);
        Assert.Contains("d = \"5s\"\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_of_empty_config_is_an_empty_object()
    {
        Assert.Equal("{}\n", Config.Empty.Render());
    }
}
