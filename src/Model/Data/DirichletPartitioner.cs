using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>
/// Non-IID client data: client c draws topic proportions from Dirichlet(α), writes
/// DominantStyleFraction of its samples in style c mod Styles (the others in the remaining
/// styles uniformly), draws sub-topics by their prior, and gets LabelNoise on its labels.
/// Each client has its own random stream, so adding clients does not change earlier ones.
/// </summary>
public sealed class DirichletPartitioner
{
    private readonly CorpusGenerator _generator;
    private readonly PartitionConfig _config;

    public DirichletPartitioner(CorpusGenerator generator, PartitionConfig config)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(config);
        _generator = generator;
        _config = config.Validate();
    }

    public IReadOnlyList<ClientPartition> Partition(ulong seed)
    {
        var clients = new ClientPartition[_config.Clients];
        for (int c = 0; c < clients.Length; c++)
        {
            clients[c] = Client(c, new DeterministicRandom(SeedStreams.Derive(seed, SeedStreams.Clients, (ulong)c)));
        }
        return clients;
    }

    private ClientPartition Client(int client, DeterministicRandom rng)
    {
        var corpus = _generator.Config;
        double[] proportions = GammaSampler.SampleDirichlet(rng, _config.DirichletAlpha, corpus.Topics);
        int dominant = client % corpus.Styles;
        var samples = new Sample[_config.SamplesPerClient];
        for (int i = 0; i < samples.Length; i++)
        {
            int topic = Categorical(rng, proportions);
            int sub = _generator.SampleLocalSubTopic(rng);
            int style = dominant;
            if (corpus.Styles > 1 && rng.NextDouble() >= _config.DominantStyleFraction)
            {
                style = rng.NextInt(corpus.Styles - 1);
                style += style >= dominant ? 1 : 0;
            }
            samples[i] = _generator.WithLabelNoise(rng, _generator.Generate(rng, topic, sub, style));
        }
        return new ClientPartition(client, proportions, dominant, samples);
    }

    private static int Categorical(DeterministicRandom rng, double[] probabilities)
    {
        double u = rng.NextDouble();
        double cumulative = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative)
            {
                return i;
            }
        }
        // Rounding can leave the total a hair below 1: fall back to the last non-empty category.
        for (int i = probabilities.Length - 1; i >= 0; i--)
        {
            if (probabilities[i] > 0)
            {
                return i;
            }
        }
        return probabilities.Length - 1;
    }
}
