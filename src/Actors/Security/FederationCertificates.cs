using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HFedMoE.Actors.Security;

/// <summary>
/// A private certificate authority and the node certificates of one federation, made with
/// .NET's <see cref="CertificateRequest"/> (no openssl): RSA-2048, each node certificate valid for
/// both TLS server and client authentication (every Akka.Remote node is both), with the subject
/// <c>CN={name}</c> and the alternative names <c>localhost</c>, <c>127.0.0.1</c> and any given
/// hosts. <see cref="Write"/> lays out what <see cref="RemoteTls"/> reads.
/// </summary>
public static class FederationCertificates
{
    public const string CaFile = "ca.crt";
    public const string ServerName = "server";

    /// <summary>A new self-signed CA (<c>CN={name}</c>) able to sign node certificates, valid for <paramref name="validity"/>.</summary>
    public static X509Certificate2 CreateAuthority(string name, TimeSpan validity)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        return request.CreateSelfSigned(now, now + validity);
    }

    /// <summary>A node certificate <c>CN={name}</c> signed by <paramref name="authority"/> (which must hold its private key), with its own private key.</summary>
    public static X509Certificate2 CreateNode(X509Certificate2 authority, string name, IEnumerable<string> hosts, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        // A node accepts connections and opens them: without clientAuth it is refused as a client (NotValidForUsage).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (string host in hosts.Prepend("127.0.0.1").Prepend("localhost").Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(host, out var ip))
            {
                names.AddIpAddress(ip);
            }
            else
            {
                names.AddDnsName(host);
            }
        }
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = now + validity < authority.NotAfter ? now + validity : authority.NotAfter;
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(authority, now, notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Writes into <paramref name="directory"/>: <c>ca.crt</c> (PEM, every node trusts it),
    /// <c>server.pfx</c> and <c>{client}.pfx</c> for each client (PKCS#12 with the key and the CA,
    /// under <paramref name="password"/>). The CA's private key is not kept: to add a node later,
    /// make a new set. Returns the files written.
    /// </summary>
    /// <exception cref="ArgumentException">A client id that is empty, repeated, <c>server</c>, or not a plain file name.</exception>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<string> clients, string password, IEnumerable<string> hosts, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(password);
        var hostList = hosts.ToList();
        foreach (string id in clients)
        {
            if (string.IsNullOrWhiteSpace(id) || id.IndexOfAny([.. Path.GetInvalidFileNameChars(), ',', '=', '"']) >= 0 || id is "." or "..")
            {
                throw new ArgumentException($"client id '{id}' cannot name a certificate: use letters, digits, '-', '_' or '.'", nameof(clients));
            }
            if (id == ServerName)
            {
                throw new ArgumentException($"client id '{ServerName}' is the server's certificate; choose another", nameof(clients));
            }
        }
        if (clients.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"client id '{twice.Key}' is given twice", nameof(clients));
        }
        Directory.CreateDirectory(directory);
        using var ca = CreateAuthority("HFedMoE federation CA", validity);
        var written = new List<string>();
        string caPath = Path.Combine(directory, CaFile);
        File.WriteAllText(caPath, ca.ExportCertificatePem() + "\n");
        written.Add(caPath);
        foreach (string name in clients.Prepend(ServerName))
        {
            using var node = CreateNode(ca, name, hostList, validity);
            var bundle = new X509Certificate2Collection { node, X509CertificateLoader.LoadCertificate(ca.RawData) };
            string path = Path.Combine(directory, name + ".pfx");
            File.WriteAllBytes(path, bundle.Export(X509ContentType.Pkcs12, password)!);
            written.Add(path);
        }
        return written;
    }
}
