using System.Globalization;

namespace HFedMoE.Host.Experiment;

/// <summary>One run of the grid: a strategy fine-tuning one seed's base at one α and one budget set.</summary>
internal sealed record GridCell(double Alpha, IReadOnlyList<double> Budgets, string Strategy, int Seed, bool TiersInPath)
{
    /// <summary>The budget set as in file names and tables, e.g. <c>4-8-16-32</c>.</summary>
    public string Tiers => GridListParser.TiersLabel(Budgets);

    public string AlphaText => Alpha.ToString("R", CultureInfo.InvariantCulture);

    /// <summary><c>{out}/cells/a{alpha}/{strategy}/seed-{seed}</c>, with <c>-tiers-{tiers}</c> when budget sets were chosen.</summary>
    public string Directory(string outDir)
    {
        string leaf = string.Create(CultureInfo.InvariantCulture, $"seed-{Seed}") + (TiersInPath ? $"-tiers-{Tiers}" : "");
        return Path.Combine(outDir, "cells", $"a{AlphaText}", Strategy, leaf);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Strategy} seed {Seed} α {AlphaText}") + (TiersInPath ? $" tiers {Tiers}" : "");
}
