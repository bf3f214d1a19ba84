namespace HFedMoE.Model.Data.Text;

/// <summary>
/// A client's text: every <c>*.jsonl</c> file of its folder, tokenised, split into a training
/// part and a held-out part (every k-th example by a seeded shuffle, so the split is fixed for a
/// seed). <see cref="Problems"/> lists the bad lines skipped, by file and line.
/// </summary>
public sealed class ClientTextData
{
    private ClientTextData(string name, IReadOnlyList<CausalLmSequence> train, IReadOnlyList<CausalLmSequence> heldOut, IReadOnlyList<string> problems)
    {
        Name = name;
        Train = train;
        HeldOut = heldOut;
        Problems = problems;
    }

    public string Name { get; }

    public IReadOnlyList<CausalLmSequence> Train { get; }

    public IReadOnlyList<CausalLmSequence> HeldOut { get; }

    public IReadOnlyList<string> Problems { get; }

    public static ClientTextData Load(string folder, HfTokenizer tokenizer, int maxLength, double heldOutFraction, BadLinePolicy policy, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (!(heldOutFraction > 0 && heldOutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "the held-out fraction must lie in (0, 1)");
        }
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: client data folder not found");
        }
        var files = Directory.GetFiles(folder, "*.jsonl").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"{folder}: no *.jsonl files (one JSON object per line: {{\"text\": ...}} or {{\"instruction\": ..., \"response\": ...}})");
        }
        var problems = new List<string>();
        var sequences = files.SelectMany(f => JsonlReader.Read(f, policy, problems))
            .Select(e => CausalLmSequence.From(e, tokenizer, maxLength))
            .Where(s => s.TrainedTokens > 0)
            .ToList();
        if (sequences.Count < 2)
        {
            throw new InvalidDataException($"{folder}: {sequences.Count} usable example(s); a client needs at least 2 (one to train on, one held out)");
        }
        var order = Enumerable.Range(0, sequences.Count).ToArray();
        new Random(seed).Shuffle(order);
        int heldOut = Math.Clamp((int)Math.Round(sequences.Count * heldOutFraction), 1, sequences.Count - 1);
        var held = order.Take(heldOut).Order().Select(i => sequences[i]).ToList();
        var train = order.Skip(heldOut).Order().Select(i => sequences[i]).ToList();
        return new ClientTextData(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), train, held, problems);
    }
}
