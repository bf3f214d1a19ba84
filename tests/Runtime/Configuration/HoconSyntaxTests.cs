using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

public sealed class HoconSyntaxTests
{
    private static Config Parse(string text) => ConfigurationFactory.ParseString(text, "test.conf");

    [Fact]
    public void Separators_equals_colon_and_none_before_brace_are_equivalent()
    {
        var c = Parse("""
            a = 1
            b : 2
            c { d = 3 }
            e = { f = 4 }
            g : { h = 5 }
            """);
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal(2, c.GetInt("b"));
        Assert.Equal(3, c.GetInt("c.d"));
        Assert.Equal(4, c.GetInt("e.f"));
        Assert.Equal(5, c.GetInt("g.h"));
    }

    [Fact]
    public void Root_braces_are_optional()
    {
        var braced = Parse("{ a { b = x } }");
        var bare = Parse("a { b = x }");
        Assert.Equal("x", braced.GetString("a.b"));
        Assert.Equal("x", bare.GetString("a.b"));
    }

    [Fact]
    public void Dotted_keys_build_nested_objects_and_merge_with_braced_ones()
    {
        var c = Parse("""
            a.b.c = 1
            a { b { d = 2 } }
            a.e = 3
            """);
        Assert.Equal(1, c.GetInt("a.b.c"));
        Assert.Equal(2, c.GetInt("a.b.d"));
        Assert.Equal(3, c.GetInt("a.e"));
        Assert.Equal(["b", "e"], c.GetConfig("a").Keys);
    }

    [Fact]
    public void Quoted_key_segments_keep_their_dots()
    {
        var c = Parse("""
            serializers { "System.Byte[]" = bytes }
            a."b.c".d = 7
            """);
        Assert.Equal("bytes", c.GetString("serializers.\"System.Byte[]\""));
        Assert.Equal(7, c.GetInt("a.\"b.c\".d"));
        Assert.False(c.HasPath("a.b"));
    }

    [Fact]
    public void Duplicate_keys_merge_objects_deeply_and_later_scalars_win()
    {
        var c = Parse("""
            a { x = 1, y = 2, inner { p = 1 } }
            a { y = 20, z = 30, inner { q = 2 } }
            s = first
            s = second
            """);
        Assert.Equal(1, c.GetInt("a.x"));
        Assert.Equal(20, c.GetInt("a.y"));
        Assert.Equal(30, c.GetInt("a.z"));
        Assert.Equal(1, c.GetInt("a.inner.p"));
        Assert.Equal(2, c.GetInt("a.inner.q"));
        Assert.Equal("second", c.GetString("s"));
    }

    [Fact]
    public void A_later_scalar_replaces_an_object_and_a_later_object_replaces_a_scalar()
    {
        var c = Parse("""
            a { x = 1 }
            a = 5
            b = 5
            b { y = 2 }
            """);
        Assert.Equal(5, c.GetInt("a"));
        Assert.False(c.HasPath("a.x"));
        Assert.Equal(2, c.GetInt("b.y"));
    }

    [Fact]
    public void Quoted_strings_support_json_escapes()
    {
        var c = Parse("""
            a = "tab\there \"quoted\" back\\slash \u00e9 line\nbreak"
            empty = ""
            """);
        Assert.Equal("tab\there \"quoted\" back\\slash \u00e9 line\nbreak", c.GetString("a"));
        Assert.Equal("", c.GetString("empty"));
    }

    [Fact]
    public void Triple_quoted_strings_are_raw_and_may_span_lines()
    {
        var c = Parse("a = \"\"\"line one\n  \"quoted\" \\n not an escape\nend\"\"\"\n");
        Assert.Equal("line one\n  \"quoted\" \\n not an escape\nend", c.GetString("a"));
    }

    [Fact]
    public void Unquoted_words_on_one_line_concatenate_with_their_spacing()
    {
        var c = Parse("""
            a = hello world
            b = hello   "big"  world   # trailing comment and spaces are not part of it
            c = foo"bar"
            d = Akka.Actor.LocalActorRefProvider
            """);
        Assert.Equal("hello world", c.GetString("a"));
        Assert.Equal("hello   big  world", c.GetString("b"));
        Assert.Equal("foobar", c.GetString("c"));
        Assert.Equal("Akka.Actor.LocalActorRefProvider", c.GetString("d"));
    }

