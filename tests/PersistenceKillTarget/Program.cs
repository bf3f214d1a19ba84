using Akka.Actor;
using HFedMoE.Actors.Configuration;
using HFedMoE.PersistenceKillTarget;

// usage: PersistenceKillTarget <data-dir> <persistence-id> [config-file]
//   The journal is the one HFedMoE's configuration selects (SQLite files in <data-dir> by
//   default; a config file may pick PostgreSQL).
if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: PersistenceKillTarget <data-dir> <persistence-id> [config-file]");
    return 2;
}
var config = HfedmoeConfig.ActorSystemConfig(HfedmoeConfig.Load(args.Length > 2 ? args[2] : null), args[0]);
using var system = ActorSystem.Create("killtarget", config);
string pid = args[1];
system.ActorOf(Props.Create(() => new CountingActor(pid)), "counter");
await system.WhenTerminated;
return 0;
