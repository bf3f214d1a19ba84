using Akka.Actor;
using Akka.Cluster;
using static Akka.Cluster.ClusterEvent;

namespace HFedMoE.Actors.Cluster;

/// <summary>
/// Reports every membership and reachability change this node sees as one line (<c>member up:
/// akka.tcp://hfedmoe@127.0.0.1:4053 [server]</c>), for the <c>seed</c> and <c>client</c> commands.
/// </summary>
public sealed class MembershipLog : ReceiveActor
{
    public MembershipLog(Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Receive<MemberUp>(m => report($"member up: {Describe(m.Member)}"));
        Receive<MemberJoined>(m => report($"member joining: {Describe(m.Member)}"));
        Receive<MemberLeft>(m => report($"member leaving: {Describe(m.Member)}"));
        Receive<MemberExited>(m => report($"member exited: {Describe(m.Member)}"));
        Receive<MemberDowned>(m => report($"member downed: {Describe(m.Member)}"));
        Receive<MemberRemoved>(m => report($"member removed: {Describe(m.Member)}"));
        Receive<UnreachableMember>(m => report($"member unreachable: {Describe(m.Member)}"));
        Receive<ReachableMember>(m => report($"member reachable again: {Describe(m.Member)}"));
        Receive<IMemberEvent>(_ => { });
    }

    public static Props Props(Action<string> report) => ActorFactory<MembershipLog>.Props(() => new MembershipLog(report));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsEvents, typeof(IMemberEvent), typeof(IReachabilityEvent));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private static string Describe(Member member) =>
        $"{member.Address} [{string.Join(", ", member.Roles.Order(StringComparer.Ordinal))}]";
}
