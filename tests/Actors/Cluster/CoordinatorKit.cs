using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Security;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests.Cluster;

/// <summary>
/// A <see cref="RoundCoordinator"/> of the tiny federation on a one-node cluster over loopback:
/// the test's own system is a member with roles <c>server</c> and <c>client</c>, so the
/// coordinator asks this node's <c>/user/client-gateway</c> as it asks any client node. Its
/// report lines go to <see cref="Reports"/>. <see cref="StartMember"/> adds more client nodes
/// (systems of the same name on loopback), each terminated after the test.
/// </summary>
public abstract class CoordinatorKit() : FederationTestKit(Hocon(ClusterRoles.Server, ClusterRoles.Client))
{
    private readonly List<ActorSystem> _members = [];

    protected JoinTokens Tokens { get; } = new(JoinTokens.NewSecret());

    protected TestProbe Reports { get; private set; } = null!;

    protected IActorRef Coordinator { get; private set; } = null!;

    /// <summary>The coordinator's round manager (its child), with the test subscribed to its round outcomes on <paramref name="outcomes"/>.</summary>
    protected IActorRef Manager(TestProbe outcomes)
    {
        var manager = Sys.ActorSelection(Coordinator.Path / "round-manager").ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        manager.Tell(new SubscribeRounds(outcomes.Ref), TestActor);
        return manager;
    }

    /// <summary>Starts the coordinator (<paramref name="rounds"/> rounds once <paramref name="minClients"/> are registered) and joins this node to itself.</summary>
    protected void Start(JoinTokens? tokens, int minClients = 1, TimeSpan? identifyInterval = null, int rounds = 1)
    {
        Reports = CreateTestProbe();
        var reports = Reports.Ref;
        var setup = new CoordinatorSetup(
            StrategyFactory.HFedMoE, TinyFederation.Options, TinyFederation.Initial(),
            new RoundSettings { Deadline = TimeSpan.FromMinutes(2), MinClients = minClients }, UpdateSpool.InMemory(),
            TargetRounds: rounds, MinClients: minClients, Tokens: tokens, IdentifyInterval: identifyInterval);
        Coordinator = Sys.ActorOf(RoundCoordinator.Props(setup, line => reports.Tell(line)), "coordinator");
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
    }

    /// <summary>The next report line that starts with <paramref name="prefix"/> (earlier ones are skipped).</summary>
    protected string Report(string prefix) =>
        Reports.FishForMessage<string>(l => l.StartsWith(prefix, StringComparison.Ordinal), TimeSpan.FromSeconds(30));

    protected RoundStatus Status(IActorRef manager)
    {
        manager.Tell(GetRoundStatus.Instance, TestActor);
        return ExpectMsg<RoundStatus>();
    }

    /// <summary>The proof a gateway holding <paramref name="token"/> would send for <paramref name="client"/> to this coordinator's <paramref name="ask"/>.</summary>
    protected static string Proof(string token, IdentifyClient ask, IActorRef client) =>
        JoinTokens.Prove(token, ask.Challenge, Akka.Serialization.Serialization.SerializedActorPath(client));

    /// <summary>
    /// Another client node: a system of the test's name on loopback with role <c>client</c>,
    /// whose <c>/user/client-gateway</c> is made by <paramref name="gateway"/> before it joins
    /// this node's cluster (so the coordinator's first question finds it).
    /// </summary>
    protected ActorSystem StartMember(Func<ActorSystem, Props> gateway)
    {
        string dir = Path.Combine(Path.GetTempPath(), "hfedmoe-member-" + Guid.NewGuid().ToString("N"));
        var system = ActorSystem.Create(Sys.Name, HfedmoeConfig.ActorSystemConfig(ConfigurationFactory.ParseString(Hocon(ClusterRoles.Client)), dir).WithFallback(Akka.TestKit.Xunit2.TestKit.DefaultConfig));
        _members.Add(system);
        system.ActorOf(gateway(system), ClusterRoles.GatewayName);
        Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(Sys).SelfAddress);
        return system;
    }

    /// <summary>The model of the tiny federation's strategy after round 0 with <paramref name="updates"/> from <paramref name="participants"/>.</summary>
    protected static GlobalModel Pure(IReadOnlyList<ClientProfile> participants, IReadOnlyList<SparseUpdate> updates)
    {
        var strategy = TinyFederation.Strategy();
        strategy.ConfigureTrain(0, TinyFederation.Initial(), participants);
        return strategy.AggregateTrain(0, updates, []).Model;
    }

    protected override void AfterAll()
    {
        foreach (var member in _members)
        {
            member.Terminate().Wait(TimeSpan.FromSeconds(30));
        }
        base.AfterAll();
    }

    private static string Hocon(params string[] roles) => $$"""
        {{InMemoryPersistence}}
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 0
          tcp-reuse-addr = off
        }
        akka.cluster.roles = [{{string.Join(", ", roles)}}]
        akka.cluster.min-nr-of-members = 1
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.test.single-expect-default = 10s
        """;
}

/// <summary>A stand-in gateway: passes what it gets (the coordinator's questions and answers) on to a probe, which answers as the test likes.</summary>
internal sealed class RelayGateway : ReceiveActor
{
    public RelayGateway(IActorRef to) => ReceiveAny(m => to.Forward(m));

    public static Props Props(IActorRef to) => ActorFactory<RelayGateway>.Props(() => new RelayGateway(to));
}
