namespace HFedMoE.Host.Tests.Simulation;

/// <summary>A bad value is named as the user wrote it: the HOCON key and file for a config value, the option for a command-line one.</summary>
public sealed class SimulateConfigErrorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hfedmoe-conf-" + Guid.NewGuid().ToString("N"));

    public SimulateConfigErrorTests() => Directory.CreateDirectory(_root);

    private string Conf(string text)
    {
        string file = Path.Combine(_root, "my.conf");
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void A_bad_value_from_the_config_file_names_the_hocon_key_and_the_file()
    {
        var (code, output, error) = TinySimulation.Run("simulate", "--config", Conf("hfedmoe.simulate.rounds = 0\n"), "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("hfedmoe simulate: hfedmoe.simulate.rounds expects >= 1; got '0' (from my.conf)", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    [Fact]
    public void A_cuda_device_that_is_not_there_is_one_line_naming_the_key_before_anything_is_written()
    {
        var (code, _, error) = TinySimulation.Run("simulate", "--config", Conf("hfedmoe.model { device = \"cuda:99\" }\n"), "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(1, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hfedmoe simulate: hfedmoe.model.device = cuda:99, but ", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")), "nothing is written (nor pre-trained) for a device that is not there");
    }

    [Fact]
    public void The_same_bad_value_on_the_command_line_names_the_option()
    {
        var (code, _, error) = TinySimulation.Run("simulate", "--rounds", "0", "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(2, code);
        Assert.Contains("--rounds expects a whole number >= 1; got '0'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hfedmoe.simulate.rounds", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_checked_against_another_names_its_own_origin()
    {
        // top-k from the file, experts from the command line: the file's key is the one at fault.
        var (code, _, error) = TinySimulation.Run("simulate", "--config", Conf("hfedmoe.simulate { model { top-k = 6 } }\n"), "--experts", "4", "--data-dir", Path.Combine(_root, "run"));
        Assert.Equal(2, code);
        Assert.Equal("hfedmoe simulate: hfedmoe.simulate.model.top-k expects 1..4 (the experts per block); got '6' (from my.conf)", error.Trim());

        var (code2, _, error2) = TinySimulation.Run("simulate", "--top-k", "6", "--experts", "4", "--data-dir", Path.Combine(_root, "run"));
        Assert.Equal(2, code2);
        Assert.Equal("hfedmoe simulate: --top-k expects 1..4 (the experts per block); got '6'", error2.Trim());
    }

    [Fact]
    public void A_list_only_the_config_file_sets_is_named_by_its_key()
    {
        var (code, _, error) = TinySimulation.Run("simulate", "--config", Conf("hfedmoe.simulate.budgets = []\n"), "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(2, code);
        Assert.Equal("hfedmoe simulate: hfedmoe.simulate.budgets must be a non-empty list of numbers > 0; got [] (from my.conf)", error.Trim());
    }

    [Fact]
    public void A_misspelt_key_in_the_config_file_is_an_error_naming_the_key_the_file_the_line_and_the_nearest_valid_key()
    {
        // As a new user would write it; Akka's HOCON alone would ignore it and run with 20 clients.
        string file = Conf("# my run\nhfedmoe.simulate.rounds = 2\nhfedmoe.simulate.clinets = 4\n");
        var (code, output, error) = TinySimulation.Run("simulate", "--config", file, "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"hfedmoe simulate: {file}:3: unknown key hfedmoe.simulate.clinets; the nearest valid key is hfedmoe.simulate.clients (every key is listed in hocon/reference.conf)", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    [Fact]
    public void A_config_that_asks_for_the_former_engine_is_refused_before_anything_is_written()
    {
        string file = Conf("hfedmoe.model.engine = former\n");
        var (code, output, error) = TinySimulation.Run("simulate", "--config", file, "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"hfedmoe simulate: {file}:1: hfedmoe.model.engine was removed: the former CPU engine it chose was deleted", error.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    [Fact]
    public void Malformed_hocon_in_the_config_file_is_an_error_naming_the_file_and_line()
    {
        string file = Conf("hfedmoe.simulate {\n  rounds = 2\n  strategy = \"fedavg-full\n}\n");
        var (code, _, error) = TinySimulation.Run("simulate", "--config", file, "--data-dir", Path.Combine(_root, "run"));

        Assert.Equal(2, code);
        Assert.Equal($"hfedmoe simulate: {file}:3:14: malformed HOCON: a string starts here and is never closed (a quote is missing)", error.Trim());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
