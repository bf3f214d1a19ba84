namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// A message sent with <c>hfedmoe.actor.serialize-messages = on</c> could not be serialized and
/// deserialized: it could not cross a process boundary. Logged and attached to the dead letter.
/// </summary>
public sealed class MessageNotSerializableException : Exception
{
    public MessageNotSerializableException(Type messageType, Exception innerException)
        : base($"message of type {messageType?.FullName} is not serializable: {innerException?.Message}", innerException)
    {
        MessageType = messageType;
    }

    public MessageNotSerializableException()
    {
    }

    public MessageNotSerializableException(string message) : base(message)
    {
    }

    public MessageNotSerializableException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The CLR type of the message that failed.</summary>
    public Type? MessageType { get; }
}
