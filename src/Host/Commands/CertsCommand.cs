using System.CommandLine;
using System.Security.Cryptography;
using HFedMoE.Actors.Security;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe certs --out DIR --clients a,b,c</c>: a federation's private CA, the server's and
/// each client's certificate (<see cref="FederationCertificates"/>), the server's join secret,
/// and one HOCON file per node (<c>server.conf</c>, <c>{client}.conf</c>) that turns mutual TLS
/// on with that node's files and sets its join secret or token; pass it as the node's --config
/// (or merge it into one). The .conf, .pfx and secret files are readable by their owner only.
/// </summary>
internal static class CertsCommand
{
    public const string SecretFile = "join-secret";

    public static Command Build(CliContext context)
    {
        var output = CliOptions.Path("--out", null, "folder to write the CA, the certificates and the per-node HOCON files into");
        output.Required = true;
        var clients = new Option<string>("--clients") { Description = "client ids, comma-separated (each gets its certificate, token and HOCON file)", Required = true };
        var hosts = new Option<string>("--hosts") { Description = "extra host names or IP addresses the certificates are valid for, comma-separated (localhost and 127.0.0.1 always are)", DefaultValueFactory = _ => "" };
        var days = CliOptions.Int("--days", 365, 1, "days the certificates stay valid", 3650);
        var command = new Command("certs", "make a private CA, server and client certificates for mutual TLS, join tokens, and a HOCON file per node") { output, clients, hosts, days };
        command.SetAction(parse =>
        {
            string dir = Path.GetFullPath(parse.GetValue(output)!);
            var ids = Split(parse.GetValue(clients)!);
            if (ids.Count == 0)
            {
                context.Error.WriteLine("certs: --clients names no client; give ids such as a,b,c");
                return HfedmoeCli.UsageError;
            }
            string password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            IReadOnlyList<string> written;
            try
            {
                written = FederationCertificates.Write(dir, ids, password, Split(parse.GetValue(hosts)!), TimeSpan.FromDays(parse.GetValue(days)));
            }
            catch (ArgumentException e)
            {
                context.Error.WriteLine($"certs: {e.Message.Split(" (Parameter", 2)[0]}");
                return HfedmoeCli.UsageError;
            }
            var secret = JoinTokens.NewSecret();
            var tokens = new JoinTokens(secret);
            string secretPath = Path.Combine(dir, SecretFile);
            WritePrivate(secretPath, Convert.ToBase64String(secret) + "\n");
            WritePrivate(Path.Combine(dir, "server.conf"), Hocon(dir, FederationCertificates.ServerName, password, $"join-secret = {Quote(secretPath)}"));
            foreach (string id in ids)
            {
                WritePrivate(Path.Combine(dir, id + ".conf"), Hocon(dir, id, password, $"join-token = {Quote(tokens.Issue(id))}"));
            }
            foreach (string pfx in written.Where(f => f.EndsWith(".pfx", StringComparison.Ordinal)))
            {
                Restrict(pfx);
            }
            context.Out.WriteLine($"wrote {FederationCertificates.CaFile}, server.pfx, {string.Join(", ", ids.Select(i => i + ".pfx"))}, {SecretFile}, server.conf and {string.Join(", ", ids.Select(i => i + ".conf"))} to {dir}");
            context.Out.WriteLine("each node runs with --config DIR/<node>.conf; with TLS on, addresses (seed nodes too) are akka.ssl.tcp://");
            return HfedmoeCli.Success;
        });
        return command;
    }

    private static List<string> Split(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string Hocon(string dir, string node, string password, string identity) => $$"""
        # Mutual TLS and the join identity of node '{{node}}' (made by hfedmoe certs).
        hfedmoe.security {
          tls = on
          certificate = {{Quote(Path.Combine(dir, node + ".pfx"))}}
          certificate-password = {{Quote(password)}}
          ca = {{Quote(Path.Combine(dir, FederationCertificates.CaFile))}}
          {{identity}}
        }

        """;

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static void WritePrivate(string path, string text)
    {
        File.WriteAllText(path, text);
        Restrict(path);
    }

    private static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
