using HFedMoE.Actors.Rounds;

namespace HFedMoE.Actors.Tests.Rounds;

public sealed class UpdateSpoolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"hfedmoe-spool-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void A_directory_spool_returns_what_was_put_across_instances_and_leaves_no_temporary_files()
    {
        byte[] bytes = [1, 2, 3, 250];
        string digest = Digests.Of(bytes);
        UpdateSpool.InDirectory(_dir).Put(digest, bytes);

        var reopened = UpdateSpool.InDirectory(_dir);
        Assert.True(reopened.Contains(digest));
        Assert.Equal(bytes, reopened.Get(digest));
        Assert.Equal([digest], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Putting_the_same_blob_twice_is_a_no_op_and_other_bytes_under_its_digest_are_refused()
    {
        var spool = UpdateSpool.InMemory();
        byte[] bytes = [9, 8, 7];
        string digest = Digests.Of(bytes);
        spool.Put(digest, bytes);
        spool.Put(digest, [.. bytes]);
        Assert.Equal(bytes, spool.Get(digest));
        Assert.Throws<ArgumentException>(() => spool.Put(digest, [0]));
    }

    [Fact]
    public void A_corrupted_blob_is_detected_on_read_and_bytes_that_do_not_match_their_digest_are_refused()
    {
        var spool = UpdateSpool.InDirectory(_dir);
        byte[] bytes = [1, 2, 3];
        string digest = Digests.Of(bytes);
        spool.Put(digest, bytes);
        File.WriteAllBytes(Path.Combine(_dir, digest), [1, 2, 4]);

        Assert.Contains($"spool blob {digest} is corrupt", Assert.Throws<InvalidDataException>(() => spool.Get(digest)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => spool.Put(Digests.Of([5]), [6]));
    }

    [Fact]
    public void A_missing_digest_or_a_malformed_one_is_refused_by_name()
    {
        var spool = UpdateSpool.InDirectory(_dir);
        string missing = Digests.Of([42]);
        Assert.Contains(missing, Assert.Throws<KeyNotFoundException>(() => spool.Get(missing)).Message, StringComparison.Ordinal);
        Assert.Contains("../etc", Assert.Throws<ArgumentException>(() => spool.Put("../etc/passwd", [1])).Message, StringComparison.Ordinal);
    }
}
