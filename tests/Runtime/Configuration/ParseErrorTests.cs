using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

public sealed class ParseErrorTests
{
    private static ConfigurationException Fails(string text) =>
        Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseString(text, "bad.conf"));

    [Fact]
    public void Missing_closing_brace_reports_where_the_object_opened()
    {
        var ex = Fails("a {\n  b = 1\n");
        Assert.Equal("bad.conf:3:1: expected '}' to close the object opened at line 1, column 3 but found end of file", ex.Message);
        Assert.Equal("bad.conf", ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Equal(1, ex.Column);
    }

    [Fact]
    public void Key_without_separator_or_value()
    {
        var ex = Fails("a = 1\nb c\n");
        Assert.Equal("bad.conf:2:3: expected '=', ':' or '{' after the key 'b' but found 'c'", ex.Message);
    }

    [Fact]
    public void Separator_without_value()
    {
        var ex = Fails("a =\n}");
        Assert.StartsWith("bad.conf:2:1: expected a value but found '}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unbalanced_closing_brace_at_root()
    {
        var ex = Fails("a = 1\n}\n");
        Assert.Equal("bad.conf:2:1: expected a key but found '}'", ex.Message);
    }

    [Fact]
    public void Garbage_after_a_value()
    {
        var ex = Fails("a = [1, 2] : 3");
        Assert.Equal("bad.conf:1:12: expected ',', '}' or a new line after the value of 'a' but found ':'", ex.Message);
    }

    [Fact]
    public void Double_comma_is_rejected()
    {
        var ex = Fails("a = 1,,\nb = 2");
        Assert.Equal("bad.conf:1:7: expected a key but found ','", ex.Message);
    }

    [Fact]
    public void Unterminated_string()
    {
        var ex = Fails("a = \"open\nb = 2");
        Assert.Equal("bad.conf:1:10: expected a closing '\"' but found end of line", ex.Message);
    }

    [Fact]
    public void Unterminated_array()
    {
        var ex = Fails("a = [1,\n 2\n");
        Assert.Equal("bad.conf:3:1: expected ']' to close the array opened at line 1, column 5 but found end of file", ex.Message);
    }

    [Fact]
    public void Bad_escape_sequence()
    {
        var ex = Fails("a = \"x\\qy\"");
        Assert.StartsWith("bad.conf:1:8: expected one of", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("but found '\\q'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dollar_without_brace_and_empty_key_segments()
    {
        Assert.StartsWith("bad.conf:1:5: expected '${' to start a substitution", Fails("a = $x").Message, StringComparison.Ordinal);
        Assert.Equal("bad.conf:1:1: expected a key segment before '.' but found an empty segment in 'a..b'", Fails("a..b = 1").Message);
    }

    [Fact]
    public void Origin_defaults_to_a_placeholder_for_strings()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseString("a {"));
        Assert.StartsWith("<string>:1:4: expected '}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurdly_deep_nesting_is_rejected_instead_of_overflowing_the_stack()
    {
        var ex = Fails("a = " + new string('[', 100_000));
        Assert.Contains("levels of nested objects and arrays", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurdly_long_substitution_chains_are_rejected_instead_of_overflowing_the_stack()
    {
        var text = string.Join('\n', Enumerable.Range(0, 5_000).Select(i => $"k{i} = ${{k{i + 1}}}")) + "\nk5000 = end";
        var ex = Fails(text);
        Assert.Contains("chain of more than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Moderately_long_substitution_chains_resolve()
    {
        var text = string.Join('\n', Enumerable.Range(0, 200).Select(i => $"k{i} = ${{k{i + 1}}}")) + "\nk200 = end";
        Assert.Equal("end", ConfigurationFactory.ParseString(text).GetString("k0"));
    }
}
