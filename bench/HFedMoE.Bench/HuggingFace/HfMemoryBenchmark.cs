using System.Diagnostics;
using System.Globalization;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Torch;
using static TorchSharp.torch;

namespace HFedMoE.Bench.HuggingFace;

/// <summary>
/// Peak memory of a client that loads only the shared tensors, the gates and the experts its
/// budget lets it train (lazily, from memory-mapped safetensors), against a client holding every
/// expert, each in a process of its own (peak RSS is per process), each running one training
/// step (forward, causal-LM loss, backward) on the same batch.
/// </summary>
internal sealed class HfMemoryBenchmark : IBenchmarkSuite
{
    private static readonly int[] Budgets = [2, 4, 8, 16];

    public string Name => "hf-memory";

    public string Description => "peak memory of a budget-b client loading only its experts from mmap'd safetensors vs an all-experts client; --model <dir>, --quick";

    public int Run(string[] args)
    {
        if (args.Length == 3 && args[0] == "--child")
        {
            return Child(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        }
        bool quick = args.Contains("--quick");
        int at = Array.IndexOf(args, "--model");
        string? folder = at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        string? temp = null;
        if (folder is null)
        {
            temp = Directory.CreateTempSubdirectory("hfedmoe-hfmem-").FullName;
            folder = temp;
            // 4 layers × 16 experts, hidden 512, expert hidden 1024: 100 M expert parameters, BF16 on disk.
            var config = TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe, vocab: 4096, layers: 4, experts: 16, hidden: quick ? 256 : 512, expertHidden: quick ? 512 : 1024, heads: 8, kvHeads: 2, torchDtype: "bfloat16");
            TinyHfCheckpoint.Write(folder, config, seed: 1);
        }
        try
        {
            int total;
            long fileBytes;
            using (var checkpoint = HfCheckpoint.Open(folder))
            {
                total = checkpoint.Config.Layers * checkpoint.Config.Experts;
                fileBytes = checkpoint.WeightBytes;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model {folder}: {checkpoint.Config.Architecture}, {checkpoint.Config.Layers} layers × {checkpoint.Config.Experts} experts, {checkpoint.Layout.Elements / 1e6:F1} M parameters ({checkpoint.Layout.Elements * 4 / 1048576.0:F0} MiB as float32), {fileBytes / 1048576.0:F0} MiB on disk"));
            }
            int[] budgets = [.. Budgets.Where(b => b < total), total];
            var rows = new List<(int Budget, string Line, double Peak)>();
            foreach (int b in budgets)
            {
                var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
                {
                    info.ArgumentList.Add(typeof(HfMemoryBenchmark).Assembly.Location);
                }
                foreach (string a in new[] { Name, "--child", folder, b.ToString(CultureInfo.InvariantCulture) })
                {
                    info.ArgumentList.Add(a);
                }
                using var p = Process.Start(info)!;
                string line = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    Console.Error.WriteLine($"child for budget {b} failed ({p.ExitCode}): {line}");
                    return 1;
                }
                rows.Add((b, line, double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture)));
            }
            double all = rows[^1].Peak;
            Console.WriteLine("budget  experts held  parameters held  loaded (above start)  peak RSS  step peak above start  vs all-experts client");
            foreach (var (b, line, peak) in rows)
            {
                var f = line.Split(' ');
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b,6}  {f[0],12}  {f[1] + " MiB",15}  {f[2] + " MiB",20}  {f[3] + " MiB",8}  {f[4] + " MiB",22}  {peak / all,8:P0}"));
            }
            return 0;
        }
        finally
        {
            if (temp is not null)
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>Loads shared + gates + <paramref name="budget"/> experts (spread over the layers), runs one training step, prints held experts, held MiB, peak after loading above the start, peak RSS, peak above the start (MiB), and the peak again.</summary>
    private static int Child(string folder, int budget)
    {
        TorchNative.EnsureLoaded();
        set_num_threads(1);
        // Warm-up: a training step of a tiny model pages in libtorch's forward and autograd code,
        // a fixed cost of every process, so "above start" is the client's model and step alone.
        using (var scope = NewDisposeScope())
        using (var tiny = new MoeCausalLm(TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe)))
        {
            var input = tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [2, 4]);
            CausalLmLoss.Compute(tiny.Forward(input).Logits, input).backward();
        }
        double start = Status("VmRSS");
        using var checkpoint = HfCheckpoint.Open(folder);
        int layers = checkpoint.Config.Layers;
        var held = new HashSet<(int, int)>(Enumerable.Range(0, budget).Select(i => (i % layers, i / layers)));
        using var model = MoeCausalLm.FromCheckpoint(checkpoint, (l, e) => held.Contains((l, e)));
        long elements = model.parameters().Sum(p => p.numel());
        double loaded = Status("VmHWM") - start;
        using (var scope = NewDisposeScope())
        {
            var random = new Random(3);
            long[] ids = [.. Enumerable.Range(0, 4 * 64).Select(_ => (long)random.Next(checkpoint.Config.VocabSize))];
            var input = tensor(ids, [4, 64]);
            var loss = CausalLmLoss.Compute(model.Forward(input).Logits, input);
            loss.backward();
        }
        double peak = Status("VmHWM");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{held.Count} {elements * 4 / 1048576.0:F0} {loaded:F0} {peak:F0} {peak - start:F0} {peak:F1}"));
        return 0;
    }

    /// <summary>A /proc/self/status memory field in MiB.</summary>
    private static double Status(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
