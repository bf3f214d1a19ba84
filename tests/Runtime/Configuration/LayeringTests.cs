using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

/// <summary>
/// How <see cref="ConfigurationFactory.Load"/> layers a user file over the reference: merge
/// first, resolve after (tested through the internal Layer step with in-memory text).
/// </summary>
public sealed class LayeringTests
{
    private static Config Layer(string user, string reference) =>
        ConfigurationFactory.Layer(
            HoconParser.Parse(user, "user.conf", Directory.GetCurrentDirectory()),
            HoconParser.Parse(reference, "reference.conf", Directory.GetCurrentDirectory()));

    [Fact]
    public void User_substitution_can_refer_to_a_reference_key()
    {
        var c = Layer("my-timeout = ${hfedmoe.actor.ask-timeout}", "hfedmoe.actor.ask-timeout = 7s");
        Assert.Equal(TimeSpan.FromSeconds(7), c.GetTimeSpan("my-timeout"));
    }

    [Fact]
    public void Reference_values_derived_by_substitution_follow_user_overrides()
    {
        var c = Layer(
            "hfedmoe.base-timeout = 1s",
            "hfedmoe { base-timeout = 10s, ask-timeout = ${hfedmoe.base-timeout} }");
        Assert.Equal(TimeSpan.FromSeconds(1), c.GetTimeSpan("hfedmoe.ask-timeout"));
    }

    [Fact]
    public void User_self_reference_extends_the_reference_list()
    {
        var c = Layer(
            "hfedmoe.plugins = ${hfedmoe.plugins} [mine]\nhfedmoe.more += extra",
            "hfedmoe { plugins = [core, sql], more = [base] }");
        Assert.Equal(["core", "sql", "mine"], c.GetStringList("hfedmoe.plugins"));
        Assert.Equal(["base", "extra"], c.GetStringList("hfedmoe.more"));
    }

    [Fact]
    public void Parsing_alone_does_not_see_the_reference()
    {
        // ParseString resolves within its own text, as Akka does; only Load layers first.
        var ex = Assert.Throws<ConfigurationException>(() =>
            ConfigurationFactory.ParseString("my-timeout = ${hfedmoe.actor.ask-timeout}"));
        Assert.Contains("${hfedmoe.actor.ask-timeout}", ex.Message, StringComparison.Ordinal);
    }
}
