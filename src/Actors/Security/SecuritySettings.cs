using Akka.Configuration;

namespace HFedMoE.Actors.Security;

/// <summary>
/// Transport security of a node, from <c>hfedmoe.security</c>: mutual TLS on Akka.Remote with the
/// node's PKCS#12 <see cref="Certificate"/> (key and chain, under <see cref="CertificatePassword"/>),
/// accepting only peers whose certificate chains to the PEM <see cref="Authority"/>; and the
/// join identity on top of it: a server's <see cref="JoinSecret"/> file (base64, from
/// <c>hfedmoe certs</c>), a client's <see cref="JoinToken"/> ("" when not set).
/// </summary>
public sealed record SecuritySettings(bool Tls, string Certificate, string CertificatePassword, string Authority, string JoinSecret = "", string JoinToken = "")
{
    public const string ConfigPath = "hfedmoe.security";

    /// <exception cref="ConfigurationException">TLS on without a certificate or CA, or a file that does not exist, naming the key.</exception>
    public static SecuritySettings FromConfig(Config config, string path = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetConfig(path);
        if (section is null || section.IsEmpty)
        {
            return new SecuritySettings(false, "", "", "");
        }
        var settings = new SecuritySettings(
            section.GetBoolean("tls", false),
            section.GetString("certificate", "") ?? "",
            section.GetString("certificate-password", "") ?? "",
            section.GetString("ca", "") ?? "",
            section.GetString("join-secret", "") ?? "",
            section.GetString("join-token", "") ?? "");
        if (settings.Tls)
        {
            Require(settings.Certificate, $"{path}.certificate", "the node's PKCS#12 file (hfedmoe certs writes one per node)");
            Require(settings.Authority, $"{path}.ca", "the PEM certificate of the federation's CA (ca.crt from hfedmoe certs)");
        }
        if (settings.JoinSecret.Length > 0 && !File.Exists(settings.JoinSecret))
        {
            throw new ConfigurationException($"{path}.join-secret = \"{settings.JoinSecret}\": no such file; it must name the federation's join secret (the join-secret file from hfedmoe certs), or be \"\" to trust client ids");
        }
        return settings;
    }

    /// <summary>The join tokens of <see cref="JoinSecret"/>; null when no secret is configured (client ids are then trusted).</summary>
    /// <exception cref="InvalidDataException">The file does not hold base64 text.</exception>
    /// <exception cref="ArgumentException">The secret is shorter than 16 bytes.</exception>
    public JoinTokens? Tokens() => JoinSecret.Length == 0 ? null : JoinTokens.FromFile(JoinSecret);

    private static void Require(string file, string key, string what)
    {
        if (file.Length == 0)
        {
            throw new ConfigurationException($"{key} is empty; with hfedmoe.security.tls = on it must name {what}");
        }
        if (!File.Exists(file))
        {
            throw new ConfigurationException($"{key} = \"{file}\": no such file; it must name {what}");
        }
    }
}
