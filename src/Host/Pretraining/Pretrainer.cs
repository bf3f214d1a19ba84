using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using TorchSharp;

namespace HFedMoE.Host.Pretraining;

/// <summary>
/// Central pre-training of the base MoE model on the public split with a keyword objective
/// (<see cref="PretrainSettings.Objective"/>), then a routing analysis (does each expert serve one sub-topic's keywords?) and
/// a safetensors checkpoint whose metadata records the settings, the data fingerprint and the
/// specialisation summary. Trains on TorchSharp (<see cref="TorchMoETransformer"/>'s LM head,
/// <see cref="MaskedAdamW"/> over every parameter, global-norm clipping, warm-up + cosine) on the
/// given device; the same settings, device and libtorch thread count give the same checkpoint bytes.
/// </summary>
internal static class Pretrainer
{
    /// <summary>Steps averaged for the reported initial and final loss (a quarter of short runs).</summary>
    private const int MaxLossWindow = 50;

    /// <param name="device">Where the model's tensors live (null: the CPU); open it with <c>TorchDevice.Open</c>, which also sets libtorch's threads.</param>
    public static PretrainResult Run(
        PretrainSettings settings,
        string checkpointPath,
        torch.Device? device = null,
        Action<PretrainProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var clock = Stopwatch.StartNew();
        ulong seed = (ulong)settings.Seed;
        var generator = new CorpusGenerator(settings.Corpus);
        var publicSplit = generator.PublicSplit(seed);
        string fingerprint = DataFingerprint.Of(publicSplit);

        using var model = new TorchMoETransformer(settings.EffectiveModel, settings.Seed, device: device);
        using var optimizer = new MaskedAdamW(new AdamWOptions());
        var parameters = model.ParametersByName.Select(p => (p.Key, p.Value)).ToArray();
        var schedule = new WarmupCosineSchedule(
            settings.LearningRate, Math.Min(settings.WarmupSteps, settings.Steps), settings.Steps, settings.LearningRate / 10);
        var objective = settings.CreateObjective(generator.Vocabulary);
        var maskRng = new DeterministicRandom(seed ^ 0x6D61736BUL); // "mask"

        int window = Math.Clamp(settings.Steps / 4, 1, MaxLossWindow);
        var recent = new Queue<float>();
        float initialLoss = float.NaN;
        double lossSum = 0;
        int reportEvery = Math.Max(1, Math.Min(25, settings.Steps / 100));
        using var batches = new Dataset(publicSplit).Endless(settings.BatchSize, seed).GetEnumerator();
        for (int step = 0; step < settings.Steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            batches.MoveNext();
            var masked = objective.Apply(batches.Current, maskRng);
            var inputs = masked.Inputs;
            float loss;
            using (torch.NewDisposeScope())
            {
                loss = model.ForwardBackwardMaskedTokens(inputs.Tokens, inputs.Size, inputs.Length, masked.Targets, lengths: inputs.Lengths);
                if (!float.IsFinite(loss))
                {
                    throw new InvalidOperationException($"pre-training diverged at step {step + 1}: loss is {loss}; lower --lr (now {settings.LearningRate})");
                }
                GradientClipping.ClipGlobalNorm(parameters.Select(p => p.Value), settings.ClipNorm);
                optimizer.Step(schedule.At(step), parameters);
            }

            recent.Enqueue(loss);
            lossSum += loss;
            if (recent.Count > window)
            {
                lossSum -= recent.Dequeue();
            }
            if (step + 1 == window)
            {
                initialLoss = (float)(lossSum / recent.Count);
            }
            if (progress is not null && ((step + 1) % reportEvery == 0 || step + 1 == settings.Steps))
            {
                double rate = (step + 1) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                progress(new PretrainProgress(
                    step + 1, settings.Steps, loss, model.LastStep.BalanceLoss, rate,
                    TimeSpan.FromSeconds((settings.Steps - step - 1) / rate)));
            }
        }
        float finalLoss = (float)(lossSum / recent.Count);

        var layers = AnalyseRouting(model, generator, seed, settings.AnalysisSamples);
        var metadata = Metadata(settings, fingerprint, initialLoss, finalLoss, layers);
        model.SaveCheckpoint(checkpointPath, metadata);
        return new PretrainResult(Path.GetFullPath(checkpointPath), initialLoss, finalLoss, layers, generator.Vocabulary, fingerprint, clock.Elapsed);
    }

    /// <summary>
    /// Routes unmasked text (a fresh split, not the training data) through the trained model
    /// and tallies, per MoE layer, which expert each keyword token went to.
    /// </summary>
    internal static IReadOnlyList<SpecialisationReport> AnalyseRouting(TorchMoETransformer model, CorpusGenerator generator, ulong seed, int samples)
    {
        var config = model.Config;
        var vocab = generator.Vocabulary;
        var analysis = new CorpusGenerator(generator.Config with { TestSize = samples });
        var data = new Dataset(analysis.TestSplit(seed ^ 0x616E616CUL)); // "anal(ysis)"
        var tallies = Enumerable.Range(0, config.Layers).Select(_ => new RoutingTally(generator.Config.SubTopics, config.Experts)).ToArray();
        foreach (var batch in data.InOrder(64))
        {
            var routing = model.TopExperts(batch.Tokens, batch.Size, batch.Length, batch.Lengths);
            int k = config.TopK;
            for (int l = 0; l < config.Layers; l++)
            {
                var top = routing[l];
                for (int r = 0; r < batch.Size; r++)
                {
                    for (int t = 0; t < batch.Lengths[r]; t++)
                    {
                        int position = r * batch.Length + t;
                        int subTopic = vocab.SubTopicOf(batch.Tokens[position]);
                        for (int j = 0; j < k; j++)
                        {
                            tallies[l].Add(subTopic, top[position * k + j]);
                        }
                    }
                }
            }
        }
        return tallies.Select(SpecialisationReport.From).ToArray();
    }

    private static Dictionary<string, string> Metadata(
        PretrainSettings settings, string fingerprint, float initialLoss, float finalLoss, IReadOnlyList<SpecialisationReport> layers)
    {
        var inv = CultureInfo.InvariantCulture;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "hfedmoe.pretrain.v1",
            ["model_config"] = JsonSerializer.Serialize(settings.EffectiveModel),
            ["corpus_config"] = JsonSerializer.Serialize(settings.Corpus),
            ["objective"] = settings.Objective,
            ["mask_fraction"] = settings.MaskFraction.ToString("R", inv),
            ["steps"] = settings.Steps.ToString(inv),
            ["batch_size"] = settings.BatchSize.ToString(inv),
            ["learning_rate"] = settings.LearningRate.ToString("R", inv),
            ["seed"] = settings.Seed.ToString(inv),
            ["data_fingerprint"] = fingerprint,
            ["initial_loss"] = initialLoss.ToString("R", inv),
            ["final_loss"] = finalLoss.ToString("R", inv),
        };
        for (int l = 0; l < layers.Count; l++)
        {
            metadata[$"specialisation.layer{l}.mean_top_share"] = layers[l].MeanTopShare.ToString("F4", inv);
            metadata[$"specialisation.layer{l}.mutual_information_bits"] = layers[l].MutualInformation.ToString("F4", inv);
            metadata[$"specialisation.layer{l}.keyword_share_of_routing"] = layers[l].KeywordShareOfRouting.ToString("F4", inv);
        }
        return metadata;
    }
}
