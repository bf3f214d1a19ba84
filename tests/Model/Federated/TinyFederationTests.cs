using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn.TorchMoE;
using Xunit.Abstractions;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>A few rounds of every strategy on a tiny generated task, end to end.</summary>
public sealed class TinyFederationTests(ITestOutputHelper output)
{
    private static readonly int[][] ClientClasses = [[0, 1], [1, 2], [2, 3], [3, 0]];

    private static double Accuracy(GlobalModel global, Dataset test)
    {
        using var model = new TorchMoETransformer(LocalTrainerTests.Tiny, seed: 0);
        model.LoadFrom(global);
        int correct = 0;
        var predictions = new int[test.Count];
        foreach (var batch in test.InOrder(test.Count))
        {
            model.Predict(batch.Tokens, batch.Size, batch.Length, predictions, batch.Lengths);
            for (int i = 0; i < batch.Size; i++)
            {
                correct += predictions[i] == batch.Labels[i] ? 1 : 0;
            }
        }
        return (double)correct / test.Count;
    }

    public static TheoryData<string> Strategies() => [.. StrategyFactory.Names];

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_few_rounds_improve_global_accuracy(string name)
    {
        var options = new StrategyOptions
        {
            Tau = 0.05,
            Local = new LocalSettings(Steps: 6, BatchSize: 8, LearningRate: 1e-2),
            Tiers = [new("t2", 2, 1), new("t4", 4, 1), new("t6", 6, 2), new("t8", 8, 2)],
        };
        var strategy = StrategyFactory.Create(name, options);
        var clients = Enumerable.Range(0, 4).Select(c => new ClientProfile($"c{c}", 40, Tier: $"t{2 * (c + 1)}")).ToArray();
        var data = clients.Select((c, i) => LocalTrainerTests.Task((ulong)(100 + i), 40, ClientClasses[i])).ToArray();
        var test = LocalTrainerTests.Task(999, 200);
        var trainer = new LocalTrainer(LocalTrainerTests.Tiny);
        var global = LocalTrainerTests.Initial();
        double before = Accuracy(global, test);
        var failureRates = new List<double>();
        for (int round = 0; round < 4; round++)
        {
            var plans = strategy.ConfigureTrain(round, global, clients);
            var replies = plans.Select((p, i) => trainer.Train(p, global, data[i])).ToList();
            var result = strategy.AggregateTrain(round, replies, []);
            Assert.Empty(result.Rejections);
            failureRates.Add(result.Metrics[RoundMetric.FailureRate]);
            global = result.Model;
        }
        double after = Accuracy(global, test);
        output.WriteLine($"{name}: accuracy {before:F3} → {after:F3}, failure rate per round [{string.Join(", ", failureRates.Select(r => r.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}]");
        Assert.True(after > before + 0.1, $"{name}: accuracy {before:F3} → {after:F3}");
        if (name == StrategyFactory.FedAvgNaive)
        {
            Assert.True(failureRates.Average() > 0, "FedAvg-Naive should lose updates of small-budget clients");
        }
        else
        {
            Assert.All(failureRates, r => Assert.Equal(0, r));
        }
    }
}
