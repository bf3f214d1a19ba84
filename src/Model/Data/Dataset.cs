using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>A list of samples with deterministic shuffling and collation into padded batches.</summary>
public sealed class Dataset
{
    private readonly IReadOnlyList<Sample> _samples;

    public Dataset(IReadOnlyList<Sample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _samples = samples;
    }

    public int Count => _samples.Count;

    public Sample this[int index] => _samples[index];

    /// <summary>The given samples as one batch, padded with [PAD] to the longest of them.</summary>
    public Batch Collate(ReadOnlySpan<int> indices)
    {
        if (indices.IsEmpty)
        {
            throw new ArgumentException("a batch needs at least one sample", nameof(indices));
        }
        int length = 0;
        foreach (int i in indices)
        {
            if ((uint)i >= (uint)_samples.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"sample index {i} is out of range; the dataset has {_samples.Count} samples");
            }
            length = Math.Max(length, _samples[i].Tokens.Length);
        }
        int size = indices.Length;
        int[] tokens = new int[size * length]; // zero-filled = [PAD]
        int[] lengths = new int[size];
        int[] labels = new int[size];
        for (int r = 0; r < size; r++)
        {
            var s = _samples[indices[r]];
            s.Tokens.CopyTo(tokens, r * length);
            lengths[r] = s.Tokens.Length;
            labels[r] = s.Label;
        }
        return new Batch(size, length, tokens, lengths, labels, indices.ToArray());
    }

    /// <summary>All samples in order, in batches of at most <paramref name="batchSize"/> (for evaluation).</summary>
    public IEnumerable<Batch> InOrder(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (int start = 0; start < _samples.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, _samples.Count - start);
            yield return Collate(Enumerable.Range(start, count).ToArray());
        }
    }

    /// <summary>
    /// One pass over a permutation fixed by (<paramref name="seed"/>, <paramref name="epoch"/>);
    /// the last batch is short unless <paramref name="dropLast"/>.
    /// </summary>
    public IEnumerable<Batch> Epoch(int batchSize, ulong seed, int epoch = 0, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int[] order = Permutation(seed, epoch);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int count = Math.Min(batchSize, order.Length - start);
            if (count < batchSize && dropLast)
            {
                yield break;
            }
            yield return Collate(order.AsSpan(start, count));
        }
    }

    /// <summary>
    /// Full batches forever: permutations for epochs 0, 1, 2, … laid end to end, so a training
    /// loop of N steps sees each sample equally often and every batch has the same shape.
    /// </summary>
    public IEnumerable<Batch> Endless(int batchSize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (_samples.Count == 0)
        {
            throw new InvalidOperationException("cannot draw batches from an empty dataset");
        }
        int epoch = 0;
        int[] order = Permutation(seed, epoch);
        int position = 0;
        int[] indices = new int[batchSize];
        while (true)
        {
            for (int k = 0; k < batchSize; k++)
            {
                if (position == order.Length)
                {
                    order = Permutation(seed, ++epoch);
                    position = 0;
                }
                indices[k] = order[position++];
            }
            yield return Collate(indices);
        }
    }

    private int[] Permutation(ulong seed, int epoch)
    {
        int[] order = Enumerable.Range(0, _samples.Count).ToArray();
        var rng = new DeterministicRandom(SeedStreams.Derive(seed, SeedStreams.Shuffle, (ulong)epoch));
        CorpusGenerator.Shuffle(rng, order);
        return order;
    }
}
