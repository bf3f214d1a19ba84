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
/// </summary>
public sealed record FederationSetup(
    string Strategy,
    StrategyOptions Options,
    ModelConfig Model,
    GlobalModel Initial,
    IReadOnlyList<ClientSetup> Clients,
    RoundSettings Rounds,
    LocalTrainerOptions? Trainer = null,
    string PersistenceId = RoundManager.DefaultPersistenceId);
