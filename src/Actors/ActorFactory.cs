using Akka.Actor;

namespace HFedMoE.Actors;

/// <summary>
/// <see cref="Props"/> that create the actor by calling <paramref name="create"/>, through Akka's
/// <see cref="IIndirectActorProducer"/>. <c>Props.Create(() => new T(...))</c> instead matches a
/// public constructor by the argument values' types at run time, which fails for an internal
/// constructor or a null argument; a factory is also checked by the compiler. In-process actors
/// only: such Props cannot be deployed remotely.
/// </summary>
internal sealed class ActorFactory<TActor>(Func<TActor> create) : IIndirectActorProducer
    where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public static Props Props(Func<TActor> create) => Akka.Actor.Props.CreateBy(new ActorFactory<TActor>(create));

    public ActorBase Produce() => create();

    public void Release(ActorBase actor)
    {
        // Nothing to release: the actor owns what it holds.
    }
}
