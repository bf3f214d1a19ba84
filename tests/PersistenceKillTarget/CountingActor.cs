using System.Globalization;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Persistence;

namespace HFedMoE.PersistenceKillTarget;

/// <summary>
/// Persists Added(n) for n = 1, 2, 3, … forever, snapshotting every 20 events, printing
/// "RECOVERED &lt;total&gt; &lt;seq&gt;" after recovery and "ACK &lt;seq&gt; &lt;total&gt;" after each persisted event.
/// Its state (total = 1 + 2 + … + seq) lets the test check recovery after a kill.
/// </summary>
internal sealed class CountingActor : ReceivePersistentActor
{
    private readonly string _pid;
    private long _total;

    public CountingActor(string pid)
    {
        _pid = pid;
        Recover<SnapshotOffer>(o => _total = (long)o.Snapshot);
        Recover<Added>(e => _total += e.Amount);
        Recover<RecoveryCompleted>(_ =>
        {
            Print($"RECOVERED {_total} {LastSequenceNr}");
            Self.Tell(new Next(), Self);
        });
        Command<Next>(_ => Persist(new Added(LastSequenceNr + 1), e =>
        {
            _total += e.Amount;
            Print($"ACK {LastSequenceNr} {_total}");
            if (LastSequenceNr % 20 == 0)
            {
                SaveSnapshot(_total);
            }
            Self.Tell(new Next(), Self);
        }));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => Console.Error.WriteLine($"snapshot failed: {f.Cause}"));
    }

    public override string PersistenceId => _pid;

    protected override void OnRecoveryFailure(Exception reason, object? message)
    {
        Console.Error.WriteLine($"RECOVERY-FAILED {reason}");
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistFailure(Exception cause, object evt, long sequenceNr)
    {
        Console.Error.WriteLine($"PERSIST-FAILED {sequenceNr}: {cause}");
        base.OnPersistFailure(cause, evt, sequenceNr);
    }

    private static void Print(FormattableString line)
    {
        Console.Out.WriteLine(line.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
    }

    public sealed record Added(long Amount);

    public sealed record Next;
}
