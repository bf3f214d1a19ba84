namespace HFedMoE.Bench;

/// <summary>
/// One benchmark suite, selected by name on the command line. Each suite measures its subject
/// and a baseline in the same process run and prints their ratio, so figures stay comparable on
/// a noisy machine.
/// </summary>
internal interface IBenchmarkSuite
{
    /// <summary>Name used on the command line, e.g. <c>kernel</c> or <c>gemm</c>.</summary>
    string Name { get; }

    /// <summary>One line saying what the suite measures and against which baseline.</summary>
    string Description { get; }

    /// <summary>Runs the suite; <paramref name="args"/> are the arguments after the suite name.</summary>
    int Run(string[] args);
}
