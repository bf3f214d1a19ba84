using System.CommandLine;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Host.HuggingFace;

namespace HFedMoE.Host.Commands;

/// <summary>What the Hugging Face commands share: the --config option and reading hfedmoe.hf from it.</summary>
internal static class HfCommandSupport
{
    public static Option<string> ConfigOption() =>
        CliOptions.Path("--config", null, $"HOCON file layered over the defaults; its {HfSettings.ConfigPath} section sets the model, data, run and export (the command line wins)");

    public static HfSettings Load(string? file) => HfSettings.FromConfig(HfedmoeConfig.Load(file));

    public static bool Given<T>(ParseResult parse, Option<T> option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Errors a Hugging Face command reports as one line and exit code 1 rather than a stack trace.</summary>
    public static bool IsReported(Exception e) =>
        e is IOException or InvalidDataException or FormatException or ConfigurationException or NotSupportedException or ArgumentException or InvalidOperationException or KeyNotFoundException;
}
