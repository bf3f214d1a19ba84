using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Host.Pretraining;
using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Torch;
using Spectre.Console;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe pretrain</c>: generates the public pre-training split, trains the base MoE model
/// on a keyword objective, writes a safetensors checkpoint and reports expert specialisation.
/// </summary>
internal static class PretrainCommand
{
    public static Command Build(CliContext context)
    {
        var defaults = new PretrainSettings();
        var model = defaults.Model;
        var steps = CliOptions.Int("--steps", defaults.Steps, 1, "training steps");
        var batch = CliOptions.Int("--batch-size", defaults.BatchSize, 1, "samples per step");
        var seed = CliOptions.Int("--seed", defaults.Seed, 0, "seed of the data, the masks and the weights");
        var output = CliOptions.Path("--out", "pretrained.safetensors", "checkpoint to write");
        var dataDir = CliOptions.Path("--data-dir", null, "also write the generated public split as readable text to this folder");
        var lr = CliOptions.Double("--lr", (double)(decimal)defaults.LearningRate, 0, 1, minExclusive: true, "peak AdamW learning rate");
        var warmup = CliOptions.Int("--warmup", defaults.WarmupSteps, 0, "linear warm-up steps before cosine decay");
        var attention = CliOptions.Choice("--attention", "off", ["off", "on"], "self-attention sub-layer in each block");
        var layers = CliOptions.Int("--layers", model.Layers, 1, "MoE blocks", 64);
        var experts = CliOptions.Int("--experts", model.Experts, 1, "experts per MoE block", 4096);
        var topK = CliOptions.Int("--top-k", model.TopK, 1, "experts per token", 4096);
        var dModel = CliOptions.Int("--d-model", model.DModel, 1, "model width", 65536);
        var hidden = CliOptions.Int("--hidden", model.ExpertHidden, 1, "expert hidden width", 65536);
        var heads = CliOptions.Int("--heads", model.Heads, 1, "attention heads (with --attention on)", 1024);
        var balance = CliOptions.Double("--load-balance", (double)(decimal)model.LoadBalanceCoef, 0, 100, minExclusive: false, "load-balancing loss coefficient");
        var objective = CliOptions.Choice("--objective", defaults.Objective, [.. PretrainSettings.Objectives], "pre-training objective (cooccurrence: predict another keyword of the same text; masked: predict hidden keywords, needs --attention on to see context)");
        var maskFraction = CliOptions.Double("--mask-fraction", defaults.MaskFraction, 0, 1, minExclusive: true, "share of keyword positions masked");
        var publicSize = CliOptions.Int("--public-size", defaults.Corpus.PublicSize, 1, "samples in the public pre-training split");
        var analysis = CliOptions.Int("--analysis-samples", defaults.AnalysisSamples, 1, "fresh samples routed for the specialisation report");
        var progress = CliOptions.Choice("--progress", "auto", ["auto", "bar", "plain"], "progress display (auto: a bar on a terminal, lines otherwise)");
        var config = CliOptions.Path("--config", null, $"HOCON file layered over the defaults; its {TorchConfig.ConfigPath} section sets the device and threads");

        var command = new Command("pretrain", "pre-train the base MoE model on the public split (keyword objective) and report expert specialisation")
        {
            steps, batch, seed, output, dataDir, lr, warmup, attention, layers, experts, topK, dModel, hidden, heads,
            balance, objective, maskFraction, publicSize, analysis, progress, config,
        };
        command.SetAction((parse, cancellation) =>
        {
            var settings = defaults with
            {
                Steps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                Seed = parse.GetValue(seed),
                LearningRate = (float)parse.GetValue(lr),
                WarmupSteps = parse.GetValue(warmup),
                Objective = parse.GetValue(objective)!,
                MaskFraction = parse.GetValue(maskFraction),
                AnalysisSamples = parse.GetValue(analysis),
                Corpus = defaults.Corpus with { PublicSize = parse.GetValue(publicSize) },
                Model = model with
                {
                    UseAttention = parse.GetValue(attention) == "on",
                    Layers = parse.GetValue(layers),
                    Experts = parse.GetValue(experts),
                    TopK = parse.GetValue(topK),
                    DModel = parse.GetValue(dModel),
                    ExpertHidden = parse.GetValue(hidden),
                    Heads = parse.GetValue(heads),
                    LoadBalanceCoef = (float)parse.GetValue(balance),
                },
            };
            string mode = parse.GetValue(progress)!;
            bool bar = mode == "bar" || (mode == "auto" && context.Interactive);
            return Task.FromResult(Execute(context, settings, parse.GetValue(config), parse.GetValue(output)!, parse.GetValue(dataDir), bar, cancellation));
        });
        return command;
    }

