using System.Collections.Concurrent;
using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Actor.Dispatch;

/// <summary>
/// Looks up dispatchers by id. An id is a config path (<c>hfedmoe.actor.dedicated-dispatcher</c>)
/// or a name under <c>hfedmoe.actor</c> (<c>dedicated-dispatcher</c>); each is created once per
/// actor system from its section:
/// <c>type = thread-pool | dedicated-threads</c>, <c>throughput</c>, <c>thread-count</c>.
/// </summary>
public sealed class Dispatchers
{
    /// <summary>The id of the dispatcher used when Props name none.</summary>
    public const string DefaultDispatcherId = "hfedmoe.actor.default-dispatcher";

    private const string ActorSection = "hfedmoe.actor.";

    private readonly Config _config;
    private readonly string _systemName;
    private readonly ConcurrentDictionary<string, MessageDispatcher> _byId = new(StringComparer.Ordinal);
    private readonly object _createGate = new();

    internal Dispatchers(Config config, string systemName)
    {
        _config = config;
        _systemName = systemName;
        DefaultDispatcher = Lookup(DefaultDispatcherId);
    }

    public MessageDispatcher DefaultDispatcher { get; }

    /// <summary>The dispatcher for <paramref name="id"/>; null or empty means the default one.</summary>
    /// <exception cref="ConfigurationException">No section defines <paramref name="id"/>, or its type is unknown.</exception>
    public MessageDispatcher Lookup(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return DefaultDispatcher;
        }
        if (_byId.TryGetValue(id, out var existing))
        {
            return existing;
        }
        lock (_createGate)
        {
            if (_byId.TryGetValue(id, out existing))
            {
                return existing;
            }
            var created = Create(id);
            _byId[id] = created;
            // Both spellings of the id share one instance (and one set of threads).
            _byId[created.Id] = created;
            return created;
        }
    }

    internal void ShutdownAll()
    {
        foreach (var d in _byId.Values.Distinct())
        {
            d.Shutdown();
        }
    }

    private MessageDispatcher Create(string id)
    {
        string path = _config.HasPath(id) ? id
            : _config.HasPath(ActorSection + id) ? ActorSection + id
            : throw new ConfigurationException($"Dispatcher [{id}] is not configured: expected a section at '{id}' or '{ActorSection}{id}' with type = thread-pool | dedicated-threads");
        if (_byId.TryGetValue(path, out var same))
        {
            return same;
        }
        var section = _config.GetConfig(path);
        string type = section.GetString("type");
        int throughput = section.GetInt("throughput");
        string shortName = path.StartsWith(ActorSection, StringComparison.Ordinal) ? path[ActorSection.Length..] : path;
        return type switch
        {
            "thread-pool" => new ThreadPoolDispatcher(path, throughput),
            "dedicated-threads" => new DedicatedThreadDispatcher(path, throughput, section.GetInt("thread-count"), _systemName + "-" + shortName),
            _ => throw new ConfigurationException($"Dispatcher [{path}] has unknown type '{type}': expected thread-pool or dedicated-threads"),
        };
    }
}
