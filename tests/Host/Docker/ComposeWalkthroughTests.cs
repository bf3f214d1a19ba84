using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using HFedMoE.Actors.Tests.Persistence;
using HFedMoE.Host.Tests.Simulation;
using Xunit.Abstractions;

namespace HFedMoE.Host.Tests.Docker;

/// <summary>
/// docker/ for real: <c>docker/build.sh</c> builds the images (starting dockerd without a bridge
/// if none answers), the compose walkthrough runs with the host-network override (PostgreSQL
/// on a free loopback port as the journal) for three rounds, and its final global-model digest
/// must equal <c>hfedmoe simulate</c>'s with the same settings, computed here in the same test
/// run. Everything is torn down afterwards: containers, volumes, and the dockerd the script
/// started (none if a daemon was already running).
/// </summary>
[Trait("Category", "Docker")]
public sealed partial class ComposeWalkthroughTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Rounds = 3;

    // The settings of both runs (the containers add their journal on the PostgreSQL container).
    private const string TinySettings = """
        hfedmoe.simulate {
          rounds = 3, clients = 3, samples-per-client = 24, pretrain-steps = 5, public-size = 64, local-steps = 3
          model { d-model = 16, experts = 4, hidden = 16 }
        }
        """;

    // From nothing: packages, debootstrap, publish, two images (about 6 minutes here); cached, well under one.
    private static readonly TimeSpan BuildPatience = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan RunPatience = TimeSpan.FromMinutes(5);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "hfedmoe-docker-" + Guid.NewGuid().ToString("N"));
    private readonly string _repo = RepositoryRoot();
    private readonly string _project = "hfedmoe-test-" + Guid.NewGuid().ToString("N")[..12];
    private int _port;
    private bool _composeStarted;

    private string ConfDir => Path.Combine(_root, "conf");

    // Where build.sh records the dockerd it starts: in this test's folder, so only that one is stopped.
    private string DockerdPidFile => Path.Combine(_root, "dockerd.pid");

    [DockerFact]
    public async Task The_compose_walkthrough_on_the_host_network_ends_with_the_model_simulate_ends_with()
    {
        string localConf = Path.Combine(_root, "local.conf");
        await File.WriteAllTextAsync(localConf, TinySettings);
        var (simulated, simulateOut, simulateError) = TinySimulation.Run("simulate", "--config", localConf, "--data-dir", Path.Combine(_root, "local"), "--progress", "plain");
        Assert.True(simulated == 0, simulateError);
        string expected = FinalDigest(simulateOut);

        var (built, buildLog) = await BuildScript("build");
        Assert.True(built == 0, "docker/build.sh failed:\n" + ToolProcess.Tail(buildLog));
        foreach (string line in buildLog.Split('\n').Where(l => l.StartsWith("docker/build.sh:", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        _port = FreePort();
        Directory.CreateDirectory(ConfDir);
        string journal = PostgresServer.Hocon($"Host=127.0.0.1;Port={_port};Username=hfedmoe;Password=hfedmoe;Database=hfedmoe");
        await File.WriteAllTextAsync(Path.Combine(ConfDir, "hfedmoe.conf"), journal + "\n" + TinySettings);

        _composeStarted = true;
        var (ran, runLog) = await Compose("up", "--no-build", "--exit-code-from", "simulate");
        Assert.True(ran == 0, "docker-compose up failed:\n" + ToolProcess.Tail(runLog));
        string inDocker = FinalDigest(runLog);
        output.WriteLine($"digest in docker {inDocker}, simulate here {expected}");

        // The rounds are in the PostgreSQL container's journal: read them back from there.
        var (listed, list) = await Compose("run", "--rm", "simulate", "replay", "list", "--config", "/etc/hfedmoe/hfedmoe.conf", "--data-dir", "/data/simulate");
        Assert.True(listed == 0, "replay list in docker failed:\n" + ToolProcess.Tail(list));
        Assert.Contains($"{Rounds} rounds, {Rounds} committed", list, StringComparison.Ordinal);
        Assert.Contains(inDocker, list, StringComparison.Ordinal);

        Assert.Equal(expected, inDocker);
    }

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_composeStarted)
            {
                var (down, downLog) = await Compose("down", "--volumes", "--remove-orphans");
                output.WriteLine($"docker-compose down: exit {down}\n{ToolProcess.Tail(downLog)}");
            }
        }
        finally
        {
            var (stopped, stopLog) = await BuildScript("stop");
            output.WriteLine($"docker/build.sh stop: exit {stopped}\n{stopLog}");
            Directory.Delete(_root, recursive: true);
        }
    }

    private Task<(int Code, string Output)> BuildScript(string verb) =>
        ToolProcess.RunAsync("bash", [Path.Combine(_repo, "docker", "build.sh"), verb], _repo,
            new Dictionary<string, string> { ["HFEDMOE_DOCKERD_PIDFILE"] = DockerdPidFile }, BuildPatience);

    private Task<(int Code, string Output)> Compose(params string[] args) =>
        ToolProcess.RunAsync("docker-compose",
            ["--ansi", "never", "-p", _project, "-f", Path.Combine(_repo, "docker", "compose.yaml"), "-f", Path.Combine(_repo, "docker", "compose.host.yaml"), .. args],
            _repo,
            new Dictionary<string, string>
            {
                ["HFEDMOE_PG_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["HFEDMOE_CONF_DIR"] = ConfDir,
            },
            RunPatience);

    /// <summary>The full digest of the final global model, from simulate's closing line ("...; model &lt;sha-256&gt;").</summary>
    private static string FinalDigest(string log)
    {
        var matches = FinalModel().Matches(log);
        return matches.Count > 0 ? matches[^1].Groups[1].Value : throw new InvalidOperationException($"no final model digest in the output:\n{ToolProcess.Tail(log)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "docker", "build.sh")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no docker/build.sh above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"; model ([0-9a-f]{64})")]
    private static partial Regex FinalModel();
}