    private static int Execute(CliContext context, PretrainSettings settings, string? configFile, string output, string? dataDir, bool bar, CancellationToken cancellation)
    {
        TorchSettings torchSettings;
        try
        {
            settings.Validate();
            torchSettings = TorchConfig.FromConfig(HfedmoeConfig.Load(configFile));
        }
        catch (Exception e) when (e is ArgumentException or ConfigurationException)
        {
            context.Error.WriteLine($"hfedmoe pretrain: {e.Message}");
            return HfedmoeCli.UsageError;
        }
        TorchDevice device;
        try
        {
            device = TorchDevice.Open(torchSettings);
        }
        catch (TorchNativeException e)
        {
            context.Error.WriteLine($"hfedmoe pretrain: {e.Message}");
            return HfedmoeCli.Failure;
        }
        var m = settings.EffectiveModel;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pretrain: {settings.Corpus.PublicSize} public samples, d={m.DModel}, {m.Layers}×{m.Experts} experts (hidden {m.ExpertHidden}, top-{m.TopK}), attention {(m.UseAttention ? "on" : "off")}, objective {settings.Objective}, {settings.Steps} steps × batch {settings.BatchSize}, seed {settings.Seed}, on TorchSharp: {device}"));
        if (settings.Objective == "masked" && !m.UseAttention)
        {
            context.Out.WriteLine("note: without attention a masked position sees only [MASK]; expect little specialisation (use --attention on, or --objective cooccurrence)");
        }
        try
        {
            if (dataDir is not null)
            {
                string file = WritePublicSplit(settings, dataDir);
                context.Out.WriteLine($"public split written to {file}");
            }
            PretrainResult result;
            if (bar)
            {
                result = AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("pretrain", maxValue: settings.Steps);
                        return Pretrainer.Run(settings, output, device.Device, p =>
                        {
                            task.Value = p.Step;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F3} {p.StepsPerSecond:F1} steps/s");
                        }, cancellation);
                    });
            }
            else
            {
                int every = Math.Max(1, settings.Steps / 20);
                result = Pretrainer.Run(settings, output, device.Device, p =>
                {
                    if (p.Step % every == 0 || p.Step == p.TotalSteps)
                    {
                        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  balance {p.BalanceLoss:F4}  {p.StepsPerSecond:F1} steps/s  ETA {Duration(p.Remaining)}"));
                    }
                }, cancellation);
            }
            SpecialisationPrinter.Write(context.Out, result);
            return HfedmoeCli.Success;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("hfedmoe pretrain: cancelled; no checkpoint was written");
            return HfedmoeCli.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            context.Error.WriteLine($"hfedmoe pretrain: {e.Message}");
            return HfedmoeCli.Failure;
        }
    }

    private static string WritePublicSplit(PretrainSettings settings, string dataDir)
    {
        var generator = new CorpusGenerator(settings.Corpus);
        var split = generator.PublicSplit((ulong)settings.Seed);
        Directory.CreateDirectory(dataDir);
        string path = Path.Combine(dataDir, "pretrain-public.tsv");
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# hfedmoe public pre-training split, seed {settings.Seed}, fingerprint {DataFingerprint.Of(split)}"));
        writer.WriteLine("# topic\tsub_topic\trare\tstyle\ttokens");
        foreach (var s in split)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Topic}\t{generator.Vocabulary.SubTopicName(s.SubTopic)}\t{(s.IsRare ? 1 : 0)}\t{s.Style}\t{generator.Vocabulary.Decode(s.Tokens)}"));
        }
        return Path.GetFullPath(path);
    }

    internal static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s"
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F0}s");
}
