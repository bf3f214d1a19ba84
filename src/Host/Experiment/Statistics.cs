namespace HFedMoE.Host.Experiment;

/// <summary>Mean, sample standard deviation and max over the values that are not NaN (a metric some rounds lack).</summary>
internal static class Statistics
{
    public static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v;
                n++;
            }
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Sample standard deviation (n − 1); NaN below two values, where the spread is unknown.</summary>
    public static double SampleSd(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        if (list.Count < 2)
        {
            return double.NaN;
        }
        double mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
    }

    public static double Max(IEnumerable<double> values)
    {
        double max = double.NaN;
        foreach (double v in values)
        {
            if (!double.IsNaN(v) && (double.IsNaN(max) || v > max))
            {
                max = v;
            }
        }
        return max;
    }

    public static double Min(IEnumerable<double> values) => -Max(values.Select(v => -v));
}
