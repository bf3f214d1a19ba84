using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Register-blocked inner products over one packed A micro-panel and one packed B micro-panel,
/// then C ← alpha·acc + beta·C on the tile. Accumulators are named locals (not an array) so the
/// JIT keeps all of them in registers for the whole depth loop.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>8×32 tile with AVX-512 FMA. <paramref name="beta"/> is ignored when <paramref name="betaIsZero"/>.</summary>
    [SkipLocalsInit]
    public static void Vector512x8x32(
        int kc, float* pa, float* pb, float* c, int ldc, int rows, int cols, float alpha, float beta, bool betaIsZero)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;

        // C rows are 2 cache lines each and usually not in L1 (C is revisited once per K block);
        // ask for them now so the write-back after the depth loop does not stall.
        if (Sse.IsSupported)
        {
            for (int r = 0; r < rows; r++)
            {
                Sse.Prefetch0(c + (long)r * ldc);
                Sse.Prefetch0(c + (long)r * ldc + 16);
            }
        }

        // Unrolled by two: halves the loop-control overhead per 16 FMAs.
        Vector512<float> a, b0, b1;
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            b0 = Vector512.Load(pb + 0);
            b1 = Vector512.Load(pb + 16);
            a = Vector512.Create(pa[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]);
            c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            b0 = Vector512.Load(pb + 32);
            b1 = Vector512.Load(pb + 48);
            a = Vector512.Create(pa[8]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[9]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[10]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[11]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[12]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[13]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[14]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[15]);
            c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            pa += 16;
            pb += 64;
        }
        if (p < kc)
        {
            b0 = Vector512.Load(pb + 0);
            b1 = Vector512.Load(pb + 16);
            a = Vector512.Create(pa[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]);
            c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
        }

        if (rows == 8 && cols == 32)
        {
            var va = Vector512.Create(alpha);
            var vb = Vector512.Create(beta);
            Update512(c, c00, c01, va, vb, betaIsZero); c += ldc;
            Update512(c, c10, c11, va, vb, betaIsZero); c += ldc;
            Update512(c, c20, c21, va, vb, betaIsZero); c += ldc;
            Update512(c, c30, c31, va, vb, betaIsZero); c += ldc;
            Update512(c, c40, c41, va, vb, betaIsZero); c += ldc;
            Update512(c, c50, c51, va, vb, betaIsZero); c += ldc;
            Update512(c, c60, c61, va, vb, betaIsZero); c += ldc;
            Update512(c, c70, c71, va, vb, betaIsZero);
            return;
        }

        float* tile = stackalloc float[8 * 32];
        c00.Store(tile); c01.Store(tile + 16);
        c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80);
        c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144);
        c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208);
        c70.Store(tile + 224); c71.Store(tile + 240);
        UpdatePartial(tile, 32, c, ldc, rows, cols, alpha, beta, betaIsZero);
    }

    /// <summary>6×16 tile with 256-bit vectors; the portable path when AVX-512 is absent.</summary>
    [SkipLocalsInit]
    public static void Vector256x6x16(
        int kc, float* pa, float* pb, float* c, int ldc, int rows, int cols, float alpha, float beta, bool betaIsZero)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(pb);
            var b1 = Vector256.Load(pb + 8);
            var a = Vector256.Create(pa[0]);
            c00 = Vector256.MultiplyAddEstimate(a, b0, c00); c01 = Vector256.MultiplyAddEstimate(a, b1, c01);
            a = Vector256.Create(pa[1]);
            c10 = Vector256.MultiplyAddEstimate(a, b0, c10); c11 = Vector256.MultiplyAddEstimate(a, b1, c11);
            a = Vector256.Create(pa[2]);
            c20 = Vector256.MultiplyAddEstimate(a, b0, c20); c21 = Vector256.MultiplyAddEstimate(a, b1, c21);
            a = Vector256.Create(pa[3]);
            c30 = Vector256.MultiplyAddEstimate(a, b0, c30); c31 = Vector256.MultiplyAddEstimate(a, b1, c31);
            a = Vector256.Create(pa[4]);
            c40 = Vector256.MultiplyAddEstimate(a, b0, c40); c41 = Vector256.MultiplyAddEstimate(a, b1, c41);
            a = Vector256.Create(pa[5]);
            c50 = Vector256.MultiplyAddEstimate(a, b0, c50); c51 = Vector256.MultiplyAddEstimate(a, b1, c51);
            pa += 6;
            pb += 16;
        }

        if (rows == 6 && cols == 16)
        {
            var va = Vector256.Create(alpha);
            var vb = Vector256.Create(beta);
            Update256(c, c00, c01, va, vb, betaIsZero); c += ldc;
            Update256(c, c10, c11, va, vb, betaIsZero); c += ldc;
            Update256(c, c20, c21, va, vb, betaIsZero); c += ldc;
            Update256(c, c30, c31, va, vb, betaIsZero); c += ldc;
            Update256(c, c40, c41, va, vb, betaIsZero); c += ldc;
            Update256(c, c50, c51, va, vb, betaIsZero);
            return;
        }

        float* tile = stackalloc float[6 * 16];
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
        UpdatePartial(tile, 16, c, ldc, rows, cols, alpha, beta, betaIsZero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update512(float* c, Vector512<float> acc0, Vector512<float> acc1, Vector512<float> alpha, Vector512<float> beta, bool betaIsZero)
    {
        if (betaIsZero)
        {
            // Never read C: with beta = 0 it may hold NaN garbage that must not leak (BLAS semantics).
            (acc0 * alpha).Store(c);
            (acc1 * alpha).Store(c + 16);
        }
        else
        {
            Vector512.FusedMultiplyAdd(Vector512.Load(c), beta, acc0 * alpha).Store(c);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 16), beta, acc1 * alpha).Store(c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update256(float* c, Vector256<float> acc0, Vector256<float> acc1, Vector256<float> alpha, Vector256<float> beta, bool betaIsZero)
    {
        if (betaIsZero)
        {
            (acc0 * alpha).Store(c);
            (acc1 * alpha).Store(c + 8);
        }
        else
        {
            Vector256.MultiplyAddEstimate(Vector256.Load(c), beta, acc0 * alpha).Store(c);
            Vector256.MultiplyAddEstimate(Vector256.Load(c + 8), beta, acc1 * alpha).Store(c + 8);
        }
    }

    private static void UpdatePartial(float* tile, int tileStride, float* c, int ldc, int rows, int cols, float alpha, float beta, bool betaIsZero)
    {
        for (int r = 0; r < rows; r++)
        {
            float* src = tile + r * tileStride;
            float* dst = c + (long)r * ldc;
            if (betaIsZero)
            {
                for (int j = 0; j < cols; j++)
                {
                    dst[j] = alpha * src[j];
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    dst[j] = MathF.FusedMultiplyAdd(dst[j], beta, alpha * src[j]);
                }
            }
        }
    }
}
