using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tests.Nn;

namespace HFedMoE.Model.Tests.Optim;

public sealed class OptimizerTests
{
    private static ParameterStore TwoSlices(float[] values, float[] grads)
    {
        var store = new ParameterStore([("w", [2, 2]), ("b", [2])]);
        values.CopyTo(store.Values, 0);
        grads.CopyTo(store.Grads, 0);
        return store;
    }

    [Fact]
    public void AdamW_matches_the_textbook_update_with_decoupled_decay_on_matrices_only()
    {
        float[] w0 = [0.5f, -1f, 2f, 0.1f, 0.3f, -0.2f];
        float[] g = [0.1f, -0.2f, 0.3f, 0f, 1f, -1f];
        var store = TwoSlices(w0, g);
        var adam = new AdamW(store, new AdamWOptions(Beta1: 0.9f, Beta2: 0.99f, Epsilon: 1e-8f, WeightDecay: 0.1f));
        const float lr = 0.01f;
        adam.Step(lr);
        adam.Step(lr); // same gradient twice
        for (int i = 0; i < 6; i++)
        {
            double w = w0[i], m = 0, v = 0;
            double decay = i < 4 ? 0.1 : 0.0;
            for (int t = 1; t <= 2; t++)
            {
                m = 0.9 * m + 0.1 * g[i];
                v = 0.99 * v + 0.01 * g[i] * g[i];
                double mhat = m / (1 - Math.Pow(0.9, t));
                double vhat = v / (1 - Math.Pow(0.99, t));
                w -= lr * (mhat / (Math.Sqrt(vhat) + 1e-8) + decay * w);
            }
            Assert.Equal(w, store.Values[i], 5);
        }
        Assert.Equal(2, adam.StepsTaken("w"));
    }

    [Fact]
    public void AdamW_vector_lanes_and_scalar_tail_agree_with_the_formula()
    {
        const int n = 37; // two 16-lane vectors and a 5-element tail
        var store = new ParameterStore([("m", [1, n])]);
        var rng = new Random(2);
        for (int i = 0; i < n; i++)
        {
            store.Values[i] = (float)rng.NextDouble() - 0.5f;
            store.Grads[i] = (float)rng.NextDouble() - 0.5f;
        }
        var w0 = (float[])store.Values.Clone();
        new AdamW(store, new AdamWOptions(WeightDecay: 0.5f)).Step(0.1f);
        for (int i = 0; i < n; i++)
        {
            // First step: m̂ = g, v̂ = g² ⇒ θ ← θ − lr·(g/(|g| + ε) + wd·θ)
            double g = store.Grads[i];
            double expected = w0[i] - 0.1 * (g / (Math.Abs(g) + 1e-8) + 0.5 * w0[i]);
            Assert.Equal(expected, store.Values[i], 5);
        }
    }

