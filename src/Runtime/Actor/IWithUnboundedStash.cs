namespace HFedMoE.Runtime.Actor;

/// <summary>Actors implementing this get an unbounded <see cref="IStash"/> injected into <see cref="Stash"/> when created.</summary>
public interface IWithUnboundedStash
{
    IStash Stash { get; set; }
}
