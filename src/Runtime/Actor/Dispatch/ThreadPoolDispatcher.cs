namespace HFedMoE.Runtime.Actor.Dispatch;

/// <summary>The default dispatcher: mailbox runs are .NET ThreadPool work items (no allocation per run).</summary>
public sealed class ThreadPoolDispatcher(string id, int throughput) : MessageDispatcher(id, throughput)
{
    public override void Schedule(IThreadPoolWorkItem mailbox) => ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: false);
}
