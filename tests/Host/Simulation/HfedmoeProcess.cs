using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace HFedMoE.Host.Tests.Simulation;

/// <summary>
/// The real <c>hfedmoe</c> executable (the Host project's build output, built as this test
/// project's dependency) run as a child process. Both streams are read as they come (a pipe
/// nobody reads would fill and stall the child, and a process never waited on would leave no
/// output for the test log); the waits consume stdout's lines in order.
/// </summary>
internal sealed class HfedmoeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    private HfedmoeProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
                return;
            }
            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }
            _lines.Writer.TryWrite(e.Data);
        };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public static HfedmoeProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Locate());
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return new HfedmoeProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start hfedmoe"));
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Reads stdout until a line satisfies <paramref name="match"/>; fails naming stdout and stderr if the child exits or goes quiet first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            string line;
            try
            {
                if (!await _lines.Reader.WaitToReadAsync(cts.Token))
                {
                    _process.WaitForExit();
                    throw new InvalidOperationException($"hfedmoe exited (code {_process.ExitCode}) before printing the expected line; stdout:\n{Stdout}\nstderr:\n{Stderr}");
                }
                line = await _lines.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"hfedmoe printed no matching line within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
            }
            if (match(line))
            {
                return line;
            }
        }
    }

    /// <summary>Reads stdout to the end and waits for the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            // The rest of stdout (already in Stdout) is consumed up to its end.
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"hfedmoe did not exit within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: what a service manager or `kill` sends; the node should leave its cluster and exit.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            kill.WaitForExit();
        }
    }

    /// <summary>
    /// SIGKILL: no finalizers, no flush, no disposal in the child. Only the process itself (it
    /// starts none): walking a process tree first would give the child time to finish its round.
    /// </summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static string Locate()
    {
        // Artifacts layout: <artifacts>/bin/<Project>/<config>/; the Host project is built as our dependency.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string dll = Path.Combine(here.Parent!.Parent!.FullName, "HFedMoE.Host", here.Name, "hfedmoe.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"hfedmoe not found at {dll}; build tests/Host (it builds src/Host)", dll);
    }
}
