using System.Security.Cryptography;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace HFedMoE.Actors.Transport;

/// <summary>
/// The sending side of the large-message transport: a message is serialized once (by the
/// serializer Akka binds to it), and its bytes are offered as a SourceRef of chunks that the
/// receiving <see cref="StreamInbox"/> pulls at its own pace (Akka.Streams' demand: no chunk is
/// made before it is wanted). Each chunk is a short-lived copy of one slice; the message is held
/// once, until the receiver has pulled it or the SourceRef's subscription timed out. Tell the
/// announcement (<see cref="StreamedMessage"/>) to the receiver's inbox.
/// </summary>
public sealed class LargeMessageSender : IDisposable
{
    private readonly ActorSystem _system;
    private readonly TransportSettings _settings;
    private readonly ActorMaterializer _materializer;

    public LargeMessageSender(ActorSystem system, TransportSettings settings, IActorRefFactory? streamsOwner = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        _system = system;
        _settings = settings;
        // A materializer of its own, stopped by Dispose (an actor passes its Context, so the streams
        // also stop with it). Without explicit settings Akka would hand out the system's shared
        // materializer, and Dispose would shut that down for everyone.
        _materializer = ActorMaterializer.Create(streamsOwner ?? system, ActorMaterializerSettings.Create(system), "large-message");
    }

    /// <summary>Serializes <paramref name="message"/> and materializes the SourceRef of its chunks.</summary>
    /// <exception cref="ArgumentException">The serialized message exceeds <see cref="TransportSettings.MaxMessageBytes"/>.</exception>
    public Task<StreamedMessage> Announce(object message, string senderId, IActorRef? replyTo = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var serializer = _system.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Announce(bytes, serializer.Identifier, manifest, senderId, replyTo);
    }

    /// <summary>
    /// Offers <paramref name="bytes"/> (a message serialized by <paramref name="serializerId"/>
    /// with <paramref name="manifest"/>) as a stream. The array is read, not copied: leave it
    /// unchanged until the stream has completed.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes exceed <see cref="TransportSettings.MaxMessageBytes"/>.</exception>
    public Task<StreamedMessage> Announce(byte[] bytes, int serializerId, string manifest, string senderId, IActorRef? replyTo = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(senderId);
        if (bytes.LongLength > _settings.MaxMessageBytes)
        {
            throw new ArgumentException(
                $"the message of '{senderId}' is {bytes.LongLength} bytes serialized; {TransportSettings.ConfigPath}.max-message-size allows {_settings.MaxMessageBytes}", nameof(bytes));
        }
        return Offer(Source.From(Slices(bytes, _settings.ChunkBytes)), bytes.LongLength, SHA256.HashData(bytes), serializerId, manifest, senderId, replyTo);
    }

    /// <summary>
    /// Announces <paramref name="chunks"/> as a message of <paramref name="totalBytes"/> bytes with
    /// digest <paramref name="sha256"/>, as they are: the receiver checks that they add up.
    /// </summary>
    public async Task<StreamedMessage> Offer(Source<byte[], Akka.NotUsed> chunks, long totalBytes, byte[] sha256, int serializerId, string manifest, string senderId, IActorRef? replyTo = null)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(sha256);
        var sourceRef = await chunks.RunWith(StreamRefs.SourceRef<byte[]>(), _materializer).ConfigureAwait(false);
        return new StreamedMessage(senderId, serializerId, manifest, totalBytes, sha256, sourceRef, replyTo);
    }

    public void Dispose() => _materializer.Shutdown();

    private static IEnumerable<byte[]> Slices(byte[] bytes, int chunkBytes)
    {
        for (int offset = 0; offset < bytes.Length; offset += chunkBytes)
        {
            yield return bytes.AsSpan(offset, Math.Min(chunkBytes, bytes.Length - offset)).ToArray();
        }
    }
}
