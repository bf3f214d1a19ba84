using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

public sealed class ConfigAccessTests
{
    private static Config Parse(string text) => ConfigurationFactory.ParseString(text, "access.conf");

    [Fact]
    public void Missing_key_without_default_names_the_full_path()
    {
        var c = Parse("hfedmoe.actor { creation-timeout = 20s }");
        var ex = Assert.Throws<ConfigurationException>(() => c.GetTimeSpan("hfedmoe.actor.ask-timeout"));
        Assert.Equal("hfedmoe.actor.ask-timeout is missing", ex.Message);
        Assert.Equal("hfedmoe.actor.ask-timeout", ex.Path);
    }

    [Fact]
    public void Missing_key_in_a_sub_config_still_names_the_full_path()
    {
        var actor = Parse("hfedmoe.actor { creation-timeout = 20s }").GetConfig("hfedmoe.actor");
        var ex = Assert.Throws<ConfigurationException>(() => actor.GetString("ask-timeout"));
        Assert.Equal("hfedmoe.actor.ask-timeout is missing", ex.Message);
    }

    [Fact]
    public void Defaults_are_used_only_for_missing_keys()
    {
        var c = Parse("a = 3\nname = x\nflag = off\nratio = 0.5\nbig = 10");
        Assert.Equal(3, c.GetInt("a", 9));
        Assert.Equal(9, c.GetInt("nope", 9));
        Assert.Equal("x", c.GetString("name", "d"));
        Assert.Equal("d", c.GetString("nope", "d"));
        Assert.False(c.GetBoolean("flag", true));
        Assert.True(c.GetBoolean("nope", true));
        Assert.Equal(0.5, c.GetDouble("ratio", 1.0));
        Assert.Equal(1.0, c.GetDouble("nope", 1.0));
        Assert.Equal(10L, c.GetLong("big", 1L));
        Assert.Equal(1L, c.GetLong("nope", 1L));
    }

    [Fact]
    public void Wrong_type_names_path_value_expected_type_and_location()
    {
        var c = Parse("x {\n  count = abc\n}");
        var ex = Assert.Throws<ConfigurationException>(() => c.GetInt("x.count"));
        Assert.Contains("x.count", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'abc'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected an int", ex.Message, StringComparison.Ordinal);
        Assert.Contains("access.conf:2:11", ex.Message, StringComparison.Ordinal);
        Assert.Equal("x.count", ex.Path);
    }

    [Fact]
    public void Wrong_type_is_reported_even_when_a_default_is_given()
    {
        var c = Parse("flag = maybe");
        var ex = Assert.Throws<ConfigurationException>(() => c.GetBoolean("flag", false));
        Assert.Contains("expected a boolean", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'maybe'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int_overflow_is_a_type_error_but_fits_a_long()
    {
        var c = Parse("n = 3000000000");
        Assert.Throws<ConfigurationException>(() => c.GetInt("n"));
        Assert.Equal(3_000_000_000L, c.GetLong("n"));
    }

    [Fact]
    public void Objects_and_arrays_are_not_strings()
    {
        var c = Parse("o { a = 1 }\nl = [1]\ns = text");
        Assert.Contains("found an object", Assert.Throws<ConfigurationException>(() => c.GetString("o")).Message, StringComparison.Ordinal);
        Assert.Contains("found an array", Assert.Throws<ConfigurationException>(() => c.GetInt("l")).Message, StringComparison.Ordinal);
        Assert.Contains("expected a list of strings", Assert.Throws<ConfigurationException>(() => c.GetStringList("s")).Message, StringComparison.Ordinal);
        Assert.Contains("expected an object", Assert.Throws<ConfigurationException>(() => c.GetConfig("s")).Message, StringComparison.Ordinal);
        Assert.Contains("expected an object at index 0", Assert.Throws<ConfigurationException>(() => c.GetConfigList("l")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HasPath_and_GetConfig_for_present_missing_and_nested_paths()
    {
        var c = Parse("a.b.c = 1");
        Assert.True(c.HasPath("a"));
        Assert.True(c.HasPath("a.b.c"));
        Assert.False(c.HasPath("a.b.c.d"));
        Assert.False(c.HasPath("z"));
        Assert.Equal(1, c.GetConfig("a.b").GetInt("c"));
        Assert.True(c.GetConfig("missing").IsEmpty);
        Assert.Same(Config.Empty, c.GetConfig("missing"));
    }

    [Fact]
    public void Keys_list_the_root_sections_in_written_order()
    {
        var c = Parse("zeta = 1\nalpha { x = 1 }\nmid = 2\nalpha { y = 2 }");
        Assert.Equal(["zeta", "alpha", "mid"], c.Keys);
    }

    [Fact]
    public void WithFallback_prefers_this_and_merges_objects_deeply()
    {
        var user = Parse("hfedmoe.actor { ask-timeout = 3s }\nextra = 1");
        var reference = Parse("hfedmoe.actor { ask-timeout = infinite, creation-timeout = 20s }\nhfedmoe.scheduler.tick = 10ms");
        var merged = user.WithFallback(reference);
        Assert.Equal(TimeSpan.FromSeconds(3), merged.GetTimeSpan("hfedmoe.actor.ask-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(20), merged.GetTimeSpan("hfedmoe.actor.creation-timeout"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), merged.GetTimeSpan("hfedmoe.scheduler.tick"));
        Assert.Equal(1, merged.GetInt("extra"));

        // Inputs are unchanged (configs are immutable values).
        Assert.False(user.HasPath("hfedmoe.actor.creation-timeout"));
        Assert.Equal(Timeout.InfiniteTimeSpan, reference.GetTimeSpan("hfedmoe.actor.ask-timeout"));
    }

    [Fact]
    public void WithFallback_of_empty_configs_is_identity()
    {
        var c = Parse("a = 1");
        Assert.Equal(1, c.WithFallback(Config.Empty).GetInt("a"));
        Assert.Equal(1, Config.Empty.WithFallback(c).GetInt("a"));
        Assert.True(Config.Empty.WithFallback(Config.Empty).IsEmpty);
    }

    [Fact]
    public void Invalid_path_expressions_are_rejected_clearly()
    {
        var c = Parse("a = 1");
        var ex = Assert.Throws<ConfigurationException>(() => c.GetInt("a..b"));
        Assert.Contains("a..b", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    [InlineData("fast")]
    public void Doubles_must_be_finite_numbers(string text)
    {
        var c = Parse($"lr = {text}");
        var ex = Assert.Throws<ConfigurationException>(() => c.GetDouble("lr"));
        Assert.Contains("lr: expected a finite number", ex.Message, StringComparison.Ordinal);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }
}
