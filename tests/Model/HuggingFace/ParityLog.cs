namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>
/// The parity tests' measured lines, appended to the file named by <c>HFEDMOE_HF_PARITY_LOG</c>
/// (set by .ci/hf-fixtures.sh; .ci/run prints it after the suite), so the CI log shows that the
/// PyTorch and JS references really ran and by how much they agreed.
/// </summary>
internal static class ParityLog
{
    public static void Write(Xunit.Abstractions.ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("HFEDMOE_HF_PARITY_LOG") is { Length: > 0 } file)
        {
            File.AppendAllLines(file, [line]);
        }
    }
}
