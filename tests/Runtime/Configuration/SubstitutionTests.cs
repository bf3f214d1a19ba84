using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

public sealed class SubstitutionTests
{
    private static Config Parse(string text) => ConfigurationFactory.ParseString(text, "subst.conf");

    [Fact]
    public void Substitution_copies_a_value_from_an_absolute_path()
    {
        var c = Parse("""
            base { timeout = 5s, name = east }
            copy = ${base.timeout}
            whole = ${base}
            """);
        Assert.Equal(TimeSpan.FromSeconds(5), c.GetTimeSpan("copy"));
        Assert.Equal("east", c.GetString("whole.name"));
    }

    [Fact]
    public void Forward_references_resolve_after_parsing()
    {
        var c = Parse("""
            a = ${b}
            b = ${c.d}
            c.d = 10
            """);
        Assert.Equal(10, c.GetInt("a"));
        Assert.Equal(10, c.GetInt("b"));
    }

    [Fact]
    public void Substitution_sees_the_final_merged_value_of_its_target()
    {
        var c = Parse("""
            x = 1
            y = ${x}
            x = 2
            """);
        Assert.Equal(2, c.GetInt("y"));
    }

    [Fact]
    public void Substitutions_concatenate_with_strings()
    {
        var c = Parse("""
            host = example.org
            port = 8080
            url = "http://"${host}":"${port}/api
            greeting = hello ${host}!
            """);
        Assert.Equal("http://example.org:8080/api", c.GetString("url"));
        Assert.Equal("hello example.org!", c.GetString("greeting"));
    }

    [Fact]
    public void Object_substitution_followed_by_an_object_merges_them()
    {
        var c = Parse("""
            base { name = west, size = 3 }
            east = ${base} { name = east }
            """);
        Assert.Equal("east", c.GetString("east.name"));
        Assert.Equal(3, c.GetInt("east.size"));
        Assert.Equal("west", c.GetString("base.name"));
    }

    [Fact]
    public void Self_reference_appends_to_the_earlier_array()
    {
        var c = Parse("""
            path = [a, b]
            path = ${path} [c]
            path = ${path} ${extra}
            extra = [d]
            """);
        Assert.Equal(["a", "b", "c", "d"], c.GetStringList("path"));
    }

    [Fact]
    public void Substitution_inside_the_same_object_is_not_a_cycle()
    {
        var c = Parse("a { x = 1, y = ${a.x} }");
        Assert.Equal(1, c.GetInt("a.y"));
    }

    [Fact]
    public void Optional_substitution_falls_back_to_an_environment_variable()
    {
        var name = "HFEDMOE_HOCON_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "/from/env");
        try
        {
            var c = Parse($"home = ${{?{name}}}\nwith-suffix = ${{?{name}}}/sub");
            Assert.Equal("/from/env", c.GetString("home"));
            Assert.Equal("/from/env/sub", c.GetString("with-suffix"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Optional_substitution_with_no_value_leaves_the_earlier_value_or_no_key()
    {
        var c = Parse("""
            port = 2552
            port = ${?HFEDMOE_SURELY_UNSET_VARIABLE_0b5f}
            absent = ${?HFEDMOE_SURELY_UNSET_VARIABLE_0b5f}
            """);
        Assert.Equal(2552, c.GetInt("port"));
        Assert.False(c.HasPath("absent"));
    }

    [Fact]
    public void Unresolved_required_substitution_is_an_error_naming_it()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse("a = 1\nb = ${no.such.path}\n"));
        Assert.Contains("${no.such.path}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("subst.conf:2:5", ex.Message, StringComparison.Ordinal);
        Assert.Equal("no.such.path", ex.Path);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Cycles_are_detected_and_reported_with_the_chain()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse("""
            a = ${b}
            b = ${c}
            c = ${a}
            """));
        Assert.Contains("cycle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("${b} -> ${c} -> ${a}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Direct_self_reference_without_an_earlier_value_is_unresolved()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse("a = ${a}"));
        Assert.Contains("unresolved substitution ${a}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concatenating_an_object_with_a_string_is_an_error()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Parse("o { x = 1 }\nbad = ${o} text"));
        Assert.Contains("cannot concatenate", ex.Message, StringComparison.Ordinal);
        Assert.Contains("subst.conf:2:7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paths_may_pass_through_a_substituted_object()
    {
        var c = Parse("""
            alias = ${real}
            real { inner { v = 3 } }
            v = ${alias.inner.v}
            """);
        Assert.Equal(3, c.GetInt("v"));
    }

    [Fact]
    public void Object_written_after_a_substitution_for_the_same_key_merges_with_its_result()
    {
        var c = Parse("""
            a = ${b}
            a { y = 2 }
            b { x = 1, y = 1 }
            """);
        Assert.Equal(1, c.GetInt("a.x"));
        Assert.Equal(2, c.GetInt("a.y"));
    }

    [Fact]
    public void Substitution_inside_arrays_and_quoted_path_segments()
    {
        var c = Parse("""
            serializers { "System.Byte[]" = bytes }
            list = [${serializers."System.Byte[]"}, other]
            """);
        Assert.Equal(["bytes", "other"], c.GetStringList("list"));
    }
}
