using Akka.Actor;
using Akka.Streams;

namespace HFedMoE.Actors.Transport;

// The large-message transport's messages; their wire forms are Protos/transport.proto, written by
// Serialization/TransportSerializer (bound in hocon/reference.conf).

/// <summary>
/// Announces a message of <paramref name="TotalBytes"/> bytes (serialized by serializer
/// <paramref name="SerializerId"/> with <paramref name="Manifest"/>) whose bytes follow as the
/// <paramref name="Chunks"/> stream, from the party that calls itself <paramref name="SenderId"/>.
/// A <see cref="StreamInbox"/> receives it; replies to the message go to <paramref name="ReplyTo"/>
/// (null: the sender of the announcement). Made by <see cref="LargeMessage.Announce"/>.
/// </summary>
public sealed record StreamedMessage(
    string SenderId, int SerializerId, string Manifest, long TotalBytes, byte[] Sha256, ISourceRef<byte[]> Chunks, IActorRef? ReplyTo = null);

/// <summary>The inbox refused a <see cref="StreamedMessage"/> of <paramref name="SenderId"/> (too large, truncated, corrupted, malformed, or its stream failed).</summary>
public sealed record StreamRefused(string SenderId, string Reason);
