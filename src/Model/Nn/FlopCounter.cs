namespace HFedMoE.Model.Nn;

/// <summary>Running GEMM FLOP totals of one pass, split dense / expert and forward / backward.</summary>
internal sealed class FlopCounter
{
    public long ForwardDense;
    public long ForwardExpert;
    public long BackwardDense;
    public long BackwardExpert;

    public static long Gemm(int m, int n, int k) => 2L * m * n * k;

    public void Reset()
    {
        ForwardDense = 0;
        ForwardExpert = 0;
        BackwardDense = 0;
        BackwardExpert = 0;
    }
}
