namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// A well-formed checkpoint does not fit the model it is loaded into: a tensor is missing, one
/// the model does not declare is present, or a shape differs. The message names every such
/// tensor with the expected and found shapes.
/// </summary>
public sealed class CheckpointMismatchException : InvalidOperationException
{
    public CheckpointMismatchException()
    {
    }

    public CheckpointMismatchException(string message)
        : base(message)
    {
    }

    public CheckpointMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
