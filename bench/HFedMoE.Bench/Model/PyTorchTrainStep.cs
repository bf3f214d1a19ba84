using System.Diagnostics;
using System.Globalization;

namespace HFedMoE.Bench.Model;

/// <summary>
/// Runs <c>bench/pytorch/train_step.py</c> (the reference configuration in PyTorch) as a child
/// process on the same machine and thread count, and reads its median step time. Uses Debian's
/// <c>/usr/bin/python3</c> (where <c>python3-torch</c> installs, as <c>.ci/hf-fixtures.sh</c>
/// finds it), else <c>python3</c> on the path. Never throws: a missing script, Python or torch is
/// a <see cref="Result.Problem"/> the suite prints instead of a figure.
/// </summary>
internal static class PyTorchTrainStep
{
    /// <summary>The child's figures, or why there are none (<see cref="Line"/> null).</summary>
    internal sealed record Result(string? Line, double WallMs, double CpuMs, string Problem);

    public static Result Run(int threads, int steps)
    {
        string? script = FindUpwards(Path.Combine("bench", "pytorch", "train_step.py"));
        if (script is null)
        {
            return new Result(null, 0, 0, "bench/pytorch/train_step.py not found from the working directory");
        }
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--steps");
        start.ArgumentList.Add(steps.ToString(CultureInfo.InvariantCulture));
        // Debian's torch calls the system OpenBLAS, which falls back to SSE3 kernels on CPUs it
        // does not recognise; give PyTorch the same AVX-512 kernels our GEMM baseline gets.
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is null)
        {
            start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
        }
        // libgomp's default busy-waiting, with OpenBLAS's own threads beside it, made PyTorch
        // 10× slower on this shared 2-core machine (measured); passive waiting is its fair setting.
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        }
        try
        {
            using var child = Process.Start(start)!;
            var stderr = child.StandardError.ReadToEndAsync();
            string stdout = child.StandardOutput.ReadToEnd();
            if (!child.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                child.Kill();
                return new Result(null, 0, 0, "timed out after 5 minutes");
            }
            if (child.ExitCode == 3)
            {
                return new Result(null, 0, 0, "PyTorch not installed (apt-get install python3-torch)");
            }
            string? line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("median_ms=", StringComparison.Ordinal));
            if (child.ExitCode != 0 || line is null)
            {
                return new Result(null, 0, 0, $"run failed (exit {child.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()}");
            }
            var fields = line.Trim().Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
            return new Result(line.Trim(),
                double.Parse(fields["median_ms"], CultureInfo.InvariantCulture),
                double.Parse(fields["cpu_ms"], CultureInfo.InvariantCulture),
                "");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new Result(null, 0, 0, "PyTorch not installed (no python3)");
        }
    }

    private static string? FindUpwards(string relative)
    {
        foreach (var root in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }
}
