using System.Globalization;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Where an actor system lives: <c>hfedmoe://system</c> for a purely local system, or
/// <c>hfedmoe://system@host:port</c> once it is reachable from other nodes. Every
/// <see cref="ActorPath"/> carries one, so remote references need no change to actor code.
/// </summary>
public sealed record Address(string Protocol, string System, string? Host = null, int? Port = null)
{
    /// <summary>The protocol of every HFedMoE address.</summary>
    public const string DefaultProtocol = "hfedmoe";

    /// <summary>True when the address names no host (a local-only system).</summary>
    public bool IsLocal => Host is null;

    public override string ToString() => Host is null
        ? Protocol + "://" + System
        : Protocol + "://" + System + "@" + Host + (Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>Parses <c>protocol://system[@host[:port]]</c>.</summary>
    public static Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            throw new FormatException($"'{text}' is not an actor address: expected protocol://system[@host:port]");
        }
        string protocol = text[..sep];
        string rest = text[(sep + 3)..];
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return new Address(protocol, rest);
        }
        string system = rest[..at];
        string hostPort = rest[(at + 1)..];
        int colon = hostPort.LastIndexOf(':');
        if (colon < 0)
        {
            return new Address(protocol, system, hostPort);
        }
        if (!int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new FormatException($"'{text}' has an invalid port: expected an integer after ':'");
        }
        return new Address(protocol, system, hostPort[..colon], port);
    }
}
