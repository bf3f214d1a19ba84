namespace HFedMoE.Model.Data;

/// <summary>How the clients' training data is drawn (ALGORITHM.md §5, "Federation").</summary>
public sealed record PartitionConfig
{
    public int Clients { get; init; } = 20;

    public int SamplesPerClient { get; init; } = 300;

    /// <summary>Concentration of each client's Dirichlet over topics: 0.1 is very skewed, 100 near uniform.</summary>
    public double DirichletAlpha { get; init; } = 0.5;

    /// <summary>Share of a client's samples written in its dominant style; the rest use the other styles uniformly.</summary>
    public double DominantStyleFraction { get; init; } = 0.7;

    public PartitionConfig Validate()
    {
        if (Clients < 1)
        {
            throw new ArgumentException($"partition setting Clients = {Clients} is invalid; it must be >= 1");
        }
        if (SamplesPerClient < 1)
        {
            throw new ArgumentException($"partition setting SamplesPerClient = {SamplesPerClient} is invalid; it must be >= 1");
        }
        if (!(DirichletAlpha > 0) || !double.IsFinite(DirichletAlpha))
        {
            throw new ArgumentException($"partition setting DirichletAlpha = {DirichletAlpha} is invalid; it must be a finite value > 0");
        }
        if (DominantStyleFraction is < 0 or > 1 || double.IsNaN(DominantStyleFraction))
        {
            throw new ArgumentException($"partition setting DominantStyleFraction = {DominantStyleFraction} is invalid; it must be in [0, 1]");
        }
        return this;
    }
}
