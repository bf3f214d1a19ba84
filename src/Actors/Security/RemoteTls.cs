using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace HFedMoE.Actors.Security;

/// <summary>
/// Mutual TLS on Akka.Remote's DotNetty transport from <see cref="SecuritySettings"/>: both ends
/// present a certificate, and a peer is accepted only if its certificate chains to the federation's
/// own CA (a custom trust root; with HOCON alone Akka checks against the OS trust store, which
/// refuses a private CA, and <c>CertificateValidation.PinnedCertificate</c> ignores chain errors).
/// Validation is never suppressed, and the host name is not checked (nodes are named by their
/// certificate, not their address). With TLS on, addresses use the <c>akka.ssl.tcp://</c> scheme.
/// </summary>
public static class RemoteTls
{
    /// <summary>The Akka keys TLS needs, which <see cref="Setup"/> lays over the configuration.</summary>
    public const string AkkaHocon = """
        akka.remote.dot-netty.tcp {
          enable-ssl = on
          ssl {
            suppress-validation = off
            require-mutual-authentication = on
            validate-certificate-hostname = off
          }
        }
        """;

    /// <summary>
    /// The setup to create a node's actor system with: <paramref name="config"/> (with the TLS keys
    /// on top when <c>hfedmoe.security.tls</c> is on) and, then, the node's certificate and the CA check.
    /// </summary>
    /// <exception cref="ConfigurationException">A missing file, or a certificate that cannot be read with its password (the message says which).</exception>
    public static ActorSystemSetup Setup(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var settings = SecuritySettings.FromConfig(config);
        if (!settings.Tls)
        {
            return ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        }
        var certificate = LoadCertificate(settings);
        var authority = LoadAuthority(settings.Authority);
        var ssl = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: TrustOnly(authority));
        return BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(AkkaHocon).WithFallback(config)).And(ssl);
    }

    /// <summary>Accepts a peer certificate only if it chains, revocation unchecked, to <paramref name="authority"/>.</summary>
    public static CertificateValidationCallback TrustOnly(X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        return (certificate, _, remotePeer, _, log) =>
        {
            if (certificate is null)
            {
                log?.Warning("TLS peer {0} presented no certificate", remotePeer);
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            bool built = chain.Build(certificate);
            bool ours = built && chain.ChainElements.Count > 1
                && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span);
            if (!ours)
            {
                string why = built ? "it is not signed by the federation's CA" : string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
                log?.Warning("TLS peer {0} refused: certificate {1} does not chain to the federation's CA {2}: {3}", remotePeer, certificate.Subject, authority.Subject, why);
            }
            return ours;
        };
    }

    private static X509Certificate2 LoadCertificate(SecuritySettings settings)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.Certificate, settings.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            if (!certificate.HasPrivateKey)
            {
                throw new ConfigurationException($"{SecuritySettings.ConfigPath}.certificate = \"{settings.Certificate}\" has no private key; a node needs its own key");
            }
            return certificate;
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{SecuritySettings.ConfigPath}.certificate = \"{settings.Certificate}\" cannot be read with {SecuritySettings.ConfigPath}.certificate-password: {e.Message}", e);
        }
    }

    private static X509Certificate2 LoadAuthority(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{SecuritySettings.ConfigPath}.ca = \"{path}\" is not a PEM certificate: {e.Message}", e);
        }
    }
}
