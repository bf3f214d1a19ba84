using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Actors.Server;

/// <summary>One client of an in-process federation: its profile and its local data.</summary>
public sealed record ClientSetup(ClientProfile Profile, Dataset Data)
{
    /// <summary>A client from a benchmark partition, named <c>client-{n}</c>, with a budget tier or cap.</summary>
    public static ClientSetup From(ClientPartition partition, string? tier = null, double? computeCap = null)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var data = new Dataset(partition.Samples);
        return new ClientSetup(new ClientProfile($"client-{partition.Client}", data.Count, computeCap, tier), data);
    }
}

/// <summary>
/// Everything an in-process federation needs: the strategy (by factory name and options), the
/// model configuration and initial global model, the clients and the round rules.
/// <see cref="TrainerPoolSize"/>: how many local trainers (model + optimizer copies) the node
/// keeps for all its clients; null = the dedicated dispatcher's thread count, which is the most
/// that can train at once. Fewer serialises training (a client waiting for a trainer holds its
/// dispatcher thread meanwhile); more are never created.
/// </summary>
public sealed record FederationSetup(
    string Strategy,
    StrategyOptions Options,
    ModelConfig Model,
    GlobalModel Initial,
    IReadOnlyList<ClientSetup> Clients,
    RoundSettings Rounds,
    LocalTrainerOptions? Trainer = null,
    string PersistenceId = RoundManager.DefaultPersistenceId,
    int? TrainerPoolSize = null)
{
    private readonly int? _trainerPoolSize = CheckPoolSize(TrainerPoolSize);

    public int? TrainerPoolSize
    {
        get => _trainerPoolSize;
        init => _trainerPoolSize = CheckPoolSize(value);
    }

    private static int? CheckPoolSize(int? size) => size is null or >= 1
        ? size
        : throw new ArgumentOutOfRangeException(nameof(size), size, $"{nameof(TrainerPoolSize)} is {size}; expected ≥ 1, or null for the dedicated dispatcher's thread count");
}