    [Fact]
    public void Numbers_keep_their_text_and_parse_with_each_getter()
    {
        var c = Parse("""
            i = 42
            neg = -7
            big = 9000000000
            d = 2.5e-3
            f = 0.25
            """);
        Assert.Equal(42, c.GetInt("i"));
        Assert.Equal(-7, c.GetInt("neg"));
        Assert.Equal(9_000_000_000L, c.GetLong("big"));
        Assert.Equal(0.0025, c.GetDouble("d"), 12);
        Assert.Equal("0.25", c.GetString("f"));
        Assert.Equal(42.0, c.GetDouble("i"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    [InlineData("yes", true)]
    [InlineData("no", false)]
    [InlineData("\"ON\"", true)]
    public void Booleans_accept_true_false_on_off_yes_no(string text, bool expected)
    {
        Assert.Equal(expected, Parse($"flag = {text}").GetBoolean("flag"));
    }

    [Fact]
    public void Null_counts_as_missing()
    {
        var c = Parse("a = null\nb = 1");
        Assert.False(c.HasPath("a"));
        Assert.Equal("dflt", c.GetString("a", "dflt"));
        Assert.True(c.HasPath("b"));
    }

    [Fact]
    public void Arrays_allow_newlines_commas_and_a_trailing_comma()
    {
        var c = Parse("""
            a = [1, 2, 3]
            b = [
              x
              y,
              "z",
            ]
            c = []
            nested = [[1, 2], [3]]
            """);
        Assert.Equal(["1", "2", "3"], c.GetStringList("a"));
        Assert.Equal(["x", "y", "z"], c.GetStringList("b"));
        Assert.Empty(c.GetStringList("c"));
        Assert.True(c.HasPath("nested"));
    }

    [Fact]
    public void Arrays_of_objects_become_config_lists()
    {
        var c = Parse("""
            nodes = [
              { name = a, port = 1 }
              { name = b, port = 2 }
            ]
            """);
        var nodes = c.GetConfigList("nodes");
        Assert.Equal(2, nodes.Count);
        Assert.Equal("b", nodes[1].GetString("name"));
        Assert.Equal(2, nodes[1].GetInt("port"));
    }

    [Fact]
    public void Comments_with_hash_and_double_slash_are_ignored()
    {
        var c = Parse("""
            # a comment
            a = 1 // trailing comment
            // another
            b = 2 # trailing
            c = "not # a comment"
            """);
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal(2, c.GetInt("b"));
        Assert.Equal("not # a comment", c.GetString("c"));
    }

    [Fact]
    public void Fields_may_be_separated_by_commas_on_one_line()
    {
        var c = Parse("a { x = 1, y = 2, }, b = 3");
        Assert.Equal(1, c.GetInt("a.x"));
        Assert.Equal(2, c.GetInt("a.y"));
        Assert.Equal(3, c.GetInt("b"));
    }

    [Fact]
    public void Windows_line_endings_and_a_byte_order_mark_are_accepted()
    {
        var c = Parse("\uFEFFa = 1\r\nb {\r\n  c = two\r\n}\r\n");
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal("two", c.GetString("b.c"));
    }

    [Fact]
    public void Plus_equals_appends_to_an_array()
    {
        var c = Parse("""
            list = [a]
            list += b
            list += c
            fresh += only
            b = [root]
            objects = [{ b += 1, b += 2 }]
            """);
        Assert.Equal(["a", "b", "c"], c.GetStringList("list"));
        Assert.Equal(["only"], c.GetStringList("fresh"));
        Assert.Equal(["1", "2"], c.GetConfigList("objects")[0].GetStringList("b"));
    }

    [Fact]
    public void Empty_text_is_an_empty_config()
    {
        var c = Parse("  # nothing but a comment\n\n");
        Assert.True(c.IsEmpty);
        Assert.Empty(c.Keys);
    }
}
