using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

/// <summary>ParseFile, includes and Load, each test in its own temporary folder.</summary>
public sealed class ConfigFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-hocon-" + Guid.NewGuid().ToString("N"));

    public ConfigFilesTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ParseFile_reports_errors_with_the_file_name()
    {
        var path = Write("broken.conf", "a = 1\nb = [\n");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseFile(path));
        Assert.StartsWith($"{path}:3:1: expected ']'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.File);
    }

    [Fact]
    public void Missing_file_is_a_configuration_error_naming_it()
    {
        var path = Path.Combine(_dir, "nope.conf");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseFile(path));
        Assert.Contains("nope.conf", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_is_relative_to_the_including_file_and_later_keys_override()
    {
        Write("conf/common/base.conf", "x = 1\ny = 2\nsection { a = from-base, b = from-base }");
        var main = Write("conf/main.conf", """
            include "common/base.conf"
            y = 20
            section.b = from-main
            """);
        var c = ConfigurationFactory.ParseFile(main);
        Assert.Equal(1, c.GetInt("x"));
        Assert.Equal(20, c.GetInt("y"));
        Assert.Equal("from-base", c.GetString("section.a"));
        Assert.Equal("from-main", c.GetString("section.b"));
    }

    [Fact]
    public void Include_inside_an_object_places_keys_under_it()
    {
        Write("part.conf", "port = 2552\nhost = localhost");
        var main = Write("main.conf", "remote {\n  include \"part.conf\"\n  host = node1\n}");
        var c = ConfigurationFactory.ParseFile(main);
        Assert.Equal(2552, c.GetInt("remote.port"));
        Assert.Equal("node1", c.GetString("remote.host"));
        Assert.False(c.HasPath("port"));
    }

    [Fact]
    public void Include_required_and_file_forms_are_accepted()
    {
        Write("a.conf", "a = 1");
        Write("b.conf", "b = 2");
        Write("c.conf", "c = 3");
        var main = Write("main.conf", "include required(\"a.conf\")\ninclude file(\"b.conf\")\ninclude required(file(\"c.conf\"))\n");
        var c = ConfigurationFactory.ParseFile(main);
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal(2, c.GetInt("b"));
        Assert.Equal(3, c.GetInt("c"));
    }

    [Fact]
    public void Missing_include_is_an_error_naming_the_file_and_the_include_location()
    {
        var main = Write("main.conf", "a = 1\ninclude \"missing-part.conf\"\n");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseFile(main));
        Assert.Contains("\"missing-part.conf\" not found", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{main}:2:1:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_inside_an_included_file_name_that_file()
    {
        var part = Write("part.conf", "ok = 1\nbad = {\n");
        var main = Write("main.conf", "include \"part.conf\"");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseFile(main));
        Assert.StartsWith($"{part}:3:1: expected '}}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Include_cycles_are_detected()
    {
        Write("a.conf", "include \"b.conf\"\na = 1");
        Write("b.conf", "include \"a.conf\"\nb = 1");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.ParseFile(Path.Combine(_dir, "a.conf")));
        Assert.Contains("include cycle", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Substitutions_resolve_across_included_files()
    {
        Write("defaults.conf", "timeouts { base = 2s }");
        var main = Write("main.conf", "include \"defaults.conf\"\nask = ${timeouts.base}");
        Assert.Equal(TimeSpan.FromSeconds(2), ConfigurationFactory.ParseFile(main).GetTimeSpan("ask"));
    }

    [Fact]
    public void A_key_named_include_is_still_a_key()
    {
        var c = ConfigurationFactory.ParseString("include = yes\ninclude-dirs = [a]");
        Assert.True(c.GetBoolean("include"));
        Assert.Equal(["a"], c.GetStringList("include-dirs"));
    }

    [Fact]
    public void Reference_loads_the_embedded_reference_conf()
    {
        var reference = ConfigurationFactory.Reference();
        Assert.Contains("hfedmoe", reference.Keys);
        Assert.True(reference.HasPath("hfedmoe"));

        // Each call parses afresh, so it is the same content every time.
        Assert.Equal(reference.Render(), ConfigurationFactory.Reference().Render());
    }

    [Fact]
    public void Load_without_a_user_file_is_the_reference()
    {
        Assert.Equal(ConfigurationFactory.Reference().Render(), ConfigurationFactory.Load().Render());
    }

    [Fact]
    public void Load_layers_the_user_file_over_the_reference_and_resolves_afterwards()
    {
        var user = Write("user.conf", """
            hfedmoe.hocon-test { value = 5, copy = ${hfedmoe.hocon-test.value} }
            """);
        var c = ConfigurationFactory.Load(user);
        Assert.Equal(5, c.GetInt("hfedmoe.hocon-test.value"));
        Assert.Equal(5, c.GetInt("hfedmoe.hocon-test.copy"));

        // Everything the reference defines is still there.
        foreach (var key in ConfigurationFactory.Reference().GetConfig("hfedmoe").Keys)
        {
            Assert.True(c.GetConfig("hfedmoe").Keys.Contains(key), key);
        }
    }
}
