using System.Diagnostics;

namespace HFedMoE.Bench.Model;

/// <summary>
/// Times several subjects round-robin (A B C A B C ...) and reports each one's median time per
/// call, so load from other processes on a shared machine hits every subject alike and the
/// ratios stay meaningful even when absolute figures drift.
/// </summary>
internal static class InterleavedTimer
{
    public static double[] MedianSecondsPerCall(IReadOnlyList<Action> subjects, int rounds, double secondsPerSample)
        => MedianSecondsPerCall(subjects, rounds, secondsPerSample, threadCpuTime: false);

    /// <summary>
    /// With <paramref name="threadCpuTime"/>, measures the calling thread's CPU time instead of
    /// wall time: for single-threaded subjects on a loaded machine this drops the time spent
    /// descheduled, which is most of the noise (Linux only; falls back to wall time elsewhere).
    /// </summary>
    public static double[] MedianSecondsPerCall(IReadOnlyList<Action> subjects, int rounds, double secondsPerSample, bool threadCpuTime)
        => MedianSecondsPerCall(subjects, rounds, secondsPerSample, threadCpuTime && OperatingSystem.IsLinux() ? ThreadCpuSeconds : WallSeconds);

    /// <summary>
    /// Wall time and, in the same calls, the whole process's CPU time (every thread: libtorch's
    /// OpenMP workers included) per call. On a loaded machine the CPU time leaves
    /// out the time spent descheduled, so a ratio of two multi-threaded subjects is steadier in it.
    /// </summary>
    public static (double[] Wall, double[] ProcessCpu) MedianWallAndCpuSecondsPerCall(IReadOnlyList<Action> subjects, int rounds, double secondsPerSample)
    {
        var cpu = new double[subjects.Count];
        var cpuSamples = subjects.Select(_ => new List<double>()).ToArray();
        var timed = subjects.Select((subject, s) => (Action)(() =>
        {
            double start = ProcessCpuSeconds();
            subject();
            cpuSamples[s].Add(ProcessCpuSeconds() - start);
        })).ToList();
        var wall = MedianSecondsPerCall(timed, rounds, secondsPerSample);
        for (int s = 0; s < subjects.Count; s++)
        {
            cpu[s] = Median([.. cpuSamples[s]]);
        }
        return (wall, cpu);
    }

    private static double[] MedianSecondsPerCall(IReadOnlyList<Action> subjects, int rounds, double secondsPerSample, Func<double> clock)
    {
        var reps = new int[subjects.Count];
        for (int s = 0; s < subjects.Count; s++)
        {
            subjects[s](); // JIT and first-touch
            reps[s] = Calibrate(subjects[s], secondsPerSample);
        }
        var samples = new double[subjects.Count][];
        for (int s = 0; s < subjects.Count; s++)
        {
            samples[s] = new double[rounds];
        }
        for (int r = 0; r < rounds; r++)
        {
            for (int s = 0; s < subjects.Count; s++)
            {
                double start = clock();
                for (int i = 0; i < reps[s]; i++)
                {
                    subjects[s]();
                }
                samples[s][r] = (clock() - start) / reps[s];
            }
        }
        return samples.Select(Median).ToArray();
    }

    public static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    private static double WallSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    internal static unsafe double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTimeId = 3;
        long* timespec = stackalloc long[2];
        _ = ClockGetTime(ClockThreadCpuTimeId, timespec);
        return timespec[0] + timespec[1] * 1e-9;
    }

    private static unsafe double ProcessCpuSeconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        }
        const int ClockProcessCpuTimeId = 2;
        long* timespec = stackalloc long[2];
        _ = ClockGetTime(ClockProcessCpuTimeId, timespec);
        return timespec[0] + timespec[1] * 1e-9;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGetTime(int clock, long* timespec);

    private static int Calibrate(Action subject, double secondsPerSample)
    {
        int reps = 1;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < reps; i++)
            {
                subject();
            }
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (elapsed >= secondsPerSample / 4 || reps >= 1 << 20)
            {
                return Math.Max(1, (int)Math.Ceiling(reps * secondsPerSample / Math.Max(elapsed, 1e-9)));
            }
            reps *= 4;
        }
    }
}
