using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Messages a persistent actor sends itself from journal/store completions. They carry the
/// actor instance id, so replies meant for a previous incarnation (before a restart) are dropped.
/// </summary>
internal abstract record PersistenceSignal(long InstanceId) : INotInfluenceReceiveTimeout;

internal sealed record RecoveryPermitGranted(long InstanceId) : PersistenceSignal(InstanceId);

internal sealed record SnapshotLoaded(long InstanceId, SelectedSnapshot? Snapshot) : PersistenceSignal(InstanceId);

internal sealed record EventReplayed(long InstanceId, PersistentRepr Event) : PersistenceSignal(InstanceId);

internal sealed record ReplayFinished(long InstanceId, long HighestSequenceNr) : PersistenceSignal(InstanceId);

internal sealed record RecoveryFailed(long InstanceId, Exception Cause) : PersistenceSignal(InstanceId);

internal sealed record RecoveryTick(long InstanceId) : PersistenceSignal(InstanceId);

/// <summary>One AtomicWrite of a batch was stored (<see cref="Rejection"/> null) or rejected.</summary>
internal sealed record AtomicWriteResult(long InstanceId, AtomicWrite Write, Exception? Rejection) : PersistenceSignal(InstanceId);

/// <summary>A DeferAsync handler's turn came (everything persisted before it is done).</summary>
internal sealed record DeferredReady(long InstanceId) : PersistenceSignal(InstanceId);

/// <summary>The journal failed the whole batch (outcome unknown).</summary>
internal sealed record WriteBatchFailed(long InstanceId, IReadOnlyList<AtomicWrite> Writes, Exception Cause) : PersistenceSignal(InstanceId);

/// <summary>Every result of the in-flight batch has been delivered; the next batch may go.</summary>
internal sealed record WriteBatchDone(long InstanceId) : PersistenceSignal(InstanceId);
