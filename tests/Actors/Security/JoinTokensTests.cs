using HFedMoE.Actors.Security;

namespace HFedMoE.Actors.Tests.Security;

/// <summary>A join proof holds for its id's token, the challenge it answers and the actor it names, and for nothing else.</summary>
public sealed class JoinTokensTests
{
    private const string Path = "akka.tcp://hfedmoe@127.0.0.1:4054/user/client#17";

    private readonly JoinTokens _tokens = new(JoinTokens.NewSecret());

    [Fact]
    public void A_proof_verifies_only_for_its_id_challenge_and_actor()
    {
        string proof = JoinTokens.Prove(_tokens.Issue("c0"), "challenge", Path);

        Assert.True(_tokens.VerifyProof("c0", "challenge", Path, proof));
        Assert.False(_tokens.VerifyProof("c1", "challenge", Path, proof));
        Assert.False(_tokens.VerifyProof("c0", "another challenge", Path, proof));
        Assert.False(_tokens.VerifyProof("c0", "challenge", "akka.tcp://hfedmoe@127.0.0.1:4055/user/client#17", proof));
        Assert.False(_tokens.VerifyProof("c0", "challenge", Path, ""));
        Assert.False(_tokens.VerifyProof("c0", "challenge", Path, null));
        Assert.False(new JoinTokens(JoinTokens.NewSecret()).VerifyProof("c0", "challenge", Path, proof));
        Assert.NotEqual(_tokens.Issue("c0"), proof);
    }
}
