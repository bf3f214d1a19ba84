namespace HFedMoE.Actors.Rounds;

/// <summary>
/// Content-addressed store of the bytes behind the round manager's journal: accepted client
/// updates and committed global models, keyed by the SHA-256 digest the journal records. A
/// directory-backed spool writes each blob to a temporary file and renames it into place, so a
/// reader sees either nothing or the whole blob, never a torn write. It outlives the actor
/// (it is passed in the Props), which is what lets a restarted round manager resume its round.
/// </summary>
public sealed class UpdateSpool
{
    private readonly string? _directory;
    private readonly Dictionary<string, byte[]> _memory = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    private UpdateSpool(string? directory) => _directory = directory;

    /// <summary>A spool held in process memory (tests, single-process runs without restarts of the process).</summary>
    public static UpdateSpool InMemory() => new(null);

    /// <summary>A spool in <paramref name="directory"/> (created if missing).</summary>
    public static UpdateSpool InDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        return new UpdateSpool(Path.GetFullPath(directory));
    }

    /// <summary>Stores <paramref name="bytes"/> under <paramref name="digest"/>; storing the same digest again is a no-op.</summary>
    /// <exception cref="ArgumentException">The bytes do not hash to <paramref name="digest"/>.</exception>
    public void Put(string digest, byte[] bytes)
    {
        CheckDigest(digest);
        ArgumentNullException.ThrowIfNull(bytes);
        if (Digests.Of(bytes) != digest)
        {
            throw new ArgumentException($"the {bytes.Length} bytes given for {digest} hash to {Digests.Of(bytes)}", nameof(bytes));
        }
        if (_directory is null)
        {
            lock (_gate)
            {
                _memory.TryAdd(digest, bytes.ToArray());
            }
            return;
        }
        string target = Path.Combine(_directory, digest);
        if (File.Exists(target))
        {
            return;
        }
        string temporary = Path.Combine(_directory, $"{digest}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            // Durable before it is renamed into place: the journal entry that names it comes next.
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>The bytes stored under <paramref name="digest"/>, checked against it.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is stored under the digest.</exception>
    /// <exception cref="InvalidDataException">The stored bytes no longer hash to the digest (corrupted).</exception>
    public byte[] Get(string digest)
    {
        var bytes = Read(digest);
        string actual = Digests.Of(bytes);
        return actual == digest
            ? bytes
            : throw new InvalidDataException($"spool blob {digest} is corrupt: its {bytes.Length} bytes hash to {actual}");
    }

    private byte[] Read(string digest)
    {
        CheckDigest(digest);
        if (_directory is null)
        {
            lock (_gate)
            {
                return _memory.TryGetValue(digest, out var b)
                    ? b.ToArray()
                    : throw new KeyNotFoundException($"spool holds nothing under digest {digest}");
            }
        }
        string path = Path.Combine(_directory, digest);
        return File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new KeyNotFoundException($"spool holds nothing under digest {digest} (looked for {path})");
    }

    public bool Contains(string digest)
    {
        CheckDigest(digest);
        if (_directory is null)
        {
            lock (_gate)
            {
                return _memory.ContainsKey(digest);
            }
        }
        return File.Exists(Path.Combine(_directory, digest));
    }

    /// <summary>Digests are lowercase hex SHA-256 (64 characters): anything else could escape the directory.</summary>
    private static void CheckDigest(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (digest.Length != 64 || !digest.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
        {
            throw new ArgumentException($"digest '{digest}' is not a lowercase hex SHA-256 (64 characters)", nameof(digest));
        }
    }
}
