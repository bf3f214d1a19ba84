namespace HFedMoE.Host.Tests.Docker;

/// <summary>
/// A fact that needs docker (it builds images and runs containers): it runs where
/// <c>HFEDMOE_DOCKER</c> is set (<c>source .ci/docker.sh</c> sets it once docker is installed and
/// the base image is made) and always under CI=true, where a missing docker fails it. Elsewhere it
/// is skipped with the reason, like the PostgreSQL tests.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class DockerFactAttribute : FactAttribute
{
    public const string EnvironmentVariable = "HFEDMOE_DOCKER";

    public DockerFactAttribute() => Skip = SkipReason();

    private static string? SkipReason() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)) || Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : $"{EnvironmentVariable} is not set (run `source .ci/docker.sh` to install docker and make the base image); skipped outside CI";
}
