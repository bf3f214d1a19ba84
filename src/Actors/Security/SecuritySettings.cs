using Akka.Configuration;

namespace HFedMoE.Actors.Security;

/// <summary>
/// Transport security of a node, from <c>hfedmoe.security</c>: mutual TLS on Akka.Remote with the
/// node's PKCS#12 <see cref="Certificate"/> (key and chain, under <see cref="CertificatePassword"/>),
/// accepting only peers whose certificate chains to the PEM <see cref="Authority"/>.
/// </summary>
public sealed record SecuritySettings(bool Tls, string Certificate, string CertificatePassword, string Authority)
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
            section.GetString("ca", "") ?? "");
        if (settings.Tls)
        {
            Require(settings.Certificate, $"{path}.certificate", "the node's PKCS#12 file (hfedmoe certs writes one per node)");
            Require(settings.Authority, $"{path}.ca", "the PEM certificate of the federation's CA (ca.crt from hfedmoe certs)");
        }
        return settings;
    }

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
