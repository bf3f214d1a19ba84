using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace HFedMoE.Actors.Serialization;

/// <summary>
/// Akka serializer for the protocol's C# records (their wire forms are messages.proto's
/// <c>Wire*</c>): the round protocol, the federation server's, the registry's and
/// <see cref="AggregatorReady"/>. Tensors and models go through <see cref="TensorCodec"/>,
/// <see cref="SparseUpdateCodec"/> and <see cref="RoundPlanCodec"/> (bit-exact); an
/// <see cref="IActorRef"/> travels as its serialized path and is resolved by the receiving
/// system's provider. The manifest is the record's name. Bound in hocon/reference.conf, one
/// binding per record in <see cref="MessageTypes"/>. <see cref="OpenRound"/> stays in the server
/// process by design (its options hold a delegate): it is an <see cref="INoSerializationVerificationNeeded"/>.
/// </summary>
public sealed class RoundProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>After <see cref="ProtobufMessageSerializer.Id"/>.</summary>
    public const int Id = 102;

    /// <summary>The records this serializer writes.</summary>
    public static IReadOnlyList<Type> MessageTypes { get; } =
    [
        typeof(RegisterClient), typeof(StartRound), typeof(RoundOpened), typeof(RoundNotStarted), typeof(TrainRound),
        typeof(SubmitUpdate), typeof(UpdateAck), typeof(UpdateRejected), typeof(TrainingFailed), typeof(SubscribeRounds), typeof(RoundCompleted),
        typeof(RoundClosed), typeof(RoundManagerRecovered), typeof(GetRoundStatus), typeof(RoundStatus),
        typeof(RunRounds), typeof(FederationResult), typeof(FederationFailed), typeof(AggregatorReady),
        typeof(GetExperts), typeof(ExpertTensors), typeof(GetModel), typeof(CurrentModel), typeof(ApplyRound),
        typeof(GetImportanceHistory), typeof(ImportanceHistory), typeof(GetExpertRegistry), typeof(ExpertRegistryOf),
    ];

    // The last layout decoded: every model of a run has the same one, so it is parsed once and
    // every decoded model shares the instance.
    private DecodedLayout? _lastLayout;

    public RoundProtocolSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var t = o.GetType();
        return MessageTypes.Contains(t)
            ? t.Name
            : throw new ArgumentException($"RoundProtocolSerializer does not write {t.FullName}; it writes {string.Join(", ", MessageTypes.Select(m => m.Name))}", nameof(o));
    }

    public override byte[] ToBinary(object obj) => ToWire(obj).ToByteArray();

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return manifest switch
        {
            nameof(RegisterClient) => Decode(WireRegisterClient.Parser.ParseFrom(bytes)),
            nameof(StartRound) => StartRound.Instance,
            nameof(RoundOpened) => Decode(WireRoundOpened.Parser.ParseFrom(bytes)),
            nameof(RoundNotStarted) => Decode(WireRoundNotStarted.Parser.ParseFrom(bytes)),
            nameof(TrainRound) => Decode(WireTrainRound.Parser.ParseFrom(bytes)),
            nameof(SubmitUpdate) => new SubmitUpdate(SparseUpdateCodec.Decode(Required(WireSubmitUpdate.Parser.ParseFrom(bytes).Update, manifest, "update"))),
            nameof(UpdateAck) => Decode(WireUpdateAck.Parser.ParseFrom(bytes)),
            nameof(UpdateRejected) => Decode(WireUpdateRejected.Parser.ParseFrom(bytes)),
            nameof(TrainingFailed) => Decode(WireTrainingFailed.Parser.ParseFrom(bytes)),
            nameof(SubscribeRounds) => new SubscribeRounds(ResolveActorRef(WireSubscribeRounds.Parser.ParseFrom(bytes).Subscriber)),
            nameof(RoundCompleted) => Decode(WireRoundCompleted.Parser.ParseFrom(bytes)),
            nameof(RoundClosed) => Decode(WireRoundClosed.Parser.ParseFrom(bytes)),
            nameof(RoundManagerRecovered) => Decode(WireRoundManagerRecovered.Parser.ParseFrom(bytes)),
            nameof(GetRoundStatus) => GetRoundStatus.Instance,
            nameof(RoundStatus) => Decode(WireRoundStatus.Parser.ParseFrom(bytes)),
            nameof(RunRounds) => new RunRounds(WireRunRounds.Parser.ParseFrom(bytes).Rounds),
            nameof(FederationResult) => Decode(WireFederationResult.Parser.ParseFrom(bytes)),
            nameof(FederationFailed) => new FederationFailed(WireFederationFailed.Parser.ParseFrom(bytes).Reason),
            nameof(AggregatorReady) => Decode(WireAggregatorReady.Parser.ParseFrom(bytes)),
            nameof(GetExperts) => new GetExperts([.. WireGetExperts.Parser.ParseFrom(bytes).Names]),
            nameof(ExpertTensors) => Decode(WireExpertTensors.Parser.ParseFrom(bytes)),
            nameof(GetModel) => new GetModel(),
            nameof(CurrentModel) => new CurrentModel(DecodeModel(WireCurrentModel.Parser.ParseFrom(bytes).Model, manifest)),
            nameof(ApplyRound) => Decode(WireApplyRound.Parser.ParseFrom(bytes)),
            nameof(GetImportanceHistory) => new GetImportanceHistory(WireGetImportanceHistory.Parser.ParseFrom(bytes).ClientId),
            nameof(ImportanceHistory) => Decode(WireImportanceHistory.Parser.ParseFrom(bytes)),
            nameof(GetExpertRegistry) => GetExpertRegistry.Instance,
            nameof(ExpertRegistryOf) => Decode(WireExpertRegistryOf.Parser.ParseFrom(bytes)),
            _ => throw new SerializationException($"unknown manifest '{manifest}' for serializer {Id}; expected one of {string.Join(", ", MessageTypes.Select(m => m.Name))}"),
        };
    }

    private static IMessage ToWire(object obj) => obj switch
    {
        RegisterClient m => new WireRegisterClient { Profile = Encode(m.Profile), Client = Akka.Serialization.Serialization.SerializedActorPath(m.Client) },
        StartRound => new WireStartRound(),
        RoundOpened m => new WireRoundOpened { Round = m.Round, ModelVersion = m.ModelVersion, Participants = { m.Participants } },
        RoundNotStarted m => Encode(m),
        TrainRound m => new WireTrainRound { Plan = RoundPlanCodec.Encode(m.Plan, []), Global = EncodeModel(m.Global) },
        SubmitUpdate m => new WireSubmitUpdate { Update = SparseUpdateCodec.Encode(m.Update) },
        UpdateAck m => new WireUpdateAck { Round = m.Round, ClientId = m.ClientId, Digest = m.Digest },
        UpdateRejected m => new WireUpdateRejected { Round = m.Round, ClientId = m.ClientId, Reason = m.Reason },
        TrainingFailed m => new WireTrainingFailed { Round = m.Round, ClientId = m.ClientId, Reason = m.Reason },
        SubscribeRounds m => new WireSubscribeRounds { Subscriber = Akka.Serialization.Serialization.SerializedActorPath(m.Subscriber) },
        RoundCompleted m => Encode(m),
        RoundClosed m => new WireRoundClosed { Round = m.Round, Reason = m.Reason },
        RoundManagerRecovered m => Encode(m),
        GetRoundStatus => new WireGetRoundStatus(),
        RoundStatus m => Encode(m),
        RunRounds m => new WireRunRounds { Rounds = m.Rounds },
        FederationResult m => new WireFederationResult { Model = EncodeModel(m.Model), Rounds = { m.Rounds.Select(EncodeOutcome) } },
        FederationFailed m => new WireFederationFailed { Reason = m.Reason },
        AggregatorReady m => new WireAggregatorReady { Round = m.Round, ModelVersion = m.ModelVersion },
        GetExperts m => new WireGetExperts { Names = { m.Names } },
        ExpertTensors m => new WireExpertTensors { ModelVersion = m.ModelVersion, Tensors = { m.Tensors.Select(TensorCodec.Encode) }, ChangedInVersion = { m.ChangedInVersion } },
        GetModel => new WireGetModel(),
        CurrentModel m => new WireCurrentModel { Model = EncodeModel(m.Model) },
        ApplyRound m => Encode(m),
        GetImportanceHistory m => new WireGetImportanceHistory { ClientId = m.ClientId },
        ImportanceHistory m => new WireImportanceHistory { ClientId = m.ClientId, Rounds = { m.Rounds.Select(r => new WireRoundImportance { Round = r.Round, Importance = { r.Importance } }) } },
        GetExpertRegistry => new WireGetExpertRegistry(),
        ExpertRegistryOf m => new WireExpertRegistryOf { Registry = m.Registry is null ? "" : Akka.Serialization.Serialization.SerializedActorPath(m.Registry) },
        _ => throw new ArgumentException($"RoundProtocolSerializer does not write {obj?.GetType().FullName ?? "null"}", nameof(obj)),
    };

    internal static WireClientProfile Encode(ClientProfile p)
    {
        var w = new WireClientProfile { ClientId = p.ClientId, SampleCount = p.SampleCount };
        if (p.ComputeCap is { } cap)
        {
            w.ComputeCap = cap;
        }
        if (p.Tier is { } tier)
        {
            w.Tier = tier;
        }
        return w;
    }

    internal static ClientProfile Decode(WireClientProfile w) =>
        new(w.ClientId, w.SampleCount, w.HasComputeCap ? w.ComputeCap : null, w.HasTier ? w.Tier : null);

    private RegisterClient Decode(WireRegisterClient w) =>
        new(Decode(Required(w.Profile, nameof(RegisterClient), "profile")), ResolveActorRef(w.Client));

    private static RoundOpened Decode(WireRoundOpened w) => new(w.Round, w.ModelVersion, [.. w.Participants]);

    private static WireRoundNotStarted Encode(RoundNotStarted m)
    {
        var w = new WireRoundNotStarted { Reason = m.Reason };
        if (m.OpenRound is { } open)
        {
            w.OpenRound = open;
        }
        return w;
    }

    private static RoundNotStarted Decode(WireRoundNotStarted w) => new(w.Reason, w.HasOpenRound ? w.OpenRound : null);

    private TrainRound Decode(WireTrainRound w)
    {
        var (plan, _) = RoundPlanCodec.Decode(Required(w.Plan, nameof(TrainRound), "plan"));
        return new TrainRound(plan, DecodeModel(w.Global, nameof(TrainRound)));
    }

    private static UpdateAck Decode(WireUpdateAck w) => new(w.Round, w.ClientId, w.Digest);

    private static UpdateRejected Decode(WireUpdateRejected w) => new(w.Round, w.ClientId, w.Reason);

    private static TrainingFailed Decode(WireTrainingFailed w) => new(w.Round, w.ClientId, w.Reason);

    private static WireRoundCompleted Encode(RoundCompleted m) => new()
    {
        Round = m.Round,
        Model = EncodeModel(m.Model),
        ModelDigest = m.ModelDigest,
        Metrics = { m.Metrics.Select(p => new WireMetric { Name = p.Key, Value = p.Value }) },
        Dropped = { m.Dropped },
    };

    private RoundCompleted Decode(WireRoundCompleted w)
    {
        var metrics = new Dictionary<string, double>(w.Metrics.Count, StringComparer.Ordinal);
        foreach (var metric in w.Metrics)
        {
            if (!metrics.TryAdd(metric.Name, metric.Value))
            {
                throw new InvalidDataException($"RoundCompleted of round {w.Round} names metric '{metric.Name}' twice");
            }
        }
        return new RoundCompleted(w.Round, DecodeModel(w.Model, nameof(RoundCompleted)), w.ModelDigest, metrics, [.. w.Dropped]);
    }

    private static RoundClosed Decode(WireRoundClosed w) => new(w.Round, w.Reason);

    private static WireRoundOutcome EncodeOutcome(object? outcome) => outcome switch
    {
        RoundCompleted c => new WireRoundOutcome { Completed = Encode(c) },
        RoundClosed c => new WireRoundOutcome { Closed = new WireRoundClosed { Round = c.Round, Reason = c.Reason } },
        _ => throw new ArgumentException($"a round outcome is a RoundCompleted or a RoundClosed, got {outcome?.GetType().FullName ?? "null"}", nameof(outcome)),
    };

    private object DecodeOutcome(WireRoundOutcome w) => w.OutcomeCase switch
    {
        WireRoundOutcome.OutcomeOneofCase.Completed => Decode(w.Completed),
        WireRoundOutcome.OutcomeOneofCase.Closed => Decode(w.Closed),
        _ => throw new InvalidDataException("round outcome has neither completed nor closed set"),
    };

    private static WireRoundManagerRecovered Encode(RoundManagerRecovered m)
    {
        var w = new WireRoundManagerRecovered { NextRound = m.NextRound };
        if (m.OpenRound is { } open)
        {
            w.OpenRound = open;
        }
        if (m.LastOutcome is not null)
        {
            w.LastOutcome = EncodeOutcome(m.LastOutcome);
        }
        return w;
    }

    private RoundManagerRecovered Decode(WireRoundManagerRecovered w) =>
        new(w.HasOpenRound ? w.OpenRound : null, w.NextRound, w.LastOutcome is null ? null : DecodeOutcome(w.LastOutcome));

    private static WireRoundStatus Encode(RoundStatus m)
    {
        var w = new WireRoundStatus
        {
            NextRound = m.NextRound,
            Model = EncodeModel(m.Model),
            Accepted = { m.Accepted },
            Dropped = { m.Dropped },
            DeadlineExtensions = m.DeadlineExtensions,
            HasClients = m.Clients is not null,
        };
        if (m.OpenRound is { } open)
        {
            w.OpenRound = open;
        }
        if (m.Clients is { } clients)
        {
            w.Clients.AddRange(clients);
        }
        return w;
    }

    private RoundStatus Decode(WireRoundStatus w) => new(
        w.HasOpenRound ? w.OpenRound : null,
        w.NextRound,
        DecodeModel(w.Model, nameof(RoundStatus)),
        [.. w.Accepted],
        [.. w.Dropped],
        w.DeadlineExtensions,
        w.HasClients ? [.. w.Clients] : null);

    private FederationResult Decode(WireFederationResult w) =>
        new(DecodeModel(w.Model, nameof(FederationResult)), [.. w.Rounds.Select(DecodeOutcome)]);

    private static AggregatorReady Decode(WireAggregatorReady w) => new(w.Round, w.ModelVersion);

    private static ExpertTensors Decode(WireExpertTensors w)
    {
        if (w.ChangedInVersion.Count != w.Tensors.Count)
        {
            throw new InvalidDataException($"ExpertTensors has {w.Tensors.Count} tensors but {w.ChangedInVersion.Count} change versions; expected one per tensor");
        }
        return new ExpertTensors(w.ModelVersion, TensorCodec.DecodeAll(w.Tensors), [.. w.ChangedInVersion]);
    }

    private static WireApplyRound Encode(ApplyRound m)
    {
        var w = new WireApplyRound { Round = m.Round, ModelVersion = m.ModelVersion, Experts = { m.Experts }, Gating = m.Gating };
        foreach (var (client, scores) in m.Importance ?? new Dictionary<string, IReadOnlyList<double>>())
        {
            w.Importance[client] = new WireScores { Values = { scores } };
        }
        return w;
    }

    private static ApplyRound Decode(WireApplyRound w) => new(w.Round, w.ModelVersion, [.. w.Experts], w.Gating,
        w.Importance.Count == 0 ? null : w.Importance.ToDictionary(p => p.Key, p => (IReadOnlyList<double>)[.. p.Value.Values], StringComparer.Ordinal));

    private static ImportanceHistory Decode(WireImportanceHistory w) =>
        new(w.ClientId, [.. w.Rounds.Select(r => new RoundImportance(r.Round, [.. r.Importance]))]);

    private ExpertRegistryOf Decode(WireExpertRegistryOf w) =>
        new(w.Registry.Length == 0 ? null : ResolveActorRef(w.Registry));

    private static WireGlobalModel EncodeModel(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var w = new WireGlobalModel
        {
            Version = model.Version,
            Values = TensorCodec.Encode("values", [model.Values.Length], model.Values).Data,
        };
        foreach (var entry in model.Layout.Entries)
        {
            var s = entry.Slice;
            w.Layout.Add(new WireParameterSlice { Name = s.Name, Shape = { s.Shape }, Offset = s.Offset, Length = s.Length });
        }
        return w;
    }

    private GlobalModel DecodeModel(WireGlobalModel? w, string manifest)
    {
        Required(w, manifest, "model");
        var layout = LayoutOf(w!);
        var values = TensorCodec.Decode(new Tensor { Name = "values", Shape = { layout.TotalLength }, Data = w!.Values });
        return new GlobalModel(layout, values.Values.Span, w.Version);
    }

    private ExpertLayout LayoutOf(WireGlobalModel w)
    {
        var last = Volatile.Read(ref _lastLayout);
        if (last is not null && last.Key.Layout.Equals(w.Layout))
        {
            return last.Layout;
        }
        var layout = new ExpertLayout([.. w.Layout.Select(s => new ParameterSlice(s.Name, [.. s.Shape], s.Offset, s.Length))]);
        // Only the layout is kept (the values would pin a whole model).
        var key = new WireGlobalModel { Layout = { w.Layout } };
        Volatile.Write(ref _lastLayout, new DecodedLayout(key, layout));
        return layout;
    }

    private IActorRef ResolveActorRef(string path) => system.Provider.ResolveActorRef(path);

    private static T Required<T>(T? field, string manifest, string name)
        where T : class =>
        field ?? throw new InvalidDataException($"{manifest} payload has no {name}");

    private sealed record DecodedLayout(WireGlobalModel Key, ExpertLayout Layout);
}
