using Akka.Configuration;

namespace HFedMoE.Actors.Transport;

/// <summary>
/// How large messages (expert updates, round plans) travel between nodes: as a stream of
/// <see cref="ChunkBytes"/>-byte chunks, at most <see cref="MaxMessageBytes"/> in all, each stream
/// failing when no chunk arrives for <see cref="IdleTimeout"/> (a StreamRef whose sender was
/// killed never fails by itself). Read from <c>hfedmoe.transport</c>.
/// </summary>
public sealed record TransportSettings
{
    /// <summary>The HOCON section of these settings.</summary>
    public const string ConfigPath = "hfedmoe.transport";

    /// <summary>A .NET array holds at most this many bytes, and a message is received into one.</summary>
    public const long LargestArray = 0x7FFFFFC7;

    public long MaxMessageBytes { get; init; } = 512L * 1024 * 1024;

    public int ChunkBytes { get; init; } = 64 * 1024;

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads <c>max-message-size</c>, <c>chunk-size</c> and <c>idle-timeout</c> under <paramref name="path"/>, then validates.</summary>
    /// <exception cref="ConfigurationException">A size or timeout out of range, naming the key.</exception>
    public static TransportSettings FromConfig(Config config, string path = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        var defaults = new TransportSettings();
        var section = config.GetConfig(path);
        if (section is null || section.IsEmpty)
        {
            return defaults;
        }
        var settings = new TransportSettings
        {
            MaxMessageBytes = section.GetByteSize("max-message-size") ?? defaults.MaxMessageBytes,
            ChunkBytes = checked((int)(section.GetByteSize("chunk-size") ?? defaults.ChunkBytes)),
            IdleTimeout = section.GetTimeSpan("idle-timeout", defaults.IdleTimeout, allowInfinite: false),
        };
        settings.Validate(path);
        return settings;
    }

    /// <exception cref="ConfigurationException">A size or timeout out of range, naming the key under <paramref name="path"/>.</exception>
    public void Validate(string path = ConfigPath)
    {
        if (MaxMessageBytes <= 0 || MaxMessageBytes > LargestArray)
        {
            throw new ConfigurationException($"{path}.max-message-size = {MaxMessageBytes} bytes; expected 1 byte to {LargestArray} bytes (a message is received into one array)");
        }
        // The chunk must fit a remoting frame with its envelope: Akka's smallest allowed
        // maximum-frame-size is 32000 bytes, its default 128000.
        if (ChunkBytes < 1024 || ChunkBytes > 120 * 1024)
        {
            throw new ConfigurationException($"{path}.chunk-size = {ChunkBytes} bytes; expected 1 KiB to 120 KiB (a chunk and its envelope must fit akka.remote.dot-netty.tcp.maximum-frame-size, 128000 bytes by default)");
        }
        if (IdleTimeout <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"{path}.idle-timeout = {IdleTimeout}; expected a positive duration");
        }
    }
}
