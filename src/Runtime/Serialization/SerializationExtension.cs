using System.Collections.Concurrent;
using Google.Protobuf;
using HFedMoE.Runtime.Actor;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// Per-ActorSystem message serialization (<c>SerializationExtension.Get(system)</c>): the registry
/// messages are serialized with (byte[], protobuf, primitives, plus what applications add with
/// <see cref="AddSerializer"/>; no JSON fallback, so a message nobody bound fails instead of
/// "passing" as reflection JSON), actor references as path strings, and the
/// <c>hfedmoe.actor.serialize-messages</c> test mode, in which every user message a local actor
/// receives is a deserialized copy of what was sent.
/// </summary>
public sealed class SerializationExtension
{
    /// <summary>The config key of the test mode.</summary>
    public const string SerializeMessagesPath = "hfedmoe.actor.serialize-messages";

    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<Type, bool> _localOnly = new();
    private SerializerRegistry _registry;

    private SerializationExtension(ActorSystem system)
    {
        _system = system;
        SerializeMessages = system.Config.GetBoolean(SerializeMessagesPath);
        var primitive = new PrimitiveSerializer();
        _registry = new SerializerRegistry(
            [(typeof(byte[]), new ByteArraySerializer()), (typeof(IMessage), new ProtobufSerializer()), .. PrimitiveSerializer.Types.Select(t => (t, (ISerializer)primitive))]);
    }

    /// <summary>Whether every user message is serialized and deserialized on its way to a local actor.</summary>
    public bool SerializeMessages { get; }

    /// <summary>The registry in force (a snapshot: <see cref="AddSerializer"/> replaces it).</summary>
    public SerializerRegistry Registry => Volatile.Read(ref _registry);

    public static SerializationExtension Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.GetOrAddExtension(s => new SerializationExtension(s));
    }

    /// <summary>Binds <paramref name="types"/> (and their subtypes) to <paramref name="serializer"/>, ahead of the existing bindings. Call before the messages are sent.</summary>
    public void AddSerializer(ISerializer serializer, IEnumerable<Type> types)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(types);
        SerializerRegistry current, next;
        do
        {
            current = Volatile.Read(ref _registry);
            next = current;
            foreach (var t in types)
            {
                next = next.WithBinding(t, serializer);
            }
        }
        while (Interlocked.CompareExchange(ref _registry, next, current) != current);
    }

    /// <summary>
    /// Exempts <paramref name="type"/> from <c>serialize-messages</c>: for messages whose type
    /// cannot carry <see cref="INoSerializationVerificationNeeded"/> (declared elsewhere) but that
    /// by design stay in the process.
    /// </summary>
    public void AddLocalOnly(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        _localOnly[type] = true;
    }

    /// <summary>
    /// Whether <c>serialize-messages</c> checks messages of <paramref name="type"/>. Exempt: the
    /// kernel's own messages (PoisonPill, Kill, Identify, Terminated, Status, timers: the
    /// transport has its own forms for those, as in Akka), <see cref="INoSerializationVerificationNeeded"/>,
    /// types given to <see cref="AddLocalOnly"/>, and non-public types (only code in their
    /// assembly can create them, so they are an actor's private self-messages, never a wire format).
    /// </summary>
    public bool NeedsVerification(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.IsVisible
            && type.Assembly != typeof(SerializationExtension).Assembly
            && !typeof(INoSerializationVerificationNeeded).IsAssignableFrom(type)
            && !_localOnly.ContainsKey(type);
    }

    /// <summary>Serializes <paramref name="message"/> with <see cref="Registry"/> and returns the deserialized copy.</summary>
    /// <exception cref="MessageNotSerializableException">No serializer is bound, or one failed either way.</exception>
    public object RoundTrip(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var registry = Registry;
            var payload = registry.Serialize(message);
            return registry.Deserialize(payload);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new MessageNotSerializableException(message.GetType(), e);
        }
    }

    /// <summary>The wire form of an actor reference: its full path with the incarnation uid.</summary>
    public static string SerializedActorRef(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Path.ToStringWithUid();
    }

    /// <summary>
    /// The live local actor at <paramref name="path"/> (and, when the path has a uid, that
    /// incarnation); otherwise dead letters, as Akka resolves a path whose actor is gone.
    /// </summary>
    /// <exception cref="FormatException"><paramref name="path"/> is not an actor path.</exception>
    public IActorRef ResolveActorRef(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parsed = ActorPath.Parse(path);
        if (parsed.Address != _system.Address)
        {
            return _system.DeadLetters;
        }
        var found = _system.Resolve(parsed.Elements);
        return found is not null && (parsed.Uid == 0 || found.Path.Uid == parsed.Uid) ? found : _system.DeadLetters;
    }

    /// <summary>
    /// The copy a local recipient gets under <c>serialize-messages</c>, or null when the message
    /// cannot be serialized: then, like Akka (which logs and swallows the failed send), the send
    /// does not throw; the failure is logged at Error naming the type and cause, and the message
    /// goes to dead letters.
    /// </summary>
    internal object? CopyForDelivery(object message, IActorRef? sender, IActorRef recipient)
    {
        if (!NeedsVerification(message.GetType()))
        {
            return message;
        }
        try
        {
            return RoundTrip(message);
        }
        catch (MessageNotSerializableException e)
        {
            _system.EmitLog(LogLevel.Error, recipient.Path.ToString(), $"serialize-messages: dropped a message to {recipient.Path}: {e.Message}", e);
            _system.DeadLetterRef.Publish(message, sender, recipient);
            return null;
        }
    }
}
