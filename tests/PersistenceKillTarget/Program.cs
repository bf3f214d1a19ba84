using System.Globalization;
using HFedMoE.PersistenceKillTarget;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Configuration;

// usage:
//   PersistenceKillTarget journal <db-file> <writers> <batch-size>
//   PersistenceKillTarget actor <db-file> <persistence-id>
if (args.Length >= 4 && args[0] == "journal")
{
    return await JournalWriter.RunAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
}
if (args.Length >= 3 && args[0] == "actor")
{
    var config = ConfigurationFactory.ParseString($"""
        hfedmoe.persistence.journal.sqlite.connection-string = "Data Source={args[1]}"
        hfedmoe.persistence.snapshot-store.sqlite.connection-string = "Data Source={args[1]}"
        """);
    using var system = ActorSystem.Create("killtarget", config);
    var pid = args[2];
    system.ActorOf(Props.Create(() => new CountingActor(pid)), "counter");
    await system.WhenTerminated;
    return 0;
}
await Console.Error.WriteLineAsync("usage: PersistenceKillTarget journal <db-file> <writers> <batch-size> | actor <db-file> <persistence-id>");
return 2;
