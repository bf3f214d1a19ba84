namespace HFedMoE.Runtime.Actor;

/// <summary>A behaviour: handles <paramref name="message"/> and returns false when it does not.</summary>
public delegate bool Receive(object message);
