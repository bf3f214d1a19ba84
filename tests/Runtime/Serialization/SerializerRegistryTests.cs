using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Tests.Serialization;

public sealed class SerializerRegistryTests
{
    private readonly SerializerRegistry _registry = SerializerRegistry.CreateDefault();

    [Fact]
    public void Protobuf_messages_use_their_full_protobuf_name_as_manifest_and_round_trip()
    {
        var msg = new Duration { Seconds = 5, Nanos = 6 };
        var payload = _registry.Serialize(msg);
        Assert.Equal(ProtobufSerializer.Id, payload.SerializerId);
        Assert.Equal("google.protobuf.Duration", payload.Manifest);
        Assert.Equal(msg, _registry.Deserialize(payload));
    }

    [Fact]
    public void A_fresh_registry_finds_a_protobuf_parser_by_manifest_alone()
    {
        // Nothing was serialized through this registry: the parser is found by reflection.
        var bytes = new StringValue { Value = "hi" }.ToByteArray();
        var fresh = SerializerRegistry.CreateDefault();
        Assert.Equal(new StringValue { Value = "hi" }, fresh.Deserialize(ProtobufSerializer.Id, "google.protobuf.StringValue", bytes));
    }

    [Fact]
    public void Byte_arrays_pass_through_the_bytes_serializer()
    {
        var payload = _registry.Serialize(new byte[] { 1, 2, 3 });
        Assert.Equal(ByteArraySerializer.Id, payload.SerializerId);
        Assert.Equal(string.Empty, payload.Manifest);
        Assert.Equal(new byte[] { 1, 2, 3 }, (byte[])_registry.Deserialize(payload));
    }

    [Fact]
    public void Records_fall_back_to_json_with_type_and_assembly_name_as_manifest()
    {
        var payload = _registry.Serialize(new Sample("a", 2));
        Assert.Equal(JsonRecordSerializer.Id, payload.SerializerId);
        Assert.Equal($"{typeof(Sample).FullName}, {typeof(Sample).Assembly.GetName().Name}", payload.Manifest);
        Assert.Equal(new Sample("a", 2), _registry.Deserialize(payload));
    }

    [Fact]
    public void Json_records_keep_nan_and_infinities_in_metrics()
    {
        var metrics = new Metrics(new Dictionary<string, double> { ["loss"] = double.NaN, ["up"] = double.PositiveInfinity, ["x"] = 0.25 });
        var back = (Metrics)_registry.Deserialize(_registry.Serialize(metrics));
        Assert.True(double.IsNaN(back.Values["loss"]));
        Assert.Equal(double.PositiveInfinity, back.Values["up"]);
        Assert.Equal(0.25, back.Values["x"]);
    }

    [Fact]
    public void Unknown_protobuf_manifest_fails_naming_the_manifest()
    {
        var e = Assert.Throws<UnknownManifestException>(() => _registry.Deserialize(ProtobufSerializer.Id, "hfedmoe.NoSuchMessage", []));
        Assert.Equal("hfedmoe.NoSuchMessage", e.Manifest);
        Assert.Contains("hfedmoe.NoSuchMessage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_json_type_fails_naming_the_manifest()
    {
        var e = Assert.Throws<UnknownManifestException>(() => _registry.Deserialize(JsonRecordSerializer.Id, "No.Such.Type, Nowhere", "{}"u8.ToArray()));
        Assert.Contains("No.Such.Type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_serializer_id_fails_listing_the_known_ids()
    {
        var e = Assert.Throws<UnknownManifestException>(() => _registry.Deserialize(99, "", []));
        Assert.Contains("99", e.Message, StringComparison.Ordinal);
        Assert.Contains("1, 2, 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_fallback_unbound_types_cannot_be_serialized()
    {
        var strict = SerializerRegistry.CreateDefault(jsonFallback: false);
        var e = Assert.Throws<NotSupportedException>(() => strict.Serialize(new Sample("x", 1)));
        Assert.Contains(typeof(Sample).FullName!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Earlier_bindings_win_and_WithBinding_puts_the_new_one_first()
    {
        var custom = new FixedSerializer();
        var registry = _registry.WithBinding(typeof(Sample), custom);
        Assert.Same(custom, registry.FindSerializerFor(typeof(Sample)));
        Assert.IsType<JsonRecordSerializer>(_registry.FindSerializerFor(typeof(Sample)));
        Assert.IsType<ProtobufSerializer>(registry.FindSerializerFor(typeof(Duration)));
    }

    [Fact]
    public void Two_serializers_with_one_id_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SerializerRegistry([(typeof(byte[]), new ByteArraySerializer()), (typeof(string), new ByteArraySerializer())]));
        Assert.Contains("identifier 4", e.Message, StringComparison.Ordinal);
    }

    public sealed record Sample(string Name, int Count);

    public sealed record Metrics(Dictionary<string, double> Values);

    private sealed class FixedSerializer : ISerializer
    {
        public int Identifier => 77;

        public byte[] ToBinary(object obj) => [7];

        public object FromBinary(byte[] bytes, string manifest) => new Sample("fixed", 7);

        public string Manifest(object obj) => "fixed";
    }
}
