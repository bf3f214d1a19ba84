using System.Security.Cryptography;
using HFedMoE.Model.Torch;
using TorchSharp;

namespace HFedMoE.Model.Tests.Torch;

public sealed class TorchNativeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hfedmoe-native-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TorchRunsAfterEnsureLoaded()
    {
        var load = TorchNative.EnsureLoaded();
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var c = torch.matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
        // Patched exactly when this machine's libstdc++ lacks the version the glue asks for.
        Assert.Equal(!TorchNative.SystemLibStdCxxProvides(TorchNative.RequiredVersion), load.Patched);
        Assert.Same(load, TorchNative.EnsureLoaded());
    }

    [Fact]
    public void SystemLibStdCxxVersionsAreReadFromTheLoadedLibrary()
    {
        Assert.True(TorchNative.SystemLibStdCxxProvides("GLIBCXX_3.4"));
        Assert.False(TorchNative.SystemLibStdCxxProvides("GLIBCXX_99.0"));
    }

    [Fact]
    public void PatchedCopyMarksOnlyTheVersionWeakAndLeavesTheShippedFileAlone()
    {
        string shipped = TorchNative.FindShippedGlue();
        byte[] before = SHA256.HashData(File.ReadAllBytes(shipped));
        var original = ElfSymbolVersions.Read(shipped);
        Assert.Contains(original.Needed, v => v.Version == TorchNative.RequiredVersion && !v.IsWeak);

        string copy = TorchNative.PatchedCopy(shipped, [_dir]);

        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(shipped)));
        var patched = ElfSymbolVersions.Read(copy);
        Assert.Equal(original.Needed.Count, patched.Needed.Count);
        for (int i = 0; i < patched.Needed.Count; i++)
        {
            bool target = original.Needed[i].Version == TorchNative.RequiredVersion;
            Assert.Equal(target || original.Needed[i].IsWeak, patched.Needed[i].IsWeak);
            Assert.Equal(original.Needed[i].Version, patched.Needed[i].Version);
        }
        // Only the flag bytes differ.
        byte[] a = File.ReadAllBytes(shipped), b = File.ReadAllBytes(copy);
        var changed = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.Contains(original.Needed, v => v.FlagsOffset == i && v.Version == TorchNative.RequiredVersion));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void PatchedCopyIsReusedNotRewritten()
    {
        string shipped = TorchNative.FindShippedGlue();
        string first = TorchNative.PatchedCopy(shipped, [_dir]);
        var written = File.GetLastWriteTimeUtc(first);
        File.SetLastWriteTimeUtc(first, written.AddHours(-1));
        string second = TorchNative.PatchedCopy(shipped, [_dir]);
        Assert.Equal(first, second);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(second));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void AnInvalidEarlierCopyIsReplaced()
    {
        string shipped = TorchNative.FindShippedGlue();
        string copy = TorchNative.PatchedCopy(shipped, [_dir]);
        File.WriteAllText(copy, "truncated");
        Assert.Equal(copy, TorchNative.PatchedCopy(shipped, [_dir]));
        Assert.All(ElfSymbolVersions.Read(copy).Needed.Where(v => v.Version == TorchNative.RequiredVersion), v => Assert.True(v.IsWeak));
    }

    [Fact]
    public void UnwritableFoldersGiveAClearError()
    {
        string shipped = TorchNative.FindShippedGlue();
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        // A folder below a regular file cannot be created, even by root.
        var error = Assert.Throws<TorchNativeException>(() => TorchNative.PatchedCopy(shipped, [Path.Combine(file, "sub")]));
        Assert.Contains(TorchNative.RequiredVersion, error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(file, "sub"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonElfInputIsRejectedByName()
    {
        string path = Path.Combine(_dir, "not-elf.so");
        File.WriteAllText(path, "hello, this is not a shared object at all; long enough to pass the size check ......");
        var error = Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.Read(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
