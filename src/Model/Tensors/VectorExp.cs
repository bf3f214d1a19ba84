using System.Runtime.Intrinsics;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// e^x in single precision for the elementwise kernels (GELU, softmax): Cody–Waite reduction
/// x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r (the Cephes expf coefficients,
/// ≈ 1–2 ulp), and 2^n built in the exponent bits. It stays in float lanes, several times cheaper
/// than the runtime's vector exp on this hardware. Inputs above 88.3 give a large finite value
/// (≈ 2^127) instead of +∞; inputs below −87.3, including −∞ (masked scores), give exactly 0;
/// NaN stays NaN. Vector lanes and the scalar form compute the same formula.
/// </summary>
internal static class VectorExp
{
    private const float Max = 88.3f;
    private const float Min = -87.3f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    public static Vector512<float> Exp(Vector512<float> x)
    {
        var c = Vector512.Min(x, Vector512.Create(Max));
        c = Vector512.Max(c, Vector512.Create(Min));
        var n = Vector512.Round(c * Vector512.Create(Log2E));
        var r = c - n * Vector512.Create(Ln2Hi) - n * Vector512.Create(Ln2Lo);
        var p = Vector512.Create(P0);
        p = p * r + Vector512.Create(P1);
        p = p * r + Vector512.Create(P2);
        p = p * r + Vector512.Create(P3);
        p = p * r + Vector512.Create(P4);
        p = p * r + Vector512.Create(P5);
        p = p * (r * r) + r + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Min)), Vector512<float>.Zero, p * scale);
    }

    public static Vector256<float> Exp(Vector256<float> x)
    {
        var c = Vector256.Min(x, Vector256.Create(Max));
        c = Vector256.Max(c, Vector256.Create(Min));
        var n = Vector256.Round(c * Vector256.Create(Log2E));
        var r = c - n * Vector256.Create(Ln2Hi) - n * Vector256.Create(Ln2Lo);
        var p = Vector256.Create(P0);
        p = p * r + Vector256.Create(P1);
        p = p * r + Vector256.Create(P2);
        p = p * r + Vector256.Create(P3);
        p = p * r + Vector256.Create(P4);
        p = p * r + Vector256.Create(P5);
        p = p * (r * r) + r + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Min)), Vector256<float>.Zero, p * scale);
    }

    public static float Exp(float x)
    {
        if (x < Min)
        {
            return 0f;
        }
        float c = MathF.Min(x, Max);
        float n = MathF.Round(c * Log2E);
        float r = c - n * Ln2Hi - n * Ln2Lo;
        float p = P0;
        p = p * r + P1;
        p = p * r + P2;
        p = p * r + P3;
        p = p * r + P4;
        p = p * r + P5;
        p = p * (r * r) + r + 1f;
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }
}
