namespace HFedMoE.Runtime.Persistence;

/// <summary>Stores snapshots of persistent actors' state (Akka's SnapshotStore, as a plain async API).</summary>
public interface ISnapshotStore : IAsyncDisposable
{
    /// <summary>Saves <paramref name="snapshot"/>; saving again at the same (id, sequence number) overwrites.</summary>
    Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default);

    /// <summary>The youngest snapshot of <paramref name="persistenceId"/> matching <paramref name="criteria"/>, or null.</summary>
    Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the snapshot at <paramref name="metadata"/>'s sequence number. A timestamp other
    /// than <see cref="DateTime.MinValue"/> also bounds it: a stored snapshot newer than that is kept.
    /// </summary>
    Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>Deletes every snapshot of <paramref name="persistenceId"/> matching <paramref name="criteria"/>.</summary>
    Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default);
}
