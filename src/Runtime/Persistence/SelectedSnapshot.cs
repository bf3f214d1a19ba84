namespace HFedMoE.Runtime.Persistence;

/// <summary>A snapshot loaded from a store.</summary>
public sealed record SelectedSnapshot(SnapshotMetadata Metadata, object Snapshot);
