using Akka.Configuration;

namespace HFedMoE.Actors.Configuration;

/// <summary>Parses HOCON with Akka's parser (after <see cref="HoconStructure"/>'s check), turning its errors into one <see cref="ConfigurationException"/> that names the source.</summary>
internal static class HoconText
{
    /// <exception cref="ConfigurationException">Malformed HOCON: "{source}: {Akka's message}" (Akka quotes the offending line).</exception>
    public static Config Parse(string text, string source)
    {
        HoconStructure.Check(text, source);
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Akka's parser throws FormatException, ConfigurationException or a bare Exception (end of
            // input inside a value); its messages quote the line but not the file.
            throw new ConfigurationException($"{source}: malformed HOCON: {OneLine(e.Message)}", e);
        }
    }

    private static string OneLine(string message) => string.Join(' ', message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
