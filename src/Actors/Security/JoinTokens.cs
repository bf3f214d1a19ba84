using System.Security.Cryptography;
using System.Text;

namespace HFedMoE.Actors.Security;

/// <summary>
/// Per-client join tokens: a client's token is HMAC-SHA256 of its id under the server's secret, so
/// the server checks a claimed identity without a list of clients, and a token proves one id only.
/// <c>hfedmoe certs</c> makes the secret and every client's token.
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
}
