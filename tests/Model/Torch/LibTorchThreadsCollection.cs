namespace HFedMoE.Model.Tests.Torch;

/// <summary>
/// Tests that set libtorch's process-wide thread count, and tests that compare the bits of two
/// runs (which hold only for one thread count): one collection, so they never run at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LibTorchThreadsCollection
{
    public const string Name = "libtorch threads";
}
