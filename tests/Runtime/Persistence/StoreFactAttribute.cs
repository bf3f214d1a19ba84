using Xunit.Abstractions;
using Xunit.Sdk;

namespace HFedMoE.Runtime.Tests.Persistence;

/// <summary>
/// A fact of the shared persistence spec. It runs normally, except in a class marked
/// <see cref="RequiresPostgresAttribute"/> when no server is configured: then it is skipped
/// with the reason — but only outside CI. Under CI=true the test runs and fails loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("HFedMoE.Runtime.Tests.Persistence.StoreFactDiscoverer", "HFedMoE.Runtime.Tests")]
public sealed class StoreFactAttribute : FactAttribute
{
}

/// <summary>Marks a spec class that needs <c>HFEDMOE_PG_CONNECTION</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute
{
    public const string EnvironmentVariable = "HFEDMOE_PG_CONNECTION";

    /// <summary>Why the PostgreSQL suite is skipped here, or null when it must run.</summary>
    public static string? SkipReason()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)))
        {
            return null;
        }
        return Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : $"{EnvironmentVariable} is not set (run `source .ci/postgres.sh` to start a local server); skipped outside CI";
    }
}

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new StoreTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class StoreTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    public StoreTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(sink, display, options, testMethod)
    {
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute)
    {
        var needsPostgres = TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute).AssemblyQualifiedName).Any();
        return (needsPostgres ? RequiresPostgresAttribute.SkipReason() : null) ?? base.GetSkipReason(factAttribute);
    }
}
