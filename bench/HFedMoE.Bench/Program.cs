namespace HFedMoE.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("usage: dotnet run -c Release --project bench/HFedMoE.Bench -- <suite>");
        return 0;
    }
}
