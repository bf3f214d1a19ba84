using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>
/// A self-supervised objective over keyword tokens: turns a batch into inputs and per-token
/// targets. Targets are token ids, never the topic label, so pre-training does not give the
/// downstream task away.
/// </summary>
public abstract class PretrainingObjective
{
    /// <summary>Target value of a position that does not count in the loss.</summary>
    public const int Ignore = -1;

    protected PretrainingObjective(Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Vocabulary = vocabulary;
    }

    /// <summary>Short name recorded in checkpoints and shown by the CLI.</summary>
    public abstract string Name { get; }

    protected Vocabulary Vocabulary { get; }

    public PretrainingBatch Apply(Batch batch, DeterministicRandom rng)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rng);
        int[] inputs = (int[])batch.Tokens.Clone();
        int[] targets = new int[inputs.Length];
        targets.AsSpan().Fill(Ignore);
        for (int r = 0; r < batch.Size; r++)
        {
            PrepareRow(inputs.AsSpan(r * batch.Length, batch.Lengths[r]), targets.AsSpan(r * batch.Length, batch.Lengths[r]), rng);
        }
        // The topic labels are dropped so that no pre-training loop can use them by accident.
        int[] noLabels = new int[batch.Size];
        noLabels.AsSpan().Fill(Ignore);
        return new PretrainingBatch(batch with { Tokens = inputs, Labels = noLabels }, targets);
    }

    /// <summary>Rewrites one row's valid tokens in place and writes its targets (Ignore where nothing is scored).</summary>
    public void ApplyRow(Span<int> tokens, Span<int> targets, DeterministicRandom rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (targets.Length != tokens.Length)
        {
            throw new ArgumentException($"targets has {targets.Length} entries; expected one per token ({tokens.Length})", nameof(targets));
        }
        targets.Fill(Ignore);
        PrepareRow(tokens, targets, rng);
    }

    /// <summary>Rewrites <paramref name="tokens"/> in place and sets the scored entries of <paramref name="targets"/> (all Ignore on entry).</summary>
    protected abstract void PrepareRow(Span<int> tokens, Span<int> targets, DeterministicRandom rng);
}
