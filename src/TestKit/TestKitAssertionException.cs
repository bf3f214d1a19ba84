using Xunit.Sdk;

namespace HFedMoE.TestKit;

/// <summary>
/// A failed TestKit expectation (wrong message, timeout, missing log event). It derives from
/// xunit's exception type so the runner reports it as an assertion failure, not as an error.
/// </summary>
public sealed class TestKitAssertionException : XunitException
{
    public TestKitAssertionException(string message)
        : base(message)
    {
    }

    public TestKitAssertionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
