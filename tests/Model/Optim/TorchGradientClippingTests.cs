using HFedMoE.Model.Optim;
using HFedMoE.Model.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.Optim;

public sealed class TorchGradientClippingTests
{
    public TorchGradientClippingTests() => TorchNative.EnsureLoaded();

    private static readonly float[] GradientA = [3f, 4f];
    private static readonly float[] GradientB = [0f, 0f, 12f];

    // Gradients (3, 4) and (0, 0, 12): global norm 13.
    private static (Parameter A, Parameter B, Parameter Frozen) WithGradients()
    {
        var a = new Parameter(zeros(2));
        var b = new Parameter(zeros(3));
        var frozen = new Parameter(zeros(2));
        using var scope = NewDisposeScope();
        ((a * tensor(GradientA)).sum() + (b * tensor(GradientB)).sum()).backward();
        return (a, b, frozen);
    }

    [Fact]
    public void Above_the_cap_every_gradient_is_scaled_to_it_and_the_norm_before_is_returned()
    {
        var (a, b, frozen) = WithGradients();
        Assert.Null(frozen.grad);
        double norm = GradientClipping.ClipGlobalNorm([a, b, frozen], 1.0);
        Assert.Equal(13.0, norm, 5);
        float scale = (float)(1.0 / (13.0 + 1e-6));
        Assert.Equal(new[] { 3f * scale, 4f * scale }, a.grad!.data<float>().ToArray(), (x, y) => Math.Abs(x - y) < 1e-7f);
        Assert.Equal(12f * scale, b.grad!.data<float>()[2], 6);
        using var after = stack([a.grad!.norm(), b.grad!.norm()]).norm();
        Assert.Equal(1.0, after.item<float>(), 5);
        Assert.Null(frozen.grad);
    }

    [Fact]
    public void Below_the_cap_the_gradients_keep_their_bits()
    {
        var (a, b, _) = WithGradients();
        float[] before = [.. a.grad!.data<float>().ToArray(), .. b.grad!.data<float>().ToArray()];
        Assert.Equal(13.0, GradientClipping.ClipGlobalNorm([a, b], 13.5), 5);
        float[] after = [.. a.grad!.data<float>().ToArray(), .. b.grad!.data<float>().ToArray()];
        Assert.Equal(before, after);
    }

    [Fact]
    public void No_gradients_give_norm_zero_and_a_bad_cap_is_refused()
    {
        Assert.Equal(0.0, GradientClipping.ClipGlobalNorm([new Parameter(zeros(2))], 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGlobalNorm([], 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGlobalNorm([], double.PositiveInfinity));
    }

    [Fact]
    public void A_non_finite_norm_is_reported_and_the_gradients_are_left_alone()
    {
        var p = new Parameter(zeros(2));
        using (var scope = NewDisposeScope())
        {
            (p * tensor(new[] { float.PositiveInfinity, 1f })).sum().backward();
        }
        Assert.True(double.IsInfinity(GradientClipping.ClipGlobalNorm([p], 1.0)));
        Assert.Equal(1f, p.grad!.data<float>()[1]);
    }
}
