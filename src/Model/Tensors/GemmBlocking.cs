namespace HFedMoE.Model.Tensors;

/// <summary>
/// Register tile (Mr×Nr) and cache block sizes for one micro-kernel. Kc·Nr floats of packed B
/// stay in L1 while a micro-panel of A streams past; Mc·Kc floats of packed A stay in L2; Kc·Nc
/// floats of packed B sit in L2/L3 (the BLIS/GotoBLAS loop nest).
/// </summary>
internal readonly record struct GemmBlocking(int Mr, int Nr, int Kc, int Mc, int Nc, bool UsesVector512)
{
    /// <summary>8×32 tile: 16 zmm accumulators + 2 B vectors + 1 broadcast, of 32 registers.</summary>
    public static GemmBlocking Vector512Kernel { get; } = new(Mr: 8, Nr: 32, Kc: 256, Mc: 96, Nc: 2048, UsesVector512: true);

    /// <summary>6×16 tile: 12 ymm accumulators + 2 B vectors + 1 broadcast fit in the 16 AVX2 registers.</summary>
    public static GemmBlocking Vector256Kernel { get; } = new(Mr: 6, Nr: 16, Kc: 256, Mc: 144, Nc: 2048, UsesVector512: false);
}
