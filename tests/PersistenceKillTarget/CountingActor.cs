using System.Buffers.Binary;
using System.Globalization;
using Akka.Actor;
using Akka.Persistence;

namespace HFedMoE.PersistenceKillTarget;

/// <summary>
/// Persists n for n = 1, 2, 3, … forever (8 little-endian bytes, Akka's binary byte-array
/// serializer), snapshotting the running total every 20 events, printing
/// "RECOVERED &lt;total&gt; &lt;seq&gt;" after recovery and "ACK &lt;seq&gt; &lt;total&gt;" once each
/// event's Persist handler ran, i.e. once Akka.Persistence acknowledged it. Its state (total =
/// 1 + 2 + … + seq) lets the test check what survived a kill.
/// </summary>
internal sealed class CountingActor : ReceivePersistentActor
{
    private readonly string _pid;
    private long _total;

    public CountingActor(string pid)
    {
        _pid = pid;
        Recover<SnapshotOffer>(o => _total = Number((byte[])o.Snapshot));
        Recover<byte[]>(e => _total += Number(e));
        Recover<RecoveryCompleted>(_ =>
        {
            Print($"RECOVERED {_total} {LastSequenceNr}");
            Self.Tell(Next.Instance);
        });
        Command<Next>(_ => Persist(Bytes(LastSequenceNr + 1), e =>
        {
            _total += Number(e);
            Print($"ACK {LastSequenceNr} {_total}");
            if (LastSequenceNr % 20 == 0)
            {
                SaveSnapshot(Bytes(_total));
            }
            Self.Tell(Next.Instance);
        }));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => Console.Error.WriteLine($"snapshot failed: {f.Cause}"));
    }

    public override string PersistenceId => _pid;

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Console.Error.WriteLine($"RECOVERY-FAILED {reason}");
        base.OnRecoveryFailure(reason, message);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Console.Error.WriteLine($"PERSIST-FAILED {sequenceNr}: {cause}");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private static byte[] Bytes(long n)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, n);
        return bytes;
    }

    private static long Number(byte[] bytes) => BinaryPrimitives.ReadInt64LittleEndian(bytes);

    private static void Print(FormattableString line)
    {
        Console.Out.WriteLine(line.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
    }

    private sealed record Next
    {
        public static Next Instance { get; } = new();
    }
}
