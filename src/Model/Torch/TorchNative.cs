using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace HFedMoE.Model.Torch;

/// <summary>
/// Loads TorchSharp's native glue before the first <c>torch</c> call. TorchSharp 0.107's
/// <c>libLibTorchSharp.so</c> is built with GCC 13 and asks for <c>GLIBCXX_3.4.32</c>, which
/// Debian 12's libstdc++ (3.4.30) lacks; the one symbol of that version
/// (<c>std::ios_base_library_init</c>) is a marker nothing calls. Where the system library lacks
/// the version, a copy of the glue with that requirement marked weak is made (copy → patch →
/// atomic rename, never an in-place edit: the shipped file may be a hard link into the NuGet
/// cache), beside the shipped file when that folder is writable, else under
/// <c>~/.cache/hfedmoe/torch-native</c>; TorchSharp's P/Invokes are then bound to that copy.
/// Where the system already has the version nothing is written. Idempotent: a copy made earlier
/// for the same shipped file is checked and reused.
/// </summary>
public static class TorchNative
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";
    private const string GlueName = "libLibTorchSharp.so";

    // A native library loads once per process: this is process state by nature, computed once.
    private static readonly Lazy<TorchNativeLoad> Load = new(LoadOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Makes TorchSharp usable in this process (once; later calls return the first result).
    /// Throws <see cref="TorchNativeException"/> with the reason when the glue cannot be loaded.
    /// </summary>
    public static TorchNativeLoad EnsureLoaded() => Load.Value;

    private static TorchNativeLoad LoadOnce()
    {
        // libgomp reads OMP_WAIT_POLICY once, when libtorch starts its pool: spinning idle workers
        // would steal the cores that other trainers and the actors need. .NET's
        // Environment.SetEnvironmentVariable does not reach the native environment, so setenv.
        if (!OperatingSystem.IsLinux())
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return new TorchNativeLoad(null, Patched: false);
        }
        _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
        string shipped = FindShippedGlue();
        if (SystemLibStdCxxProvides(RequiredVersion) || !NeedsStrictly(shipped, RequiredVersion))
        {
            InitializeTorch(shipped);
            return new TorchNativeLoad(shipped, Patched: false);
        }
        string folder = Path.GetDirectoryName(shipped)!;
        string patched = PatchedCopy(shipped, [folder, CacheFolder()]);
        // The copy's RUNPATH is $ORIGIN: when it lives in the cache folder its libtorch
        // dependencies are found because they are already loaded (by soname) from the shipped folder.
        foreach (string dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so", "libtorch_cuda.so" })
        {
            string path = Path.Combine(folder, dependency);
            if (File.Exists(path))
            {
                NativeLibrary.Load(path);
            }
        }
        if (!NativeLibrary.TryLoad(patched, out IntPtr handle))
        {
            throw new TorchNativeException($"the patched TorchSharp glue {patched} (made from {shipped}) did not load; check that the libtorch libraries sit beside {shipped}");
        }
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) => name == "LibTorchSharp" ? handle : IntPtr.Zero);
        InitializeTorch(patched);
        return new TorchNativeLoad(patched, Patched: true);
    }

    private static void InitializeTorch(string glue)
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or DllNotFoundException)
        {
            throw new TorchNativeException($"TorchSharp did not initialise with the native glue {glue}: {e.Message}", e);
        }
    }

    /// <summary>The shipped glue in this application's output (RID folder, flat publish, or TorchSharp's consolidated folder).</summary>
    internal static string FindShippedGlue()
    {
        string baseDir = AppContext.BaseDirectory;
        string torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? baseDir;
        string[] candidates =
        [
            Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", GlueName),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", GlueName),
            Path.Combine(baseDir, GlueName),
            Path.Combine(torchDir, "cpu", GlueName),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new TorchNativeException($"{GlueName} not found; looked in {string.Join(", ", candidates)}. Is the TorchSharp-cpu (or TorchSharp-cuda-linux) package referenced by the application?");
    }

    /// <summary>Whether the libstdc++ this process's loader resolves defines <paramref name="version"/>.</summary>
    internal static bool SystemLibStdCxxProvides(string version)
    {
        string? path = LoadedLibStdCxx();
        return path is not null && ElfSymbolVersions.Read(path).Defined.Contains(version, StringComparer.Ordinal);
    }

    private static string? LoadedLibStdCxx()
    {
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out _))
        {
            return null;
        }
        // The loader's own choice (LD_LIBRARY_PATH, ld.so.cache): read it back from the mappings.
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.Contains("/libstdc++.so.6", StringComparison.Ordinal))
            {
                return line[slash..];
            }
        }
        return null;
    }

    private static bool NeedsStrictly(string library, string version) =>
        ElfSymbolVersions.Read(library).Needed.Any(v => v.Version == version && !v.IsWeak);

    /// <summary>
    /// A copy of <paramref name="shipped"/> with <paramref name="version"/> marked weak, in the first
    /// folder of <paramref name="folders"/> that can be written; reused if a valid one is there.
    /// </summary>
    internal static string PatchedCopy(string shipped, IReadOnlyList<string> folders, string version = RequiredVersion)
    {
        string name = $"libLibTorchSharp.{ContentTag(shipped)}.weak.so";
        var failures = new List<string>();
        foreach (string folder in folders)
        {
            string target = Path.Combine(folder, name);
            try
            {
                if (File.Exists(target) && IsPatchedCopyOf(target, shipped, version))
                {
                    return target;
                }
                Directory.CreateDirectory(folder);
                string temp = Path.Combine(folder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                try
                {
                    File.Copy(shipped, temp, overwrite: false);
                    MarkWeak(temp, version);
                    File.Move(temp, target, overwrite: true);
                }
                finally
                {
                    File.Delete(temp);
                }
                return target;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"{folder}: {e.Message}");
            }
        }
        throw new TorchNativeException(
            $"{shipped} needs {version}, which this system's libstdc++ lacks, and no patched copy could be written ({string.Join("; ", failures)}). " +
            $"Make one of those folders writable, or install a libstdc++ with {version} (GCC 13 or later).");
    }

    /// <summary>Sets the weak flag on every needed entry of <paramref name="version"/> in <paramref name="path"/>, in place.</summary>
    internal static void MarkWeak(string path, string version)
    {
        var entries = ElfSymbolVersions.Read(path).Needed.Where(v => v.Version == version).ToList();
        if (entries.Count == 0)
        {
            throw new InvalidDataException($"{path} does not need symbol version {version}; nothing to mark weak");
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        Span<byte> flags = stackalloc byte[2];
        foreach (var entry in entries)
        {
            ushort value = (ushort)(entry.Flags | ElfSymbolVersions.VerFlagWeak);
            flags[0] = (byte)value;
            flags[1] = (byte)(value >> 8);
            stream.Position = entry.FlagsOffset;
            stream.Write(flags);
        }
        stream.Flush(flushToDisk: true);
    }

    private static bool IsPatchedCopyOf(string candidate, string shipped, string version) =>
        new FileInfo(candidate).Length == new FileInfo(shipped).Length
        && ElfSymbolVersions.Read(candidate).Needed.Where(v => v.Version == version).All(v => v.IsWeak);

    private static string ContentTag(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
    }

    private static string CacheFolder()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "hfedmoe", "torch-native");
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
