using System.Runtime.InteropServices;

namespace HFedMoE.Bench.Model;

/// <summary>
/// <c>cblas_sgemm</c> from the system OpenBLAS, bound at run time so the benchmark still runs
/// (without this baseline) on a machine where libopenblas is not installed. Baseline only:
/// nothing in src/ calls native BLAS.
/// </summary>
internal sealed unsafe class OpenBlasSgemm
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    private OpenBlasSgemm(nint sgemm, nint setThreads, nint coreName, string library)
    {
        CoreName = coreName == 0 ? "unknown" : Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)coreName)()) ?? "unknown";
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _setThreads = (delegate* unmanaged<int, void>)setThreads;
        Library = library;
    }

    public string Library { get; }

    /// <summary>The kernel family OpenBLAS selected (e.g. SkylakeX, Haswell, Prescott).</summary>
    public string CoreName { get; }

    /// <summary>
    /// OpenBLAS's DYNAMIC_ARCH build (Debian's) does not recognise every CPU model a VM reports
    /// and then falls back to its SSE3 "Prescott" kernels, a baseline 4× too weak to be fair.
    /// On AVX-512 hardware we ask for its SkylakeX kernels unless the user chose a core type.
    /// Must run before the library is loaded: OpenBLAS reads the variable in its constructor,
    /// and .NET's Environment.SetEnvironmentVariable does not reach the native environment.
    /// </summary>
    private static void PreferAvx512Kernels()
    {
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated
            && Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is null
            && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            && NativeLibrary.TryLoad("libc.so.6", out nint libc)
            && NativeLibrary.TryGetExport(libc, "setenv", out nint setenv))
        {
            fixed (byte* name = "OPENBLAS_CORETYPE\0"u8)
            fixed (byte* value = "SkylakeX\0"u8)
            {
                _ = ((delegate* unmanaged<byte*, byte*, int, int>)setenv)(name, value, 0);
            }
        }
    }

    /// <summary>Loads the first OpenBLAS found, or returns null with the reason.</summary>
    public static OpenBlasSgemm? TryLoad(out string reason)
    {
        PreferAvx512Kernels();
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
        {
            if (NativeLibrary.TryLoad(name, out nint handle)
                && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm)
                && NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads))
            {
                reason = "";
                _ = NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint coreName);
                return new OpenBlasSgemm(sgemm, setThreads, coreName, name);
            }
        }
        reason = "libopenblas not found (apt-get install libopenblas0-pthread to measure against it)";
        return null;
    }

    public void SetThreads(int threads) => _setThreads(threads);

    public void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb,
        float beta, float[] c, int ldc)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }
}
