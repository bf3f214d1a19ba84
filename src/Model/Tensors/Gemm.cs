namespace HFedMoE.Model.Tensors;

/// <summary>
/// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C, where op(X) is X or
/// Xᵀ. A is M×K after op, B is K×N after op, C is M×N. Leading dimensions are row strides.
/// This first version is the plain reference loop; the tensor-core work replaces the body with
/// a blocked, packed, vectorised, multi-threaded kernel and keeps this signature.
/// </summary>
public static class Gemm
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
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                c[i * ldc + j] = alpha * sum + (beta == 0f ? 0f : beta * c[i * ldc + j]);
            }
        }
    }
}
