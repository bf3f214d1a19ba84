using System.Diagnostics;

namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>
/// The PyTorch reference of the parity tests: a python3 that imports torch (Debian's
/// python3-torch; <c>HFEDMOE_PYTHON</c> names another). <c>source .ci/hf-fixtures.sh</c> installs
/// it. Outside CI a missing one skips those tests with the reason; under CI=true they run and
/// fail, so CI can never pass without having run them.
/// </summary>
internal static class PythonTorch
{
    private static readonly Lazy<string?> Found = new(Find);

    public static string? SkipReason() =>
        Found.Value is not null || Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : "no python3 with torch (HFEDMOE_PYTHON unset, /usr/bin/python3 cannot import torch; `source .ci/hf-fixtures.sh` installs python3-torch); skipped outside CI";

    public static string Python => Found.Value ?? throw new InvalidOperationException("CI=true but no python3 imports torch: the PyTorch parity tests must run in CI (source .ci/hf-fixtures.sh first)");

    public static string Script => Path.Combine(AppContext.BaseDirectory, "HuggingFace", "Reference", "hf_reference.py");

    /// <summary>Runs a python script and returns its standard output; a non-zero exit fails with its standard error.</summary>
    public static string Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Python} {string.Join(" ", arguments)} exited with {process.ExitCode}: {stderr.Result}");
        }
        return stdout;
    }

    private static string? Find()
    {
        foreach (string? candidate in new[] { Environment.GetEnvironmentVariable("HFEDMOE_PYTHON"), "/usr/bin/python3" })
        {
            if (string.IsNullOrEmpty(candidate) || !File.Exists(candidate))
            {
                continue;
            }
            try
            {
                var info = new ProcessStartInfo(candidate, ["-c", "import torch"]) { RedirectStandardError = true, UseShellExecute = false };
                using var p = Process.Start(info)!;
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        return null;
    }
}

/// <summary>A theory that needs the PyTorch reference: skipped with the reason outside CI when there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PythonTorchTheoryAttribute : TheoryAttribute
{
    public PythonTorchTheoryAttribute() => Skip = PythonTorch.SkipReason();
}
