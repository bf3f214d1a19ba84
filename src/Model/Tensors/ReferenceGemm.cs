namespace HFedMoE.Model.Tensors;

/// <summary>
/// The textbook triple loop with double accumulation: the oracle the fast <see cref="Gemm"/> is
/// tested against and the naive baseline in the benchmark. Same argument meaning as
/// <see cref="Gemm.Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>.
/// </summary>
internal static class ReferenceGemm
{
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)av * bv;
                }
                double scaled = alpha * sum;
                c[i * ldc + j] = (float)(beta == 0f ? scaled : scaled + (double)beta * c[i * ldc + j]);
            }
        }
    }
}
