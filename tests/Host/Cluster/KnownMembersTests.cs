using Akka.Configuration;
using HFedMoE.Actors.Cluster;
using HFedMoE.Host.Cluster;

namespace HFedMoE.Host.Tests.Cluster;

/// <summary>
/// What a restarted seed lists as seed nodes: itself first (so it founds the cluster when nobody
/// answers), then the members it last saw, read from its data folder.
/// </summary>
public sealed class KnownMembersTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-known-members-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void The_file_gives_the_other_members_and_skips_itself_and_lines_that_are_not_host_and_port()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, KnownMembers.FileName),
            "127.0.0.1:4061\n127.0.0.1:4053\nnot an address\n127.0.0.1:99999\n:4062\n10.0.0.7:4062\n");

        var known = SeedNode.KnownMembersOf(_dir.FullName, new NodeAddress("127.0.0.1", 4053));

        Assert.Equal([new NodeAddress("127.0.0.1", 4061), new NodeAddress("10.0.0.7", 4062)], known);
        Assert.Empty(SeedNode.KnownMembersOf(Path.Combine(_dir.FullName, "nothing-here"), new NodeAddress("127.0.0.1", 4053)));
    }

    [Fact]
    public void A_seed_without_join_is_its_own_first_seed_followed_by_the_members_it_knew()
    {
        NodeAddress? askedFor = null;
        var config = ClusterNodeConfig.Build(ConfigurationFactory.Empty, ClusterNodeConfig.SeedRole, "127.0.0.1", 4053, [], null,
            self => { askedFor = self; return [new NodeAddress("127.0.0.1", 4061)]; });

        Assert.Equal(new NodeAddress("127.0.0.1", 4053), askedFor);
        Assert.Equal(["akka.tcp://hfedmoe@127.0.0.1:4053", "akka.tcp://hfedmoe@127.0.0.1:4061"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void A_seed_told_whom_to_join_lists_only_those()
    {
        bool asked = false;
        var config = ClusterNodeConfig.Build(ConfigurationFactory.Empty, ClusterNodeConfig.SeedRole, "127.0.0.1", 4056, [new NodeAddress("127.0.0.1", 4053)], null,
            _ => { asked = true; return []; });

        Assert.False(asked);
        Assert.Equal(["akka.tcp://hfedmoe@127.0.0.1:4053"], config.GetStringList("akka.cluster.seed-nodes"));
    }
}
