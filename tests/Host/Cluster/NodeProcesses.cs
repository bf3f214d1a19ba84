using HFedMoE.Host.Tests.Simulation;
using Xunit.Abstractions;

namespace HFedMoE.Host.Tests.Cluster;

/// <summary>
/// The hfedmoe processes a cluster test starts: each one's output goes to the test log when the
/// test ends (what a failing wait needs to be understood), and none outlives the test.
/// </summary>
internal sealed class NodeProcesses(ITestOutputHelper output) : IDisposable
{
    private readonly List<HfedmoeProcess> _processes = [];

    public HfedmoeProcess Start(string[] args)
    {
        var process = HfedmoeProcess.Start(args);
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            output.WriteLine($"--- {p.Stdout.Split('\n').FirstOrDefault()}\n{p.Stdout}\n{p.Stderr}");
            p.Dispose();
        }
    }
}
