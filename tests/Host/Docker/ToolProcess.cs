using System.Diagnostics;
using System.Text;

namespace HFedMoE.Host.Tests.Docker;

/// <summary>
/// One run of a command-line tool (bash, docker-compose) to its exit: stdout and stderr
/// interleaved as they arrive, a timeout after which the tool is killed and the test fails.
/// </summary>
internal static class ToolProcess
{
    public static async Task<(int Code, string Output)> RunAsync(
        string file, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {file}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}; output:\n{Tail(Text(output))}");
        }
        // The parameterless wait also drains the redirected streams to their end.
        process.WaitForExit();
        return (process.ExitCode, Text(output));
    }

    /// <summary>The last 200 lines of <paramref name="output"/>, for a failure message: a docker build's output runs to thousands.</summary>
    public static string Tail(string output)
    {
        string[] lines = output.Split('\n');
        return string.Join('\n', lines.Length > 200 ? lines[^200..] : lines);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
