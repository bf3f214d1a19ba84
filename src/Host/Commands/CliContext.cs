namespace HFedMoE.Host.Commands;

/// <summary>
/// Where a command writes, and whether it may draw live progress (a terminal) or must print
/// plain lines (redirected output, CI logs, tests).
/// </summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, bool Interactive);
