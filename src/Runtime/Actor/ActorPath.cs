namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Placeholder shape owned by the actor-core work: an address plus path elements, printed as
/// <c>hfedmoe://system@host:port/user/a/b</c>. Replace freely, keep it a value type in spirit.
/// </summary>
public sealed record ActorPath(string Address, IReadOnlyList<string> Elements)
{
    public override string ToString() => Address + "/" + string.Join('/', Elements);
}
