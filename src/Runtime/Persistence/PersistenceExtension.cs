using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Per-ActorSystem persistence: the journals and snapshot stores named in config (created on
/// first use, closed when the system terminates), the serializer registry and the recovery
/// permits. <c>PersistenceExtension.Get(system)</c>.
/// </summary>
public sealed class PersistenceExtension
{
    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, Lazy<IJournal>> _journals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<ISnapshotStore>> _snapshotStores = new(StringComparer.Ordinal);

    private PersistenceExtension(ActorSystem system)
    {
        _system = system;
        Serializers = SerializerRegistry.CreateDefault();
        Permitter = new RecoveryPermitter(system.Config.GetInt("hfedmoe.persistence.max-concurrent-recoveries", 50));
        system.WhenTerminated.ContinueWith(_ => CloseAll(), TaskScheduler.Default);
    }

    public SerializerRegistry Serializers { get; }

    internal RecoveryPermitter Permitter { get; }

    public static PersistenceExtension Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.GetOrAddExtension(s => new PersistenceExtension(s));
    }

    /// <summary>The journal of <paramref name="pluginId"/> (null: <c>hfedmoe.persistence.journal.plugin</c>).</summary>
    public IJournal Journal(string? pluginId = null)
    {
        var id = pluginId ?? _system.Config.GetString(PersistencePlugins.JournalPluginPath);
        return _journals.GetOrAdd(id, key => new Lazy<IJournal>(() => PersistencePlugins.CreateJournal(_system.Config, Serializers, key))).Value;
    }

    /// <summary>The snapshot store of <paramref name="pluginId"/> (null: <c>hfedmoe.persistence.snapshot-store.plugin</c>).</summary>
    public ISnapshotStore SnapshotStore(string? pluginId = null)
    {
        var id = pluginId ?? _system.Config.GetString(PersistencePlugins.SnapshotPluginPath);
        return _snapshotStores.GetOrAdd(id, key => new Lazy<ISnapshotStore>(() => PersistencePlugins.CreateSnapshotStore(_system.Config, Serializers, key))).Value;
    }

    /// <summary>Uses <paramref name="journal"/> for <paramref name="pluginId"/> instead of building one from config (custom stores, fault injection in tests).</summary>
    public void RegisterJournal(string pluginId, IJournal journal)
    {
        if (!_journals.TryAdd(pluginId, new Lazy<IJournal>(journal)))
        {
            throw new InvalidOperationException($"journal plugin '{pluginId}' is already in use; register it before the first persistent actor uses it");
        }
    }

    /// <summary>Uses <paramref name="store"/> for <paramref name="pluginId"/> instead of building one from config.</summary>
    public void RegisterSnapshotStore(string pluginId, ISnapshotStore store)
    {
        if (!_snapshotStores.TryAdd(pluginId, new Lazy<ISnapshotStore>(store)))
        {
            throw new InvalidOperationException($"snapshot-store plugin '{pluginId}' is already in use; register it before the first persistent actor uses it");
        }
    }

    internal TimeSpan RecoveryEventTimeout(string? pluginId) => PersistencePlugins.RecoveryEventTimeout(_system.Config, pluginId);

    private async Task CloseAll()
    {
        foreach (var j in _journals.Values.Where(l => l.IsValueCreated))
        {
            await j.Value.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var s in _snapshotStores.Values.Where(l => l.IsValueCreated))
        {
            await s.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
