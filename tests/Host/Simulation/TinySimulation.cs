using HFedMoE.Host.Commands;

namespace HFedMoE.Host.Tests.Simulation;

/// <summary>
/// One tiny <c>hfedmoe simulate</c> run (2 rounds, 3 clients, d = 16, 2 × 4 experts, 5
/// pre-training steps) shared by the tests of a class; its folder is deleted afterwards.
/// </summary>
public sealed class TinySimulation : IDisposable
{
    public static readonly string[] TinyArgs =
    [
        "--rounds", "2", "--clients", "3", "--samples-per-client", "24", "--pretrain-steps", "5", "--public-size", "64",
        "--d-model", "16", "--experts", "4", "--hidden", "16", "--local-steps", "3", "--progress", "plain",
    ];

    public TinySimulation()
    {
        Root = Path.Combine(Path.GetTempPath(), "hfedmoe-sim-" + Guid.NewGuid().ToString("N"));
        DataDir = Path.Combine(Root, "run");
        (Code, Out, Error) = Run(["simulate", .. TinyArgs, "--data-dir", DataDir]);
    }

    public string Root { get; }

    public string DataDir { get; }

    public int Code { get; }

    public string Out { get; }

    public string Error { get; }

    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = HfedmoeCli.Run(args, new CliContext(stdout, stderr, Interactive: false));
        return (code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
