namespace HFedMoE.Host.Commands;

/// <summary>Error text as the commands print it.</summary>
internal static class CommandText
{
    /// <summary>A message on one line (exception messages may span several).</summary>
    public static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
