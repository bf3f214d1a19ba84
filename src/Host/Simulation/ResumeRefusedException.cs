namespace HFedMoE.Host.Simulation;

/// <summary>
/// The data folder holds a run that this invocation must not continue (different settings, not
/// a simulate run, or <c>--fresh</c> on a folder in use). <see cref="Lines"/> are the reasons,
/// one line each, every one saying how to go on.
/// </summary>
public sealed class ResumeRefusedException : InvalidOperationException
{
    public ResumeRefusedException()
        : this([])
    {
    }

    public ResumeRefusedException(string message)
        : this([message])
    {
    }

    public ResumeRefusedException(string message, Exception inner)
        : base(message, inner) => Lines = [message];

    public ResumeRefusedException(IReadOnlyList<string> lines)
        : base(string.Join(Environment.NewLine, lines)) => Lines = lines;

    public IReadOnlyList<string> Lines { get; } = [];
}
