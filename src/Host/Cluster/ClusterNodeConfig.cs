using System.Globalization;
using System.Reflection;
using System.Text;
using Akka.Configuration;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Security;

namespace HFedMoE.Host.Cluster;

/// <summary>
/// The configuration of a cluster node, in layers, each over the next: the command line's flags
/// (host, port, seed nodes), the user's file over reference.conf, the role's file
/// (<c>hocon/seed.conf</c> or <c>hocon/client.conf</c>), then <c>hocon/cluster.conf</c>. The role
/// files sit under the user's file but only set keys reference.conf leaves alone, so nothing of
/// theirs is shadowed.
/// </summary>
internal static class ClusterNodeConfig
{
    public const string SeedRole = "seed";
    public const string ClientRole = "client";

    /// <param name="loaded">The user's file over reference.conf (HfedmoeConfig.Load).</param>
    /// <param name="role"><see cref="SeedRole"/> or <see cref="ClientRole"/>.</param>
    /// <param name="host">The address this node binds and advertises; null: the role file's.</param>
    /// <param name="port">Its port (0: any free one); null: the role file's.</param>
    /// <param name="seeds">The seed nodes to join; empty: this node founds the cluster (itself as the only seed).</param>
    /// <param name="extra">More HOCON over everything (e.g. per-role member minimums), or null.</param>
    /// <param name="alsoKnown">With no <paramref name="seeds"/>: members this node saw before it
    /// restarted, listed after itself, so it rejoins their cluster if it still runs.</param>
    public static Config Build(Config loaded, string role, string? host, int? port, IReadOnlyList<NodeAddress> seeds, string? extra = null,
        Func<NodeAddress, IReadOnlyList<NodeAddress>>? alsoKnown = null)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(seeds);
        var layered = loaded.WithFallback(Embedded($"HFedMoE.{role}.conf")).WithFallback(Embedded("HFedMoE.cluster.conf"));
        var flags = new StringBuilder();
        if (host is not null)
        {
            flags.AppendLine(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.hostname = \"{host}\"");
        }
        if (port is not null)
        {
            flags.AppendLine(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.port = {port}");
        }
        IEnumerable<NodeAddress> seedList = seeds;
        if (seeds.Count == 0)
        {
            // Founding the cluster: this node is its own first seed (Akka's first seed node asks the
            // others listed after it, if any, before it founds a new cluster).
            var self = new NodeAddress(host ?? layered.GetString("akka.remote.dot-netty.tcp.hostname"), port ?? layered.GetInt("akka.remote.dot-netty.tcp.port"));
            seedList = [self, .. alsoKnown?.Invoke(self) ?? []];
        }
        // With TLS on Akka.Remote listens on akka.ssl.tcp only: a seed address on akka.tcp would never answer.
        bool tls = layered.GetBoolean($"{SecuritySettings.ConfigPath}.tls", false);
        flags.AppendLine(CultureInfo.InvariantCulture, $"akka.cluster.seed-nodes = [{string.Join(", ", seedList.Select(s => $"\"{s.AkkaAddress(tls)}\""))}]");
        if (extra is not null)
        {
            flags.AppendLine(extra);
        }
        return ConfigurationFactory.ParseString(flags.ToString()).WithFallback(layered);
    }

    private static Config Embedded(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}

/// <summary>A node's <c>host:port</c> as given on the command line.</summary>
internal sealed record NodeAddress(string Host, int Port)
{
    /// <summary>The node's Akka address: <c>akka.ssl.tcp://</c> when <paramref name="tls"/> (hfedmoe.security.tls), else <c>akka.tcp://</c>.</summary>
    public string AkkaAddress(bool tls) => string.Create(CultureInfo.InvariantCulture, $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{ClusterRoles.SystemName}@{Host}:{Port}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>Parses <c>host:port</c>; null and the reason when it is not one.</summary>
    public static NodeAddress? TryParse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            problem = $"expects host:port; got '{text}'";
            return null;
        }
        string host = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
        {
            problem = $"expects host:port with a port in 1..65535; got '{text}'";
            return null;
        }
        if (host.Any(c => char.IsWhiteSpace(c) || c is '"' or '/' or '@'))
        {
            problem = $"expects host:port with a host name or IP address; got '{text}'";
            return null;
        }
        problem = null;
        return new NodeAddress(host, port);
    }
}
