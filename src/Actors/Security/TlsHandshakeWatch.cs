using Akka.Actor;
using Akka.Event;

namespace HFedMoE.Actors.Security;

/// <summary>
/// Says why a node stopped for a failed TLS handshake. Akka.Remote shuts a node down (its
/// CoordinatedShutdown reason is Akka's internal <c>TlsHandshakeFailureReason</c>, exit code 79)
/// when an outbound handshake fails, and the cause is only in its log. Started before the node
/// connects anywhere, this keeps the first TLS complaints of the log (our CA validator's, naming
/// the certificate and what is wrong with it, and Akka's handshake error), and
/// <see cref="Failure"/> turns them into one line once the node has stopped.
/// </summary>
public sealed class TlsHandshakeWatch
{
    private readonly ActorSystem _system;
    private readonly Complaints _complaints = new();

    private TlsHandshakeWatch(ActorSystem system) => _system = system;

    public static TlsHandshakeWatch Start(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var watch = new TlsHandshakeWatch(system);
        var listener = system.ActorOf(Props.Create(() => new Listener(watch._complaints)).WithDeploy(Deploy.Local), "tls-handshake-watch");
        system.EventStream.Subscribe(listener, typeof(Warning));
        system.EventStream.Subscribe(listener, typeof(Error));
        return watch;
    }

    /// <summary>True if the node has been shut down because a TLS handshake failed.</summary>
    public bool HandshakeFailed =>
        // Akka's reason type is internal: matched by name.
        CoordinatedShutdown.Get(_system).ShutdownReason is { } reason && reason.GetType().Name == "TlsHandshakeFailureReason";

    /// <summary>Null unless <see cref="HandshakeFailed"/>; else one line: what failed and why, as far as this node can tell.</summary>
    public string? Failure
    {
        get
        {
            if (!HandshakeFailed)
            {
                return null;
            }
            string what = CoordinatedShutdown.Get(_system).ShutdownReason!.ToString() ?? "TLS handshake failed";
            string? why = _complaints.Reason();
            return why is null ? what : $"{what}: {why}";
        }
    }

    private sealed class Complaints
    {
        private readonly Lock _lock = new();
        private string? _validator;
        private string? _handshake;

        public void Add(LogEvent e)
        {
            string text = e.Message?.ToString() ?? "";
            lock (_lock)
            {
                if (_validator is null && text.StartsWith("TLS peer ", StringComparison.Ordinal))
                {
                    _validator = text;
                }
                else if (_handshake is null && text.Contains("TLS handshake failed", StringComparison.Ordinal)
                    && text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Inner Exception:", StringComparison.Ordinal)) is { } inner)
                {
                    _handshake = inner["Inner Exception:".Length..].Trim();
                }
            }
        }

        public string? Reason()
        {
            lock (_lock)
            {
                return (_validator, _handshake) switch
                {
                    ({ } v, _) => v,
                    (null, { } h) => $"{h} (if this node trusts the peer's CA, the peer refused this node's certificate: see its log)",
                    _ => null,
                };
            }
        }
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(Complaints complaints) => Receive<LogEvent>(complaints.Add);
    }
}
