using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace HFedMoE.Actors.Transport;

/// <summary>
/// The receiving side of the large-message transport. For each <see cref="StreamedMessage"/> it
/// checks the declared size against <see cref="TransportSettings.MaxMessageBytes"/>, allocates
/// the message's buffer once, writes every chunk into it where it belongs (no copy per chunk, no
/// list of chunks), then checks the length and the SHA-256, deserializes, and tells the message to
/// its <c>deliverTo</c> as if the announcer (or its <see cref="StreamedMessage.ReplyTo"/>) had sent it.
/// A message that is too large, sends more or fewer bytes than it declared, differs from its digest
/// or does not deserialize is refused: logged, and <see cref="StreamRefused"/> to the announcer;
/// nothing reaches <c>deliverTo</c>. A stream that stops for <see cref="TransportSettings.IdleTimeout"/>
/// (its sender killed: a StreamRef does not fail by itself) or fails is that sender's dropout:
/// logged, refused, and <c>dropout(senderId, reason)</c> (if given) told to <c>deliverTo</c>.
/// One stream per sender id at a time: a second announcement while the first is running is refused.
/// </summary>
public sealed class StreamInbox : ReceiveActor
{
    private readonly IActorRef _deliverTo;
    private readonly TransportSettings _settings;
    private readonly Func<string, string, object>? _dropout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Receipt> _running = new(StringComparer.Ordinal);
    private ActorMaterializer? _materializer;

    public StreamInbox(IActorRef deliverTo, TransportSettings settings, Func<string, string, object>? dropout)
    {
        ArgumentNullException.ThrowIfNull(deliverTo);
        ArgumentNullException.ThrowIfNull(settings);
        _deliverTo = deliverTo;
        _settings = settings;
        _dropout = dropout;
        Receive<StreamedMessage>(Start);
        Receive<StreamEnded>(End);
    }

    /// <param name="deliverTo">Receives each message that arrived whole, from its announcer.</param>
    /// <param name="dropout">The message for <paramref name="deliverTo"/> when a sender's stream stalls or fails (sender id, reason); null: none.</param>
    public static Props Props(IActorRef deliverTo, TransportSettings settings, Func<string, string, object>? dropout = null) =>
        ActorFactory<StreamInbox>.Props(() => new StreamInbox(deliverTo, settings, dropout));

    protected override void PreStart() => _materializer = Context.Materializer(namePrefix: "inbox");

    private void Start(StreamedMessage m)
    {
        if (_running.ContainsKey(m.SenderId))
        {
            Refuse(Sender, m.SenderId, $"a message of '{m.SenderId}' is still streaming; one at a time");
            return;
        }
        if (m.TotalBytes <= 0 || m.TotalBytes > _settings.MaxMessageBytes)
        {
            Refuse(Sender, m.SenderId, $"declares {m.TotalBytes} bytes; {TransportSettings.ConfigPath}.max-message-size allows 1 to {_settings.MaxMessageBytes}");
            return;
        }
        if (m.Sha256 is not { Length: 32 })
        {
            Refuse(Sender, m.SenderId, $"its SHA-256 has {m.Sha256?.Length ?? 0} bytes; expected 32");
            return;
        }
        var receipt = new Receipt(m, Sender, GC.AllocateUninitializedArray<byte>((int)m.TotalBytes));
        _running[m.SenderId] = receipt;
        var self = Self;
        m.Chunks.Source
            .IdleTimeout(_settings.IdleTimeout)
            .RunForeach(receipt.Write, _materializer!)
            .ContinueWith(t => new StreamEnded(receipt, t.Exception?.GetBaseException()), TaskScheduler.Default)
            .PipeTo(self);
    }

    private void End(StreamEnded ended)
    {
        var r = ended.Receipt;
        if (!_running.TryGetValue(r.Message.SenderId, out var current) || !ReferenceEquals(current, r))
        {
            return;
        }
        _running.Remove(r.Message.SenderId);
        string id = r.Message.SenderId;
        switch (ended.Failure)
        {
            case OverflowException overflow:
                Refuse(r.Announcer, id, overflow.Message);
                return;
            case { } failure:
                string reason = failure is TimeoutException
                    ? $"its stream stalled: no chunk for {_settings.IdleTimeout.TotalSeconds:0.###} s ({TransportSettings.ConfigPath}.idle-timeout) after {r.Written} of {r.Message.TotalBytes} bytes"
                    : $"its stream failed after {r.Written} of {r.Message.TotalBytes} bytes: {failure.Message}";
                Refuse(r.Announcer, id, reason);
                if (_dropout is not null)
                {
                    _deliverTo.Tell(_dropout(id, reason));
                }
                return;
        }
        if (r.Written != r.Message.TotalBytes)
        {
            Refuse(r.Announcer, id, $"truncated: its stream ended after {r.Written} of the {r.Message.TotalBytes} bytes it declared");
            return;
        }
        if (!SHA256.HashData(r.Buffer).AsSpan().SequenceEqual(r.Message.Sha256))
        {
            Refuse(r.Announcer, id, "corrupted: the bytes received differ from the SHA-256 it declared");
            return;
        }
        object message;
        try
        {
            message = Context.System.Serialization.Deserialize(r.Buffer, r.Message.SerializerId, r.Message.Manifest);
        }
        catch (Exception e)
        {
            Refuse(r.Announcer, id, $"malformed: its {r.Message.TotalBytes} bytes do not deserialize as '{r.Message.Manifest}' (serializer {r.Message.SerializerId}): {e.Message}");
            return;
        }
        _deliverTo.Tell(message, r.Message.ReplyTo ?? r.Announcer);
    }

    private void Refuse(IActorRef announcer, string senderId, string reason)
    {
        _log.Warning("Refused a streamed message from '{0}' ({1}): {2}", senderId, announcer.Path, reason);
        announcer.Tell(new StreamRefused(senderId, reason));
    }

    protected override void PostStop() => _materializer?.Shutdown();

    /// <summary>One message being received: chunks are written at <see cref="Written"/>; more than declared fails the stream.</summary>
    private sealed class Receipt(StreamedMessage message, IActorRef announcer, byte[] buffer)
    {
        public StreamedMessage Message { get; } = message;

        public IActorRef Announcer { get; } = announcer;

        public byte[] Buffer { get; } = buffer;

        // Written by the stream's thread only, read after the stream's task has completed.
        public long Written { get; private set; }

        public void Write(byte[] chunk)
        {
            if (chunk.LongLength > Buffer.LongLength - Written)
            {
                throw new OverflowException($"oversized: its stream sent more than the {Buffer.LongLength} bytes it declared");
            }
            chunk.CopyTo(Buffer, Written);
            Written += chunk.Length;
        }
    }

    private sealed record StreamEnded(Receipt Receipt, Exception? Failure) : INoSerializationVerificationNeeded;
}
