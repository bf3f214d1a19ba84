using System.Text;
using Akka.Actor;
using Akka.Cluster;
using static Akka.Cluster.ClusterEvent;

namespace HFedMoE.Actors.Cluster;

/// <summary>
/// The addresses of the other members a server node last saw up, kept in a file of its data
/// folder (one <c>host:port</c> per line, replaced atomically on every change). A seed restarted
/// after a crash lists them after itself as seed nodes, so Akka's first-seed process asks them to
/// let it in and it rejoins the cluster its clients still form, instead of founding a new, empty
/// one; when none answers within <c>seed-node-timeout</c> (a run that ended, a fresh start) it
/// founds the cluster as before.
/// </summary>
public sealed class KnownMembers : ReceiveActor
{
    /// <summary>The file's name in the data folder.</summary>
    public const string FileName = "cluster-members.txt";

    private readonly string _file;
    private readonly SortedSet<string> _up = new(StringComparer.Ordinal);
    private Address? _self;

    public KnownMembers(string dataDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        _file = Path.Combine(dataDir, FileName);
        Receive<MemberUp>(m => Change(m.Member.Address, up: true));
        Receive<MemberRemoved>(m => Change(m.Member.Address, up: false));
        Receive<IMemberEvent>(_ => { });
    }

    public static Props Props(string dataDir) => ActorFactory<KnownMembers>.Props(() => new KnownMembers(dataDir));

    protected override void PreStart()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        _self = cluster.SelfAddress;
        cluster.Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsEvents, typeof(MemberUp), typeof(MemberRemoved));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Change(Address address, bool up)
    {
        if (address.Equals(_self) || address.Host is null || address.Port is null)
        {
            return;
        }
        string entry = $"{address.Host}:{address.Port}";
        if (!(up ? _up.Add(entry) : _up.Remove(entry)))
        {
            return;
        }
        // Replaced, never rewritten in place: a node killed mid-write leaves the previous list.
        string temporary = _file + ".tmp";
        File.WriteAllText(temporary, string.Concat(_up.Select(e => e + "\n")), new UTF8Encoding(false));
        File.Move(temporary, _file, overwrite: true);
    }
}
