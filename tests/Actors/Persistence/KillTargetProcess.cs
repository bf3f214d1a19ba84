using System.Diagnostics;

namespace HFedMoE.Actors.Tests.Persistence;

/// <summary>
/// Runs tests/PersistenceKillTarget as a child process and reads its stdout line by line.
/// The target is built with the solution; when only this test project was built, it is
/// built here once.
/// </summary>
internal sealed class KillTargetProcess : IDisposable
{
    private static readonly Lock BuildGate = new();
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stderr = new();

    private KillTargetProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public static KillTargetProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(LocateTarget());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return new KillTargetProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start the kill target"));
    }

    /// <summary>Next stdout line, or a failure naming the child's stderr when it does not come in time or the child exits.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token);
            return line ?? throw new InvalidOperationException($"kill target exited (code {ExitCodeOrNone()}) before printing the expected line; stderr:\n{Stderr}");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"kill target printed nothing for {timeout}; stderr:\n{Stderr}");
        }
    }

    /// <summary>SIGKILL: no finalizers, no flush, no disposal in the child.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    private string ExitCodeOrNone() => _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none";

    private static string LocateTarget()
    {
        // Artifacts layout: <artifacts>/bin/<Project>/<config>/; the target sits beside us.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var config = here.Name;
        var binDir = here.Parent!.Parent!.FullName;
        var dll = Path.Combine(binDir, "PersistenceKillTarget", config, "PersistenceKillTarget.dll");
        lock (BuildGate)
        {
            if (!File.Exists(dll))
            {
                Build(config);
            }
        }
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"kill target not found at {dll}; build it with `dotnet build HFedMoE.sln`", dll);
    }

    private static void Build(string config)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HFedMoE.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            return;
        }
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "build", Path.Combine(dir.FullName, "tests", "PersistenceKillTarget", "PersistenceKillTarget.csproj"), "-c", config, "--nologo", "-v", "q" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
    }
}
