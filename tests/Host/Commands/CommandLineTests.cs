using HFedMoE.Host.Commands;

namespace HFedMoE.Host.Tests.Commands;

public sealed class CommandLineTests
{
    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = HfedmoeCli.Run(args, new CliContext(stdout, stderr, Interactive: false));
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string OneLine(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        return lines[0].TrimEnd('\r');
    }

    [Theory]
    [InlineData(new[] { "pretrain", "--steps", "abc" }, "hfedmoe pretrain: --steps expects a whole number >= 1; got 'abc'")]
    [InlineData(new[] { "pretrain", "--steps", "0" }, "hfedmoe pretrain: --steps expects a whole number >= 1; got '0'")]
    [InlineData(new[] { "pretrain", "--attention", "maybe" }, "hfedmoe pretrain: --attention must be one of off, on; got 'maybe'")]
    [InlineData(new[] { "pretrain", "--objective", "mlm" }, "hfedmoe pretrain: --objective must be one of cooccurrence, masked; got 'mlm'")]
    [InlineData(new[] { "pretrain", "--lr", "-1" }, "hfedmoe pretrain: --lr expects a number > 0 and <= 1; got '-1'")]
    [InlineData(new[] { "pretrain", "--progress", "fancy" }, "hfedmoe pretrain: --progress must be one of auto, bar, plain; got 'fancy'")]
    [InlineData(new[] { "pretrian" }, "hfedmoe: unknown command 'pretrian'; valid commands: pretrain, simulate, seed, client, replay, experiment, import, federate, export, hf-tiny, certs, tls-check")]
    [InlineData(new string[0], "hfedmoe: no command given; valid commands: pretrain, simulate, seed, client, replay, experiment, import, federate, export, hf-tiny, certs, tls-check")]
    [InlineData(new[] { "pretrain", "--top-k", "5", "--experts", "4" }, "hfedmoe pretrain: ModelConfig.TopK is 5; expected 1..Experts (4)")]
    [InlineData(new[] { "seed", "--port", "70000" }, "hfedmoe seed: --port expects a whole number in 0..65535; got '70000'")]
    [InlineData(new[] { "seed", "--join", "localhost" }, "hfedmoe seed: --join expects host:port; got 'localhost'")]
    [InlineData(new[] { "seed", "--join", "localhost:0" }, "hfedmoe seed: --join expects host:port with a port in 1..65535; got 'localhost:0'")]
    [InlineData(new[] { "seed", "--host", "a b" }, "hfedmoe seed: --host expects a host name or IP address; got 'a b'")]
    [InlineData(new[] { "client", "--seed", "nohost", "--client-id", "client-0" }, "hfedmoe client: --seed expects host:port; got 'nohost'")]
    [InlineData(new[] { "client", "--seed", "127.0.0.1:4053", "--client-id", "alice" }, "hfedmoe client: --shard is needed: the client id 'alice' is not of the form client-N")]
    [InlineData(new[] { "client", "--seed", "127.0.0.1:4053", "--client-id", "client-25" }, "hfedmoe client: --shard 25 does not exist: the run has --clients 20 shards (0..19)")]
    [InlineData(new[] { "client", "--seed", "127.0.0.1:4053", "--client-id", "alice", "--shard", "x" }, "hfedmoe client: --shard expects a whole number >= 0; got 'x'")]
    [InlineData(new[] { "client", "--seed", "127.0.0.1:4053", "--client-id", "client-0", "--budget", "5" }, "hfedmoe client: --budget 5 is not one of the run's budget tiers 4, 8, 16, 32 (hfedmoe.simulate.budgets)")]
    [InlineData(new[] { "client", "--seed", "127.0.0.1:4053", "--client-id", "client-0", "--rounds", "3" }, "hfedmoe client: unknown option or argument '--rounds'; valid options: --config, --clients, --samples-per-client, --alpha, --run-seed, --base, --public-size, --layers, --experts, --top-k, --d-model, --hidden, --attention, --heads, --seed, --client-id, --shard, --budget, --host, --port")]
    public void BadCommandLines_GetOneLineNamingTheProblem_AndExitCode2(string[] args, string expected)
    {
        var (code, _, error) = Run(args);

        Assert.Equal(2, code);
        Assert.Equal(expected, OneLine(error));
    }

    [Fact]
    public void UnknownOption_ListsTheValidOptions()
    {
        var (code, _, error) = Run("pretrain", "--stpes", "20");

        Assert.Equal(2, code);
        string line = OneLine(error);
        Assert.StartsWith("hfedmoe pretrain: unknown option or argument '--stpes'; valid options: --steps, --batch-size, --seed, --out", line);
    }

    [Fact]
    public void Client_without_a_seed_node_names_the_missing_option()
    {
        var (code, _, error) = Run("client", "--client-id", "client-0");

        Assert.Equal(2, code);
        Assert.Contains("--seed", OneLine(error), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingValue_NamesTheOption()
    {
        var (code, _, error) = Run("pretrain", "--seed");

        Assert.Equal(2, code);
        Assert.StartsWith("hfedmoe pretrain: --seed needs a value", OneLine(error));
    }

    [Fact]
    public void Help_ListsTheOptions_AndSucceeds()
    {
        var (code, output, error) = Run("pretrain", "--help");

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("--steps", output);
        Assert.Contains("--objective", output);
    }
}
