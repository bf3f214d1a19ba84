namespace HFedMoE.Host;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("hfedmoe: nothing to run yet");
        return 0;
    }
}
