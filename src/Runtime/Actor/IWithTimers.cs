namespace HFedMoE.Runtime.Actor;

/// <summary>Actors implementing this get an <see cref="ITimerScheduler"/> injected into <see cref="Timers"/> when created.</summary>
public interface IWithTimers
{
    ITimerScheduler Timers { get; set; }
}
