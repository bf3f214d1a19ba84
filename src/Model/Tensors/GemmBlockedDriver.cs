using System.Buffers;

namespace HFedMoE.Model.Tensors;

/// <summary>Pinned operands of one GEMM call, valid only while the caller's <c>fixed</c> block runs.</summary>
internal readonly unsafe struct GemmOperands(
    bool transA, float* a, int lda, bool transB, float* b, int ldb, float* c, int ldc, int k, float alpha, float beta)
{
    public readonly bool TransA = transA;
    public readonly float* A = a;
    public readonly int Lda = lda;
    public readonly bool TransB = transB;
    public readonly float* B = b;
    public readonly int Ldb = ldb;
    public readonly float* C = c;
    public readonly int Ldc = ldc;
    public readonly int K = k;
    public readonly float Alpha = alpha;
    public readonly float Beta = beta;
}

/// <summary>
/// The GotoBLAS loop nest for one rectangle of C on one thread: N blocks (Nc) → K blocks (Kc,
/// pack B) → M blocks (Mc, pack A) → Nr columns → Mr rows → micro-kernel. Packing scratch comes
/// from the shared array pool, so steady-state calls do not allocate.
/// </summary>
internal static unsafe class GemmBlockedDriver
{
    public static void Run(in GemmOperands op, GemmBlocking blocking, int rowStart, int rowEnd, int colStart, int colEnd)
    {
        int m = rowEnd - rowStart;
        int n = colEnd - colStart;
        if (m <= 0 || n <= 0)
        {
            return;
        }
        int mr = blocking.Mr;
        int nr = blocking.Nr;
        int kcMax = Math.Min(blocking.Kc, op.K);
        int mcMax = RoundUp(Math.Min(blocking.Mc, m), mr);
        int ncMax = RoundUp(Math.Min(blocking.Nc, n), nr);
        int aLength = RoundUp(mcMax * kcMax, 16);
        int bLength = ncMax * kcMax;
        // +16 floats so the packed panels can start on a 64-byte boundary (aligned vector loads).
        float[] scratch = ArrayPool<float>.Shared.Rent(aLength + bLength + 16);
        try
        {
            fixed (float* raw = scratch)
            {
                float* packA = (float*)(((nint)raw + 63) & ~(nint)63);
                float* packB = packA + aLength;
                for (int jc = colStart; jc < colEnd; jc += blocking.Nc)
                {
                    int nc = Math.Min(blocking.Nc, colEnd - jc);
                    for (int pc = 0; pc < op.K; pc += blocking.Kc)
                    {
                        int kc = Math.Min(blocking.Kc, op.K - pc);
                        // Only the first K block applies beta; later blocks accumulate into C.
                        bool first = pc == 0;
                        float beta = first ? op.Beta : 1f;
                        bool betaIsZero = first && op.Beta == 0f;
                        GemmPacking.PackB(op.TransB, op.B, op.Ldb, pc, jc, kc, nc, nr, packB);
                        for (int ic = rowStart; ic < rowEnd; ic += blocking.Mc)
                        {
                            int mc = Math.Min(blocking.Mc, rowEnd - ic);
                            GemmPacking.PackA(op.TransA, op.A, op.Lda, ic, pc, mc, kc, mr, packA);
                            MacroKernel(blocking, kc, mc, nc, packA, packB, op.C + (long)ic * op.Ldc + jc, op.Ldc, op.Alpha, beta, betaIsZero);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private static void MacroKernel(
        GemmBlocking blocking, int kc, int mc, int nc, float* packA, float* packB, float* c, int ldc,
        float alpha, float beta, bool betaIsZero)
    {
        int mr = blocking.Mr;
        int nr = blocking.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* pb = packB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* pa = packA + (long)ir * kc;
                float* tile = c + (long)ir * ldc + jr;
                if (blocking.UsesVector512)
                {
                    GemmMicroKernel.Vector512x8x32(kc, pa, pb, tile, ldc, rows, cols, alpha, beta, betaIsZero);
                }
                else
                {
                    GemmMicroKernel.Vector256x6x16(kc, pa, pb, tile, ldc, rows, cols, alpha, beta, betaIsZero);
                }
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
