using System.Globalization;
using System.Text;
using HFedMoE.Runtime.Persistence;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.PersistenceKillTarget;

/// <summary>
/// Writes batches (one AtomicWrite each) for several persistence ids concurrently, forever,
/// printing "ACK &lt;pid&gt; &lt;highest seq of the batch&gt;" after each acknowledged batch.
/// </summary>
internal static class JournalWriter
{
    public static async Task<int> RunAsync(string dbPath, int writers, int batchSize)
    {
        var registry = SerializerRegistry.CreateDefault();
        await using var journal = SqlJournal.Sqlite($"Data Source={dbPath}", registry);
        var output = Console.Out;
        var tasks = Enumerable.Range(0, writers).Select(async w =>
        {
            var pid = $"kill-{w}";
            var next = await journal.ReadHighestSequenceNrAsync(pid) + 1;
            while (true)
            {
                var events = Enumerable.Range(0, batchSize)
                    .Select(i => new PersistentRepr(pid, next + i, PayloadFor(pid, next + i)))
                    .ToList();
                var results = await journal.WriteAsync([new AtomicWrite(events)]);
                if (results[0] is { } rejected)
                {
                    throw rejected;
                }
                next += batchSize;
                lock (output)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {pid} {next - 1}"));
                    output.Flush();
                }
            }
        }).ToList();
        await Task.WhenAll(tasks);
        return 0;
    }

    /// <summary>A 1 KiB payload derived from (pid, seq), so the test can check every byte.</summary>
    public static byte[] PayloadFor(string pid, long seq)
    {
        var stamp = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{pid}:{seq}:"));
        var bytes = new byte[1024];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = stamp[i % stamp.Length];
        }
        return bytes;
    }
}
