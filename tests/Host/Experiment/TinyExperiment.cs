using HFedMoE.Host.Tests.Simulation;

namespace HFedMoE.Host.Tests.Experiment;

/// <summary>
/// One tiny <c>hfedmoe experiment</c> (hfedmoe and fedavg-full, seed 7, α 0.5, 2 rounds, 3
/// clients, d = 16, 2 × 4 experts, 5 pre-training steps; the model comes from a config file),
/// shared by the tests of a class; its folder is deleted afterwards.
/// </summary>
public sealed class TinyExperiment : IDisposable
{
    public TinyExperiment()
    {
        Root = Path.Combine(Path.GetTempPath(), "hfedmoe-exp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        ConfigFile = Path.Combine(Root, "tiny.conf");
        File.WriteAllText(ConfigFile, """
            hfedmoe.simulate { clients = 3, samples-per-client = 16, local-steps = 2, public-size = 64, model { d-model = 16, experts = 4, hidden = 16 } }
            hfedmoe.experiment { pretrain-steps = 5, rounds = 2, seeds = [7], alphas = [0.5], progress = plain }
            """);
        Out = Path.Combine(Root, "out");
        (Code, Output, Error) = Run();
    }

    public string Root { get; }

    public string ConfigFile { get; }

    public string Out { get; }

    public int Code { get; }

    public string Output { get; }

    public string Error { get; }

    public (int Code, string Out, string Error) Run(params string[] extra) =>
        TinySimulation.Run(["experiment", "--config", ConfigFile, "--strategies", "hfedmoe,fedavg-full", "--out", Out, .. extra]);

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
