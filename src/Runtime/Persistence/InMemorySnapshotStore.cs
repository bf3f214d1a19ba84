using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>Snapshot store in process memory (tests); snapshots are serialized like in the SQL stores.</summary>
public sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<long, (SnapshotMetadata Metadata, SerializedPayload Payload)>> _snapshots = new(StringComparer.Ordinal);
    private readonly SerializerRegistry _serializers;

    public InMemorySnapshotStore(SerializerRegistry serializers)
    {
        _serializers = serializers;
    }

    public Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var payload = _serializers.Serialize(snapshot);
        lock (_gate)
        {
            if (!_snapshots.TryGetValue(metadata.PersistenceId, out var perId))
            {
                _snapshots[metadata.PersistenceId] = perId = new();
            }
            perId[metadata.SequenceNr] = (metadata, payload);
        }
        return Task.CompletedTask;
    }

    public Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        (SnapshotMetadata Metadata, SerializedPayload Payload)? found = null;
        lock (_gate)
        {
            if (_snapshots.TryGetValue(persistenceId, out var perId))
            {
                found = perId.Values.Reverse().Select(v => ((SnapshotMetadata, SerializedPayload)?)v).FirstOrDefault(v => criteria.Matches(v!.Value.Item1));
            }
        }
        if (found is not { } f)
        {
            return Task.FromResult<SelectedSnapshot?>(null);
        }
        try
        {
            return Task.FromResult<SelectedSnapshot?>(new SelectedSnapshot(f.Metadata, _serializers.Deserialize(f.Payload)));
        }
        catch (Exception e)
        {
            throw new SnapshotReadException(persistenceId, f.Metadata.SequenceNr, $"serializer {f.Payload.SerializerId}, manifest '{f.Payload.Manifest}'", e);
        }
    }

    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        lock (_gate)
        {
            if (_snapshots.TryGetValue(metadata.PersistenceId, out var perId)
                && perId.TryGetValue(metadata.SequenceNr, out var stored)
                && (metadata.Timestamp == DateTime.MinValue || stored.Metadata.Timestamp <= metadata.Timestamp))
            {
                perId.Remove(metadata.SequenceNr);
            }
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        lock (_gate)
        {
            if (_snapshots.TryGetValue(persistenceId, out var perId))
            {
                foreach (var seq in perId.Values.Where(v => criteria.Matches(v.Metadata)).Select(v => v.Metadata.SequenceNr).ToList())
                {
                    perId.Remove(seq);
                }
            }
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
