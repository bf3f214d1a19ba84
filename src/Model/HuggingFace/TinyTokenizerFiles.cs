using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// A byte-level tokenizer.json (GPT-2's byte-to-unicode alphabet, BPE with no merges: one token
/// per UTF-8 byte) with three special tokens, and a tokenizer_config.json with a ChatML chat
/// template: a real Hugging Face tokenizer small enough for tiny demo models (vocabulary 259).
/// </summary>
public static class TinyTokenizerFiles
{
    public const int VocabSize = 259;
    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    public static void Write(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var vocab = new JsonObject();
        foreach (var (b, c) in ByteAlphabet())
        {
            vocab[c.ToString()] = b;
        }
        var added = new JsonArray();
        string[] specials = [EndOfText, ImStart, ImEnd];
        for (int i = 0; i < specials.Length; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = 256 + i, ["content"] = specials[i], ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        }
        JsonObject ByteLevel(bool prefix) => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = prefix, ["trim_offsets"] = false, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(false),
            ["post_processor"] = ByteLevel(false),
            ["decoder"] = ByteLevel(false),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
        var config = new JsonObject
        {
            ["tokenizer_class"] = "Qwen2Tokenizer",
            ["eos_token"] = ImEnd,
            ["pad_token"] = EndOfText,
            ["bos_token"] = null,
            ["add_bos_token"] = false,
            ["model_max_length"] = 512,
            ["chat_template"] = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
        };
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tokenizer.ToJsonString(options), new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString(options), new UTF8Encoding(false));
    }

    /// <summary>GPT-2's reversible byte → printable character map: printable bytes keep their code, the rest take 256, 257, ….</summary>
    private static IEnumerable<(int Byte, char Char)> ByteAlphabet()
    {
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            yield return (b, printable ? (char)b : (char)(256 + next++));
        }
    }
}
