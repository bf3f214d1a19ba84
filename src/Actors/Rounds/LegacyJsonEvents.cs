using System.Text.Json;
using System.Text.Json.Serialization;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// The journal events as the previous version stored them: C# records written by the
/// persistence layer's JSON fallback, under the manifest "HFedMoE.Actors.Rounds.&lt;Name&gt;,
/// HFedMoE.Actors". That manifest now names the protobuf message of the same name, so each
/// message carries a converter that reads (and, for tools and tests, writes) the old JSON shape.
/// The records below are that shape, field for field; never change them.
/// </summary>
internal static class LegacyJsonEvents
{
    internal sealed record RoundStartedRow(int Round, int ModelVersion, string[] Participants, string[] PlanDigests);

    internal sealed record UpdateAcceptedRow(int Round, string ClientId, string Digest);

    internal sealed record ClientDroppedRow(int Round, string ClientId, string Reason);

    internal sealed record DeadlineExtendedRow(int Round, int Extension);

    internal sealed record RoundCommittedRow(int Round, int ModelVersion, string ModelDigest, Dictionary<string, double> Metrics, string[] Dropped);

    internal sealed record RoundClosedIncompleteRow(int Round, string Reason);

    internal sealed record RoundManagerSnapshotRow(int NextRound, int ModelVersion, string? ModelDigest);

    /// <summary>Reads and writes <typeparamref name="TMessage"/> in the JSON shape of <typeparamref name="TRow"/>.</summary>
    internal abstract class Converter<TMessage, TRow> : JsonConverter<TMessage>
    {
        public override TMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            FromRow(JsonSerializer.Deserialize<TRow>(ref reader, options)
                ?? throw new JsonException($"a null {typeof(TMessage).Name} row"));

        public override void Write(Utf8JsonWriter writer, TMessage value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, ToRow(value), options);

        protected abstract TMessage FromRow(TRow row);

        protected abstract TRow ToRow(TMessage message);
    }

    internal sealed class RoundStartedConverter : Converter<RoundStarted, RoundStartedRow>
    {
        protected override RoundStarted FromRow(RoundStartedRow row) => new(row.Round, row.ModelVersion, row.Participants ?? [], row.PlanDigests ?? []);

        protected override RoundStartedRow ToRow(RoundStarted m) => new(m.Round, m.ModelVersion, [.. m.Participants], [.. m.PlanDigests]);
    }

    internal sealed class UpdateAcceptedConverter : Converter<UpdateAccepted, UpdateAcceptedRow>
    {
        protected override UpdateAccepted FromRow(UpdateAcceptedRow row) => new(row.Round, row.ClientId ?? "", row.Digest ?? "");

        protected override UpdateAcceptedRow ToRow(UpdateAccepted m) => new(m.Round, m.ClientId, m.Digest);
    }

    internal sealed class ClientDroppedConverter : Converter<ClientDropped, ClientDroppedRow>
    {
        protected override ClientDropped FromRow(ClientDroppedRow row) => new(row.Round, row.ClientId ?? "", row.Reason ?? "");

        protected override ClientDroppedRow ToRow(ClientDropped m) => new(m.Round, m.ClientId, m.Reason);
    }

    internal sealed class DeadlineExtendedConverter : Converter<DeadlineExtended, DeadlineExtendedRow>
    {
        protected override DeadlineExtended FromRow(DeadlineExtendedRow row) => new(row.Round, row.Extension);

        protected override DeadlineExtendedRow ToRow(DeadlineExtended m) => new(m.Round, m.Extension);
    }

    internal sealed class RoundCommittedConverter : Converter<RoundCommitted, RoundCommittedRow>
    {
        protected override RoundCommitted FromRow(RoundCommittedRow row) => new(row.Round, row.ModelVersion, row.ModelDigest ?? "", row.Metrics ?? [], row.Dropped ?? []);

        protected override RoundCommittedRow ToRow(RoundCommitted m) => new(m.Round, m.ModelVersion, m.ModelDigest, new Dictionary<string, double>(m.Metrics, StringComparer.Ordinal), [.. m.Dropped]);
    }

    internal sealed class RoundClosedIncompleteConverter : Converter<RoundClosedIncomplete, RoundClosedIncompleteRow>
    {
        protected override RoundClosedIncomplete FromRow(RoundClosedIncompleteRow row) => new(row.Round, row.Reason ?? "");

        protected override RoundClosedIncompleteRow ToRow(RoundClosedIncomplete m) => new(m.Round, m.Reason);
    }

    internal sealed class RoundManagerSnapshotConverter : Converter<RoundManagerSnapshot, RoundManagerSnapshotRow>
    {
        protected override RoundManagerSnapshot FromRow(RoundManagerSnapshotRow row) => new(row.NextRound, row.ModelVersion, row.ModelDigest);

        protected override RoundManagerSnapshotRow ToRow(RoundManagerSnapshot m) => new(m.NextRound, m.ModelVersion, m.ModelDigestOrNull);
    }
}
