namespace HFedMoE.Model.Tensors;

/// <summary>
/// How a <see cref="Gemm"/> call may use the machine. Immutable; pass one per call (or keep one
/// per component) instead of a process-wide setting, so two callers never fight over a global.
/// </summary>
public sealed record GemmOptions
{
    /// <summary>Uses every core, AVX-512 when the CPU has it.</summary>
    public static GemmOptions Default { get; } = new();

    /// <summary>Single-threaded; for callers that already parallelise at a coarser level.</summary>
    public static GemmOptions SingleThreaded { get; } = new() { MaxThreads = 1 };

    private readonly int _maxThreads = Environment.ProcessorCount;
    private readonly long _minMultiplyAddsPerThread = 1L << 21;

    /// <summary>Upper bound on the threads one call uses (the caller's thread included). At least 1.</summary>
    public int MaxThreads
    {
        get => _maxThreads;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxThreads));
            _maxThreads = value;
        }
    }

    /// <summary>
    /// A call only gets another thread per this many multiply-adds (m·n·k): handing work to a
    /// pool thread costs microseconds, which small products would not earn back.
    /// </summary>
    public long MinMultiplyAddsPerThread
    {
        get => _minMultiplyAddsPerThread;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1L, nameof(MinMultiplyAddsPerThread));
            _minMultiplyAddsPerThread = value;
        }
    }

    /// <summary>Forces the 256-bit kernel even on AVX-512 hardware, so tests cover the fallback path.</summary>
    internal bool ForceVector256 { get; init; }

    /// <summary>Replaces the kernel's tile and cache block sizes; for tuning sweeps in the benchmark.</summary>
    internal GemmBlocking? BlockingOverride { get; init; }
}
