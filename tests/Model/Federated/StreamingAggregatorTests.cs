using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class StreamingAggregatorTests
{
    private static readonly AggregationBounds Bounds = new(SharedWeight: 1000, RouterWeight: 1000, ExpertWeight: 1000);

    private static ContributionWeights Weights(double shared, double router, params double[] experts) =>
        new(shared, router, null, experts);

    [Fact]
    public void Merges_weighted_means_and_keeps_untouched_experts()
    {
        var model = FederatedFixture.Model(fill: 7f);
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.Normalised);
        agg.Add(FederatedFixture.Update(model, "a", 100, 1f, [0]), Weights(100, 100, 100, 0));
        agg.Add(FederatedFixture.Update(model, "b", 300, 3f, [0]), Weights(300, 300, 300, 0));
        var outcome = agg.Finalise();
        var m = outcome.Model;
        Assert.Equal(2.5f, FederatedFixture.At(m, "embed.w"));
        Assert.Equal(2.5f, FederatedFixture.At(m, "layers.0.moe.router", 5));
        Assert.Equal(2.5f, FederatedFixture.At(m, "layers.0.moe.experts.0.w1", 7));
        Assert.Equal(7f, FederatedFixture.At(m, "layers.0.moe.experts.1.w1"));
        Assert.Equal(1, outcome.ExpertsMerged);
        Assert.Equal(1, outcome.ExpertsKept);
        Assert.Equal(model.Version + 1, m.Version);
        Assert.Equal(7f, model.Values[0]); // the previous model is untouched
    }

    [Fact]
    public void A_weighted_expert_that_was_not_shipped_counts_with_its_previous_value()
    {
        var model = FederatedFixture.Model(fill: 8f);
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.Normalised);
        agg.Add(FederatedFixture.Update(model, "a", 100, 0f, [0]), Weights(100, 100, 100, 100));
        agg.Add(FederatedFixture.Update(model, "b", 100, 4f, [1]), Weights(100, 100, 100, 100));
        var m = agg.Finalise().Model;
        Assert.Equal(4f, FederatedFixture.At(m, "layers.0.moe.experts.0.w1")); // (0 + 8)/2
        Assert.Equal(6f, FederatedFixture.At(m, "layers.0.moe.experts.1.b1")); // (8 + 4)/2
    }

    [Fact]
    public void Result_is_bit_identical_for_any_arrival_order()
    {
        var model = FederatedFixture.Model(fill: 0.5f);
        var rng = new Random(5);
        var updates = new List<(SparseUpdate U, ContributionWeights W)>();
        for (int c = 0; c < 25; c++)
        {
            int samples = 10 + rng.Next(40);
            int[] trained = rng.Next(3) switch { 0 => [0], 1 => [1], _ => [0, 1] };
            var values = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() * 2 - 1) * MathF.Pow(10, -rng.Next(4))).ToArray();
            var u = FederatedFixture.Update(model, $"c{c:D2}", samples, 0f, trained, valueAt: (n, i) => values[(n.Length * 7 + i) % 64]);
            double w = rng.NextDouble() * samples; // non-integer weights, as FLAME and α give
            updates.Add((u, Weights(samples, w, trained.Contains(0) ? w : 0, trained.Contains(1) ? w : 0)));
        }
        float[]? first = null;
        for (int trial = 0; trial < 6; trial++)
        {
            var order = updates.OrderBy(_ => rng.Next()).ToList();
            var agg = new StreamingAggregator(model, Bounds, RouterMerge.Normalised);
            foreach (var (u, w) in order)
            {
                agg.Add(u, w);
            }
            var result = agg.Finalise().Model.Values.ToArray();
            if (first is null)
            {
                first = result;
                continue;
            }
            Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), result.Select(BitConverter.SingleToInt32Bits));
        }

        // …and equal to the double-precision reference mean to float accuracy.
        var entry = model.Layout["layers.0.moe.router"];
        for (int i = 0; i < entry.Slice.Length; i++)
        {
            var contributions = updates
                .Select(p => (p.W.Router, (double)p.U.Tensors.Single(t => t.Name == entry.Name).Values.Span[i]))
                .ToList();
            double expected = SparseAggregation.WeightedMean(contributions, 0.5);
            Assert.Equal(expected, first![entry.Slice.Offset + i], 1e-6);
        }
    }

    [Fact]
    public void Width_scaled_blocks_are_averaged_over_the_clients_that_cover_them()
    {
        var model = FederatedFixture.Model(fill: 9f);
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.Normalised);
        agg.Add(FederatedFixture.Update(model, "full", 100, 1f, [0]), Weights(100, 100, 100, 0));
        // A half-width client: w1 [2,2] is the leading block of [2,4]; b1 [2] of [4].
        var half = new SparseUpdate("half", 0, 0, 100, [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0],
            [
                new UpdateTensor("layers.0.moe.experts.0.w1", [2, 2], new float[] { 3, 3, 3, 3 }),
                new UpdateTensor("layers.0.moe.experts.0.b1", [2], new float[] { 3, 3 }),
            ], 1.0);
        agg.Add(half, Weights(100, 100, 100, 0));
        var w1 = agg.Finalise().Model.ValuesOf("layers.0.moe.experts.0.w1").ToArray();
        Assert.Equal([2f, 2f, 1f, 1f, 2f, 2f, 1f, 1f], w1);
    }

    [Fact]
    public void Per_expert_column_router_merge_uses_each_columns_holders()
    {
        var model = FederatedFixture.Model(fill: 5f);
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.PerExpertColumn);
        agg.Add(FederatedFixture.Update(model, "a", 100, 1f, [0]), new ContributionWeights(100, 0, [100, 0], [100, 0]));
        agg.Add(FederatedFixture.Update(model, "b", 100, 3f, [0, 1]), new ContributionWeights(100, 0, [100, 100], [100, 100]));
        var router = agg.Finalise().Model.ValuesOf("layers.0.moe.router").ToArray();
        // Router [3,2], expert axis 1: column 0 averages a and b, column 1 only b.
        Assert.Equal([2f, 3f, 2f, 3f, 2f, 3f], router);
    }

    [Fact]
    public void Unnormalised_router_is_the_plain_weighted_sum_over_the_divisor()
    {
        var model = FederatedFixture.Model(fill: 5f);
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.Unnormalised);
        agg.Add(FederatedFixture.Update(model, "a", 100, 2f, [0]), Weights(100, 0.25, 100, 0));
        agg.Add(FederatedFixture.Update(model, "b", 100, 4f, [0]), Weights(100, 0.5, 100, 0));
        var m = agg.Finalise(routerDivisor: 2).Model;
        Assert.Equal((0.25f * 2 + 0.5f * 4) / 2, FederatedFixture.At(m, "layers.0.moe.router"), 6);
        Assert.Equal(3f, FederatedFixture.At(m, "embed.w"));
    }

    [Fact]
    public void A_malformed_update_is_refused_before_any_sum_moves()
    {
        var model = FederatedFixture.Model(fill: 1f);
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.Normalised);
        var good = FederatedFixture.Update(model, "a", 100, 3f, [0]);
        var bad = good with { Tensors = [.. good.Tensors, new UpdateTensor("layers.0.moe.gate", [1], new float[] { 1 })] };
        var ex = Assert.Throws<ArgumentException>(() => agg.Add(bad, Weights(100, 100, 100, 0)));
        Assert.Contains("unknown tensor 'layers.0.moe.gate'", ex.Message, StringComparison.Ordinal);
        var shape = good with { Tensors = [new UpdateTensor("embed.w", [3, 2], new float[6])] };
        Assert.Throws<ArgumentException>(() => agg.Add(shape, Weights(100, 100, 100, 0)));
        agg.Add(good, Weights(100, 100, 100, 0));
        Assert.Equal(3f, FederatedFixture.At(agg.Finalise().Model, "embed.w"));
    }

    [Fact]
    public void Non_finite_values_poison_the_merge_instead_of_corrupting_it()
    {
        var model = FederatedFixture.Model();
        var agg = new StreamingAggregator(model, Bounds, RouterMerge.Normalised);
        var nan = FederatedFixture.Update(model, "a", 100, float.NaN, [0]);
        var ex = Assert.Throws<InvalidOperationException>(() => agg.Add(nan, Weights(100, 100, 100, 0)));
        Assert.Contains("NaN", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => agg.Finalise());
    }

    [Fact]
    public void Weight_beyond_the_bound_is_an_error()
    {
        var model = FederatedFixture.Model();
        var agg = new StreamingAggregator(model, new AggregationBounds(100, 100, 100), RouterMerge.Normalised);
        agg.Add(FederatedFixture.Update(model, "a", 100, 1f, []), Weights(100, 100, 0, 0));
        Assert.Throws<InvalidOperationException>(() => agg.Add(FederatedFixture.Update(model, "b", 100, 1f, []), Weights(100, 100, 0, 0)));
    }
}
