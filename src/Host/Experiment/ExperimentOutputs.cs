namespace HFedMoE.Host.Experiment;

/// <summary>Writes every output file of an experiment into its folder (each atomically: temp file, then rename).</summary>
internal static class ExperimentOutputs
{
    /// <returns>The files written, full paths.</returns>
    public static IReadOnlyList<string> Write(string outDir, IReadOnlyList<ExperimentRow> rows)
    {
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(rows);
        var files = new List<string>();
        void Save(string name, string text)
        {
            string path = Path.Combine(outDir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temp = path + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
            files.Add(path);
        }

        var table = SummaryTable.From(rows);
        Save("metrics.csv", MetricsFiles.Csv(rows));
        Save("metrics.json", MetricsFiles.JsonText(rows));
        Save("summary.csv", SummaryFiles.Csv(table));
        Save("summary.md", SummaryFiles.Markdown(table));
        var groups = ReportPlots.For(rows, table);
        var picture = ReportPlots.Picture(rows, table);
        foreach (var plot in groups.SelectMany(g => g.All).Append(picture))
        {
            Save(Path.Combine("plots", plot.FileName), plot.Svg);
        }
        Save("report.html", HtmlReport.Render(table, groups, picture));
        return files;
    }
}
