using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Checkpoints;

public sealed class ModelCheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-ck-" + Guid.NewGuid().ToString("N"));

    public ModelCheckpointTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ParameterStore Store(params (string Name, int[] Shape)[] layout) => new(layout);

    private static ParameterStore Model() =>
        Store(("embed", [10, 4]), ("layers.0.moe.experts.0.w1", [4, 8]), ("head.b", [3]));

    private static void Fill(ParameterStore store, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < store.Values.Length; i++)
        {
            store.Values[i] = (float)(rng.NextDouble() * 2 - 1);
        }
    }

    [Fact]
    public void SaveThenLoad_RestoresEveryValueBitExact_AndTheMetadata()
    {
        var source = Model();
        Fill(source, 1);
        string path = Path.Combine(_dir, "m.safetensors");
        ModelCheckpoint.Save(path, source, new Dictionary<string, string> { ["step"] = "1500", ["config"] = "{\"d\":4}" });

        var target = Model();
        var metadata = ModelCheckpoint.Load(path, target);

        Assert.Equal(source.Values.Select(BitConverter.SingleToInt32Bits), target.Values.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal("1500", metadata["step"]);
        Assert.Equal("{\"d\":4}", metadata["config"]);
        Assert.All(target.Grads, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void MissingTensor_FailsNamingItAndItsShape_AndLeavesTheModelUntouched()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        var small = Store(("embed", [10, 4]), ("head.b", [3]));
        Fill(small, 2);
        ModelCheckpoint.Save(path, small);
        var target = Model();
        Fill(target, 3);
        float[] before = (float[])target.Values.Clone();

        var e = Assert.Throws<CheckpointMismatchException>(() => ModelCheckpoint.Load(path, target));

        Assert.Contains("missing tensor 'layers.0.moe.experts.0.w1' (expected shape [4,8])", e.Message);
        Assert.Equal(before, target.Values);
    }

    [Fact]
    public void ExtraTensor_FailsNamingIt()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        var big = Store(("embed", [10, 4]), ("layers.0.moe.experts.0.w1", [4, 8]), ("head.b", [3]), ("head.extra", [2, 2]));
        ModelCheckpoint.Save(path, big);

        var e = Assert.Throws<CheckpointMismatchException>(() => ModelCheckpoint.Load(path, Model()));

        Assert.Contains("unexpected tensor 'head.extra' with shape [2,2]", e.Message);
    }

    [Fact]
    public void WrongShape_FailsNamingExpectedAndFound()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        var transposed = Store(("embed", [10, 4]), ("layers.0.moe.experts.0.w1", [8, 4]), ("head.b", [3]));
        ModelCheckpoint.Save(path, transposed);
        var target = Model();
        Fill(target, 4);
        float[] before = (float[])target.Values.Clone();

        var e = Assert.Throws<CheckpointMismatchException>(() => ModelCheckpoint.Load(path, target));

        Assert.Contains("tensor 'layers.0.moe.experts.0.w1' has shape [8,4] but the model expects [4,8]", e.Message);
        Assert.Equal(before, target.Values);
    }

    [Fact]
    public void CorruptFile_FailsWithAFormatErrorNamingThePath()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        ModelCheckpoint.Save(path, Model());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<SafeTensorsFormatException>(() => ModelCheckpoint.Load(path, Model()));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void LoadOptions_SkipTheLmHead_AndKeepAFreshTaskHead()
    {
        string path = Path.Combine(_dir, "pretrained.safetensors");
        var pretrained = Store(("embed", [10, 4]), ("layers.0.moe.experts.0.w1", [4, 8]), ("head.b", [5]), ("lm_head.w", [4, 10]));
        Fill(pretrained, 5);
        ModelCheckpoint.Save(path, pretrained);
        var finetune = Model(); // head.b has 3 classes here, and there is no lm_head
        Fill(finetune, 6);
        float[] freshHead = finetune.ValuesOf("head.b").ToArray();

        Assert.Throws<CheckpointMismatchException>(() => ModelCheckpoint.Load(path, finetune));
        ModelCheckpoint.Load(path, finetune, new CheckpointLoadOptions { IgnoreUnexpected = true, KeepPrefixes = ["head."] });

        Assert.Equal(pretrained.ValuesOf("embed").ToArray(), finetune.ValuesOf("embed").ToArray());
        Assert.Equal(pretrained.ValuesOf("layers.0.moe.experts.0.w1").ToArray(), finetune.ValuesOf("layers.0.moe.experts.0.w1").ToArray());
        Assert.Equal(freshHead, finetune.ValuesOf("head.b").ToArray());
    }

    [Fact]
    public void LoadOptions_StillCheckShapesOfWhatIsLoaded()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        ModelCheckpoint.Save(path, Store(("embed", [10, 5]), ("layers.0.moe.experts.0.w1", [4, 8])));

        var e = Assert.Throws<CheckpointMismatchException>(() =>
            ModelCheckpoint.Load(path, Model(), new CheckpointLoadOptions { IgnoreUnexpected = true, KeepPrefixes = ["head."] }));

        Assert.Contains("tensor 'embed' has shape [10,5] but the model expects [10,4]", e.Message);
    }
}
