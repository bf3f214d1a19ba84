using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Tests.Simulation;

public sealed class RoundMetricsFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-rows-" + Guid.NewGuid().ToString("N"));

    public RoundMetricsFileTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public void Rows_read_back_exactly_as_written_non_finite_metrics_and_missing_cells_included()
    {
        var file = new RoundMetricsFile(_dir);
        var random = new Random(11);
        var rows = Enumerable.Range(0, 6).Select(r => new RoundReport(
            r, r == 3 ? "closed-incomplete" : "committed", random.NextDouble(), random.NextDouble() / 3, r + 1, r % 2, new string((char)('a' + r), 64),
            0.001 * random.Next(1, 9999),
            r == 3 ? new Dictionary<string, double>() : new Dictionary<string, double>
            {
                ["loss"] = random.NextDouble() * 1e-7,
                ["ratio"] = r == 1 ? double.NaN : r == 2 ? double.PositiveInfinity : random.NextDouble() * 1e9,
            })).ToList();

        file.Write(rows);
        var read = file.Read();

        Assert.Equal(rows.Count, read.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i] with { Metrics = read[i].Metrics, Seconds = read[i].Seconds }, read[i]);
            Assert.Equal(rows[i].Seconds, read[i].Seconds, 3);
            Assert.Equal(rows[i].Metrics.OrderBy(kv => kv.Key), read[i].Metrics.OrderBy(kv => kv.Key));
        }
    }

    [Fact]
    public void No_file_reads_as_no_rows_and_a_foreign_file_is_refused_naming_it()
    {
        var file = new RoundMetricsFile(_dir);
        Assert.Empty(file.Read());

        File.WriteAllText(file.CsvPath, "a,b\n1,2\n");
        var e = Assert.Throws<InvalidDataException>(file.Read);
        Assert.Contains(file.CsvPath, e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
