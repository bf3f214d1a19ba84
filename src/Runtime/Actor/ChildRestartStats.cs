namespace HFedMoE.Runtime.Actor;

/// <summary>A child as its parent tracks it: the reference plus the restart counters supervision needs.</summary>
internal sealed class ChildRestartStats(LocalActorRef child)
{
    public LocalActorRef Child { get; } = child;

    public int RestartCount { get; private set; }

    /// <summary>Monotonic time the current retry window began; null before the first restart.</summary>
    public TimeSpan? WindowStart { get; private set; }

    /// <summary>
    /// Counts one more restart and says whether it is allowed: unlimited when
    /// <paramref name="maxNrOfRetries"/> &lt; 0 and there is no window; otherwise at most
    /// <paramref name="maxNrOfRetries"/> (1 if unlimited but windowed) restarts within
    /// <paramref name="window"/>, the count starting over when a window has passed.
    /// </summary>
    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan? window, TimeSpan now)
    {
        if (window is null)
        {
            if (maxNrOfRetries < 0)
            {
                return true;
            }
            RestartCount++;
            return RestartCount <= maxNrOfRetries;
        }
        int retries = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        var start = WindowStart ?? now;
        if (now - start <= window.Value)
        {
            WindowStart = start;
            RestartCount++;
            return RestartCount <= retries;
        }
        WindowStart = now;
        RestartCount = 1;
        return true;
    }
}
