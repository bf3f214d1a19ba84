using System.Security.Cryptography;
using System.Text;

namespace HFedMoE.Actors.Security;

/// <summary>
/// Per-client join tokens: a client's token is HMAC-SHA256 of its id under the server's secret, so
/// the server checks a claimed identity without a list of clients, and a token proves one id only.
/// <c>hfedmoe certs</c> makes the secret and every client's token. On the cluster path the token
/// itself never leaves the client node: its gateway answers the round coordinator's challenge with
/// a <see cref="Prove">proof</see> bound to the challenge and to the client actor's path, so a
/// node that asks another node's gateway learns nothing it could register its own actor with.
/// </summary>
public sealed class JoinTokens
{
    private readonly byte[] _secret;

    public JoinTokens(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 16)
        {
            throw new ArgumentException($"a join secret needs at least 16 bytes; got {secret.Length}", nameof(secret));
        }
        _secret = (byte[])secret.Clone();
    }

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The secret stored as base64 text in <paramref name="file"/> (as <c>hfedmoe certs</c> writes it).</summary>
    /// <exception cref="InvalidDataException">The file does not hold base64 text.</exception>
    public static JoinTokens FromFile(string file)
    {
        string text = File.ReadAllText(file).Trim();
        try
        {
            return new JoinTokens(Convert.FromBase64String(text));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"join secret {file} is not base64 text: {e.Message}", e);
        }
    }

    public string Issue(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return Convert.ToBase64String(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes("hfedmoe-join:" + clientId)));
    }

    /// <summary>True if <paramref name="token"/> is <paramref name="clientId"/>'s (compared in constant time).</summary>
    public bool Verify(string clientId, string? token)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (token is null)
        {
            return false;
        }
        byte[] expected = Encoding.ASCII.GetBytes(Issue(clientId));
        byte[] given = Encoding.ASCII.GetBytes(token);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>
    /// What a holder of <paramref name="token"/> answers <paramref name="challenge"/> with to join
    /// with the actor at <paramref name="clientPath"/> (its full serialized path, with address and
    /// uid): HMAC-SHA256 under the token, so only the token's holder can make it, and it registers
    /// that actor only.
    /// </summary>
    public static string Prove(string token, string challenge, string clientPath)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(clientPath);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes($"hfedmoe-gateway:{challenge}\n{clientPath}")));
    }

    /// <summary>True if <paramref name="proof"/> is <see cref="Prove"/> of <paramref name="clientId"/>'s token (compared in constant time).</summary>
    public bool VerifyProof(string clientId, string challenge, string clientPath, string? proof)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (proof is null)
        {
            return false;
        }
        byte[] expected = Encoding.ASCII.GetBytes(Prove(Issue(clientId), challenge, clientPath));
        byte[] given = Encoding.ASCII.GetBytes(proof);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
