namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// Relaxations for loading a checkpoint into a model that differs on purpose, e.g. a
/// pre-trained trunk (saved with its language-model head) into a fine-tuning model with a
/// fresh task head. Everything not relaxed is still checked by name and shape.
/// </summary>
public sealed record CheckpointLoadOptions
{
    /// <summary>Tensors in the file that the model does not declare are skipped instead of failing.</summary>
    public bool IgnoreUnexpected { get; init; }

    /// <summary>
    /// Model parameters whose names start with one of these prefixes keep their current values
    /// and need not be in the file (e.g. <c>head.</c> for a freshly initialised head).
    /// </summary>
    public IReadOnlyList<string> KeepPrefixes { get; init; } = [];

    public static CheckpointLoadOptions Strict { get; } = new();

    internal bool Keeps(string name)
    {
        foreach (string prefix in KeepPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
