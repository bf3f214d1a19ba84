using System.Text.Json;
using System.Text.Json.Nodes;

namespace HFedMoE.Model.Data.Text;

/// <summary>
/// A model's own tokenizer: its <c>tokenizer.json</c> run by the Hugging Face tokenizers library
/// (Rust, through Tokenizers.DotNet), plus what <c>tokenizer_config.json</c> says about special
/// tokens and the chat template. Ids are those the model was trained with; nothing is downloaded.
/// </summary>
public sealed class HfTokenizer
{
    private readonly Tokenizers.DotNet.Tokenizer _tokenizer;
    private readonly Dictionary<string, int> _special;

    private HfTokenizer(Tokenizers.DotNet.Tokenizer tokenizer, Dictionary<string, int> special, ChatTemplate template, int? eos, int? pad, int? bos, bool addBos)
    {
        _tokenizer = tokenizer;
        _special = special;
        Template = template;
        EosId = eos;
        PadId = pad ?? eos ?? 0;
        BosId = bos;
        AddBos = addBos;
    }

    public ChatTemplate Template { get; }

    /// <summary>The end-of-sequence token appended after each example's text, if the tokenizer names one.</summary>
    public int? EosId { get; }

    /// <summary>The padding id (the pad token, else the eos token, else 0); padded positions carry no loss either way.</summary>
    public int PadId { get; }

    public int? BosId { get; }

    /// <summary>Whether tokenizer_config.json asks for a BOS token in front of each sequence (<c>add_bos_token</c>).</summary>
    public bool AddBos { get; }

    /// <summary>The id of a special (added) token, e.g. <c>&lt;|im_end|&gt;</c>.</summary>
    public int? SpecialId(string content) => _special.TryGetValue(content, out int id) ? id : null;

    public static HfTokenizer Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string json = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(json))
        {
            throw new FileNotFoundException($"{json}: tokenizer.json not found (the model folder must carry its tokenizer)", json);
        }
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var stream = File.OpenRead(json))
        using (var doc = JsonDocument.Parse(stream))
        {
            if (doc.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in added.EnumerateArray())
                {
                    special[t.GetProperty("content").GetString()!] = t.GetProperty("id").GetInt32();
                }
            }
        }
        Tokenizers.DotNet.Tokenizer tokenizer;
        try
        {
            tokenizer = new Tokenizers.DotNet.Tokenizer(json);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{json}: the tokenizers library refused it: {e.Message}", e);
        }
        JsonObject config = [];
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? [];
        }
        int? Id(string key)
        {
            string? content = config[key] switch
            {
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonObject o => o["content"]?.GetValue<string>(),
                _ => null,
            };
            return content is not null && special.TryGetValue(content, out int id) ? id : null;
        }
        string? template = config["chat_template"] switch
        {
            JsonValue v when v.TryGetValue(out string? s) => s,
            JsonArray a => a.OfType<JsonObject>().FirstOrDefault(o => o["name"]?.GetValue<string>() == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
        string jinja = Path.Combine(folder, "chat_template.jinja");
        if (template is null && File.Exists(jinja))
        {
            template = File.ReadAllText(jinja);
        }
        bool addBos = config["add_bos_token"]?.GetValue<bool>() ?? false;
        return new HfTokenizer(tokenizer, special, ChatTemplate.Recognise(template), Id("eos_token"), Id("pad_token"), Id("bos_token"), addBos);
    }

    /// <summary>Token ids of <paramref name="text"/> as the tokenizers library encodes it (its post-processor's special tokens included).</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : [.. _tokenizer.Encode(text).Select(i => checked((int)i))];
    }

    /// <summary>Text of <paramref name="ids"/>; special tokens (eos, chat markers) are left out, as the tokenizers library does by default.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Count == 0 ? "" : _tokenizer.Decode([.. ids.Select(i => checked((uint)i))]);
    }
}