    [Fact]
    public void Sgd_momentum_follows_the_heavy_ball_recursion()
    {
        var store = TwoSlices([1f, 1f, 1f, 1f, 1f, 1f], [1f, 2f, 3f, 4f, 5f, 6f]);
        var sgd = new SgdMomentum(store, momentum: 0.5f);
        sgd.Step(0.1f);
        sgd.Step(0.1f);
        // b1 = g, b2 = 0.5·g + g = 1.5·g ⇒ w = 1 − 0.1·(g + 1.5g) = 1 − 0.25·g
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(1f - 0.25f * (i + 1), store.Values[i], 5);
        }
    }

    [Fact]
    public void Global_norm_clipping_scales_only_when_above_the_limit()
    {
        var store = TwoSlices(new float[6], [3f, 0f, 0f, 0f, 4f, 0f]);
        Assert.Equal(5.0, GradientClipping.ClipGlobalNorm(store, 10f), 6);
        Assert.Equal(4f, store.Grads[4]);
        Assert.Equal(5.0, GradientClipping.ClipGlobalNorm(store, 1f), 6);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(store), 4);
        Assert.Equal(0.6f, store.Grads[0], 4);
    }

    [Fact]
    public void Warmup_then_cosine_schedule()
    {
        var schedule = new WarmupCosineSchedule(1f, WarmupSteps: 4, TotalSteps: 14, MinLearningRate: 0.1f);
        Assert.Equal(0.25f, schedule.At(0));
        Assert.Equal(1f, schedule.At(3));
        Assert.Equal(1f, schedule.At(4));
        Assert.Equal(0.55f, schedule.At(9), 5);
        Assert.Equal(0.1f, schedule.At(14));
        Assert.Equal(0.1f, schedule.At(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(-1));
    }

    [Fact]
    public void Frozen_groups_by_prefix_and_predicate_never_move()
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 4);
        var adam = new AdamW(model.Parameters);
        Assert.Equal(2, adam.Groups.Freeze("embed."));
        adam.Groups.Freeze(s => s.Name.StartsWith("layers.1.attn.", StringComparison.Ordinal));
        var embed = model.Parameters.ValuesOf(ParameterNames.TokenEmbedding).ToArray();
        var attn = model.Parameters.ValuesOf(ParameterNames.Attention(1, "wqkv")).ToArray();
        model.ForwardBackward(TinyModels.Tokens(), 3, 5, TinyModels.Labels());
        adam.Step(0.1f);
        Assert.Equal(embed, model.Parameters.ValuesOf(ParameterNames.TokenEmbedding).ToArray());
        Assert.Equal(attn, model.Parameters.ValuesOf(ParameterNames.Attention(1, "wqkv")).ToArray());
        Assert.NotEqual(
            model.Parameters.ValuesOf(ParameterNames.Attention(0, "wqkv")).ToArray(),
            new MoETransformer(TinyModels.Small(), seed: 4).Parameters.ValuesOf(ParameterNames.Attention(0, "wqkv")).ToArray());
        Assert.True(adam.Groups.IsFrozen(ParameterNames.PositionEmbedding));
        Assert.Throws<ArgumentException>(() => adam.Groups.Freeze("no.such."));
        adam.Groups.UnfreezeAll();
        Assert.False(adam.Groups.IsFrozen(ParameterNames.PositionEmbedding));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Masked_expert_weights_and_optimizer_state_stay_bit_unchanged(bool useSgd)
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 9);
        IOptimizer optimizer = useSgd ? new SgdMomentum(model.Parameters, 0.9f, 0.01f) : new AdamW(model.Parameters, new AdamWOptions(WeightDecay: 0.01f));
        void Train(ExpertMask? mask)
        {
            model.ForwardBackward(TinyModels.Tokens(), 3, 5, TinyModels.Labels(), mask, TinyModels.Lengths());
            optimizer.Step(1e-2f, mask);
        }
        Train(null); // every expert has moments now
        var mask = new ExpertMask(2, 4);
        mask[1, 3] = true;
        mask[0, 0] = true;
        var store = model.Parameters;
        var frozenSlices = store.Slices.Where(s => s.Name.StartsWith(ParameterNames.ExpertPrefix(1, 3), StringComparison.Ordinal)
            || s.Name.StartsWith(ParameterNames.ExpertPrefix(0, 0), StringComparison.Ordinal)).ToArray();
        Assert.Equal(8, frozenSlices.Length);
        float[] Snapshot(ReadOnlySpan<float> all)
        {
            var copy = all.ToArray();
            return frozenSlices.SelectMany(s => copy.AsSpan(s.Offset, s.Length).ToArray()).ToArray();
        }
        float[] State() => optimizer is AdamW a
            ? Snapshot(a.FirstMoments).Concat(Snapshot(a.SecondMoments)).ToArray()
            : Snapshot(((SgdMomentum)optimizer).MomentumBuffer);
        var values = Snapshot(store.Values);
        var state = State();
        var router = store.ValuesOf(ParameterNames.Router(1)).ToArray();
        var other = store.ValuesOf(ParameterNames.Expert(1, 2, "w1")).ToArray();
        Train(mask);
        Train(mask);
        Assert.Equal(values, Snapshot(store.Values));
        Assert.Equal(state, State());
        Assert.NotEqual(router, store.ValuesOf(ParameterNames.Router(1)).ToArray());
        if (optimizer is AdamW adam)
        {
            Assert.Equal(1, adam.StepsTaken(ParameterNames.Expert(1, 3, "w1")));
            Assert.Equal(3, adam.StepsTaken(ParameterNames.Router(1)));
        }
        if (model.RoutedExperts[1, 2])
        {
            Assert.NotEqual(other, store.ValuesOf(ParameterNames.Expert(1, 2, "w1")).ToArray());
        }
    }

    [Fact]
    public void Reset_state_forgets_moments_and_step_counts()
    {
        var store = TwoSlices([1f, 1f, 1f, 1f, 1f, 1f], [1f, 1f, 1f, 1f, 1f, 1f]);
        var adam = new AdamW(store);
        adam.Step(0.1f);
        adam.ResetState();
        Assert.All(adam.FirstMoments.ToArray(), m => Assert.Equal(0f, m));
        Assert.All(adam.SecondMoments.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(0, adam.StepsTaken("w"));
        // After a reset the first step is again a full-size (bias-corrected) step of lr·sign(g).
        adam.Step(0.1f);
        Assert.Equal(1f - 0.1f - 0.1f, store.Values[0], 4);
    }

    [Fact]
    public void Invalid_settings_are_rejected()
    {
        var store = TwoSlices(new float[6], new float[6]);
        Assert.Throws<ArgumentException>(() => new AdamW(store, new AdamWOptions(Beta1: 1f)));
        Assert.Throws<ArgumentException>(() => new SgdMomentum(store, momentum: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(store).Step(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGlobalNorm(store, 0f));
    }
}
