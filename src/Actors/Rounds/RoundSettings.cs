using Akka.Configuration;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// Per-round rules. <see cref="MinClients"/>: the quorum of accepted updates (and the fewest
/// registered clients a round starts with). <see cref="SampleFraction"/>: share of the
/// registered clients sampled each round (at least <see cref="MinClients"/>), seeded by
/// <see cref="Seed"/> and the round. <see cref="SnapshotEvery"/>: a snapshot after every n-th
/// committed round (0: never).
/// </summary>
public sealed record RoundSettings
{
    public int MinClients { get; init; } = 1;

    public double SampleFraction { get; init; } = 1.0;

    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(10);

    public QuorumPolicy OnQuorumMissed { get; init; } = QuorumPolicy.Extend;

    /// <summary>How many times <see cref="QuorumPolicy.Extend"/> extends before closing the round.</summary>
    public int MaxExtensions { get; init; } = 1;

    public int SnapshotEvery { get; init; } = 10;

    public int Seed { get; init; } = 7;

    /// <summary>The HOCON section for these settings (a key missing from it keeps the default above).</summary>
    public const string ConfigPath = "hfedmoe.rounds";

    /// <summary>
    /// Reads <c>min-clients</c>, <c>sample-fraction</c>, <c>deadline</c>, <c>on-quorum-missed</c>
    /// (<c>extend</c> | <c>close-incomplete</c>), <c>max-extensions</c>, <c>snapshot-every</c> and
    /// <c>seed</c> under <paramref name="path"/>, then validates.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown quorum policy.</exception>
    public static RoundSettings FromConfig(Config config, string path = ConfigPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = new RoundSettings();
        string policy = config.GetString($"{path}.on-quorum-missed", "extend");
        var settings = new RoundSettings
        {
            MinClients = config.GetInt($"{path}.min-clients", d.MinClients),
            SampleFraction = config.GetDouble($"{path}.sample-fraction", d.SampleFraction),
            Deadline = config.GetTimeSpan($"{path}.deadline", d.Deadline),
            OnQuorumMissed = policy switch
            {
                "extend" => QuorumPolicy.Extend,
                "close-incomplete" => QuorumPolicy.CloseIncomplete,
                _ => throw new ArgumentException($"{path}.on-quorum-missed is '{policy}'; expected extend or close-incomplete", nameof(config)),
            },
            MaxExtensions = config.GetInt($"{path}.max-extensions", d.MaxExtensions),
            SnapshotEvery = config.GetInt($"{path}.snapshot-every", d.SnapshotEvery),
            Seed = config.GetInt($"{path}.seed", d.Seed),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws naming the first out-of-range field.</summary>
    public void Validate()
    {
        if (MinClients < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinClients), MinClients, "min clients must be ≥ 1");
        }
        if (!(SampleFraction > 0 && SampleFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(SampleFraction), SampleFraction, "sample fraction must lie in (0, 1]");
        }
        if (Deadline <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Deadline), Deadline, "deadline must be positive");
        }
        if (MaxExtensions < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxExtensions), MaxExtensions, "max extensions must be ≥ 0");
        }
        if (SnapshotEvery < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SnapshotEvery), SnapshotEvery, "snapshot interval must be ≥ 0");
        }
    }
}
