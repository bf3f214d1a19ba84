using HFedMoE.Actors.Rounds;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Simulation;

public sealed class RoundHistoryTests
{
    [Fact]
    public void Client_registrations_in_the_journal_are_skipped_not_refused()
    {
        object[] events =
        [
            new ClientRegistered(new ClientProfile("client-0", 10, 4, "b4"), "hfedmoe://sys/user/client-0"),
            new RoundStarted(0, 0, ["client-0"], ["plan-digest"]),
            new UpdateAccepted(0, "client-0", "update-digest"),
            new RoundCommitted(0, 1, "model-digest", new Dictionary<string, double> { ["updates.accepted"] = 1 }, []),
        ];

        var rounds = RoundHistory.Fold(events);

        var round = Assert.Single(rounds);
        Assert.Equal("committed", round.Outcome);
        Assert.Equal("model-digest", round.ModelDigest);
        Assert.Equal([("client-0", "update-digest")], round.Accepted);
    }

    [Fact]
    public void An_event_that_is_not_a_round_manager_event_is_named()
    {
        var e = Assert.Throws<InvalidOperationException>(() => RoundHistory.Fold(["not an event"]));
        Assert.Contains("String", e.Message, StringComparison.Ordinal);
    }
}
