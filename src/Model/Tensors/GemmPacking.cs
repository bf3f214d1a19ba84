using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layout the micro-kernel reads sequentially:
/// A as Mr-row panels (for each k, Mr consecutive row values), B as Nr-column panels (for each k,
/// Nr consecutive column values). Transposition is absorbed here, so the kernel never sees it.
/// Panels are zero-padded to full Mr/Nr so edge tiles run the same kernel.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [row0, row0+mc) × depth [p0, p0+kc) of op(A).</summary>
    public static void PackA(bool transA, float* a, int lda, int row0, int p0, int mc, int kc, int mr, float* dest)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dest + (long)ir * kc;
            if (transA)
            {
                // op(A)[i, p] = a[p·lda + i]: each depth step is a contiguous run of rows.
                float* src = a + (long)p0 * lda + row0 + ir;
                if (rows == 8 && mr == 8)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        Vector256.Store(Vector256.Load(src + (long)p * lda), panel + p * 8);
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (long)p * lda;
                        float* d = panel + p * mr;
                        int r = 0;
                        for (; r < rows; r++)
                        {
                            d[r] = s[r];
                        }
                        for (; r < mr; r++)
                        {
                            d[r] = 0f;
                        }
                    }
                }
            }
            else
            {
                // op(A)[i, p] = a[i·lda + p]: a full 8-row panel is 8×8 register transposes
                // (scalar strided stores would cost as much as the arithmetic when n is small).
                int pStart = 0;
                if (rows == 8 && mr == 8 && Avx.IsSupported)
                {
                    float* src = a + (long)(row0 + ir) * lda + p0;
                    for (; pStart + 8 <= kc; pStart += 8)
                    {
                        Transpose8x8(src + pStart, lda, panel + pStart * 8, 8);
                    }
                }
                for (int r = 0; r < rows; r++)
                {
                    float* s = a + (long)(row0 + ir + r) * lda + p0;
                    float* d = panel + r;
                    for (int p = pStart; p < kc; p++)
                    {
                        d[p * mr] = s[p];
                    }
                }
                for (int r = rows; r < mr; r++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        panel[p * mr + r] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Packs depth [p0, p0+kc) × columns [col0, col0+nc) of op(B).</summary>
    public static void PackB(bool transB, float* b, int ldb, int p0, int col0, int kc, int nc, int nr, float* dest)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dest + (long)jr * kc;
            if (!transB)
            {
                // op(B)[p, j] = b[p·ldb + j]: each depth step is a contiguous run of columns.
                float* src = b + (long)p0 * ldb + col0 + jr;
                if (cols == nr && nr % 16 == 0)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (long)p * ldb;
                        float* d = panel + p * nr;
                        for (int j = 0; j < nr; j += 16)
                        {
                            Vector256.Store(Vector256.Load(s + j), d + j);
                            Vector256.Store(Vector256.Load(s + j + 8), d + j + 8);
                        }
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (long)p * ldb;
                        float* d = panel + p * nr;
                        int j = 0;
                        for (; j < cols; j++)
                        {
                            d[j] = s[j];
                        }
                        for (; j < nr; j++)
                        {
                            d[j] = 0f;
                        }
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[j·ldb + p]: 8 stored rows × 8 depths at a time through a
                // register transpose; leftovers read each stored row contiguously.
                int pStart = 0;
                if (cols == nr && nr % 8 == 0 && Avx.IsSupported)
                {
                    for (; pStart + 8 <= kc; pStart += 8)
                    {
                        for (int jj = 0; jj < nr; jj += 8)
                        {
                            Transpose8x8(b + (long)(col0 + jr + jj) * ldb + p0 + pStart, ldb, panel + pStart * nr + jj, nr);
                        }
                    }
                }
                for (int jj = 0; jj < cols; jj++)
                {
                    float* s = b + (long)(col0 + jr + jj) * ldb + p0;
                    float* d = panel + jj;
                    for (int p = pStart; p < kc; p++)
                    {
                        d[p * nr] = s[p];
                    }
                }
                for (int jj = cols; jj < nr; jj++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        panel[p * nr + jj] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>dst[c·dstStride + r] = src[r·srcStride + c] for an 8×8 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, long srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride);
        var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride);
        var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = Avx.LoadVector256(src + 6 * srcStride);
        var r7 = Avx.LoadVector256(src + 7 * srcStride);

        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
