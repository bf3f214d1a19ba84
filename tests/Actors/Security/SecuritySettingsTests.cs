using Akka.Configuration;
using HFedMoE.Actors.Security;

namespace HFedMoE.Actors.Tests.Security;

/// <summary>The join identity of hfedmoe.security: a server's secret file and a client's token.</summary>
public sealed class SecuritySettingsTests
{
    private static SecuritySettings Read(string hocon) => SecuritySettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Without_a_join_secret_client_ids_are_trusted_and_with_one_the_tokens_are_its()
    {
        Assert.Null(Read("hfedmoe.security.tls = off").Tokens());
        Assert.Equal("tok", Read("hfedmoe.security.join-token = tok").JoinToken);

        string file = Path.GetTempFileName();
        try
        {
            var secret = JoinTokens.NewSecret();
            File.WriteAllText(file, Convert.ToBase64String(secret) + "\n");
            var tokens = Read($"hfedmoe.security.join-secret = \"{file}\"").Tokens();
            Assert.NotNull(tokens);
            Assert.True(tokens.Verify("c0", new JoinTokens(secret).Issue("c0")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_join_secret_naming_no_file_is_an_error_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationException>(() => Read("hfedmoe.security.join-secret = \"/nonexistent/join-secret\""));
        Assert.StartsWith("hfedmoe.security.join-secret = \"/nonexistent/join-secret\": no such file", e.Message, StringComparison.Ordinal);
    }
}
