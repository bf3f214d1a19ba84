using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>Ranks 0..n-1 with probability ∝ 1/(rank+1)^exponent, drawn by inverse CDF.</summary>
internal sealed class ZipfDistribution
{
    private readonly double[] _cumulative;

    public ZipfDistribution(int count, double exponent)
    {
        _cumulative = new double[count];
        double total = 0;
        for (int r = 0; r < count; r++)
        {
            total += Math.Pow(r + 1, -exponent);
            _cumulative[r] = total;
        }
        for (int r = 0; r < count; r++)
        {
            _cumulative[r] /= total;
        }
        _cumulative[^1] = 1.0;
    }

    public double Probability(int rank) => _cumulative[rank] - (rank == 0 ? 0 : _cumulative[rank - 1]);

    public int Sample(DeterministicRandom rng)
    {
        double u = rng.NextDouble();
        int index = Array.BinarySearch(_cumulative, u);
        // BinarySearch returns the complement of the first larger element when u is not found.
        return index >= 0 ? Math.Min(index + 1, _cumulative.Length - 1) : ~index;
    }
}
