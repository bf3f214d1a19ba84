using System.Reflection;

namespace HFedMoE.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        var suites = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: dotnet run -c Release --project bench/HFedMoE.Bench -- <suite> [args]");
            Console.WriteLine("suites:");
            foreach (var s in suites)
            {
                Console.WriteLine($"  {s.Name,-14} {s.Description}");
            }
            return args.Length == 0 ? 1 : 0;
        }

        var suite = suites.FirstOrDefault(s => s.Name == args[0]);
        if (suite is null)
        {
            Console.Error.WriteLine($"unknown suite '{args[0]}'; valid: {string.Join(", ", suites.Select(s => s.Name))}");
            return 2;
        }
        return suite.Run(args[1..]);
    }
}
