using System.Globalization;
using System.Text;

namespace HFedMoE.Model.Data;

/// <summary>
/// Token ids of the generated benchmark and their readable names. Layout: the special tokens
/// ([PAD] = 0, [MASK], [CLS], [UNK]), then the keywords of each sub-topic ("kw:t2s1:17" is
/// keyword 17 of topic 2's sub-topic 1), then each style's tokens ("style:3:42"), then the
/// background tokens by Zipf rank ("bg:0" is the most frequent).
/// </summary>
public sealed class Vocabulary
{
    public const int Pad = 0;
    public const int Mask = 1;
    public const int Cls = 2;
    public const int Unknown = 3;
    public const int SpecialCount = 4;

    private static readonly string[] SpecialNames = ["[PAD]", "[MASK]", "[CLS]", "[UNK]"];

    private readonly CorpusConfig _config;

    public Vocabulary(CorpusConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.Validate();
        KeywordStart = SpecialCount;
        StyleStart = KeywordStart + config.SubTopics * config.KeywordsPerSubTopic;
        BackgroundStart = StyleStart + config.Styles * config.TokensPerStyle;
        Size = config.VocabularySize;
    }

    public int Size { get; }

    public int KeywordStart { get; }

    public int StyleStart { get; }

    public int BackgroundStart { get; }

    public int BackgroundCount => Size - BackgroundStart;

    public int KeywordCount => StyleStart - KeywordStart;

    /// <summary>Global sub-topic index: topic · SubTopicsPerTopic + local sub-topic.</summary>
    public int SubTopicIndex(int topic, int subTopic)
    {
        CheckRange(topic, _config.Topics, "topic");
        CheckRange(subTopic, _config.SubTopicsPerTopic, "sub-topic");
        return topic * _config.SubTopicsPerTopic + subTopic;
    }

    /// <summary>Keyword <paramref name="index"/> of global sub-topic <paramref name="subTopic"/>.</summary>
    public int Keyword(int subTopic, int index)
    {
        CheckRange(subTopic, _config.SubTopics, "global sub-topic");
        CheckRange(index, _config.KeywordsPerSubTopic, "keyword index");
        return KeywordStart + subTopic * _config.KeywordsPerSubTopic + index;
    }

    public int StyleToken(int style, int index)
    {
        CheckRange(style, _config.Styles, "style");
        CheckRange(index, _config.TokensPerStyle, "style token index");
        return StyleStart + style * _config.TokensPerStyle + index;
    }

    public int Background(int rank)
    {
        CheckRange(rank, BackgroundCount, "background rank");
        return BackgroundStart + rank;
    }

    public TokenKind KindOf(int id)
    {
        CheckRange(id, Size, "token id");
        return id < KeywordStart ? TokenKind.Special
            : id < StyleStart ? TokenKind.Keyword
            : id < BackgroundStart ? TokenKind.Style
            : TokenKind.Background;
    }

    /// <summary>The global sub-topic whose keyword <paramref name="id"/> is, or -1 for any other token.</summary>
    public int SubTopicOf(int id) =>
        KindOf(id) == TokenKind.Keyword ? (id - KeywordStart) / _config.KeywordsPerSubTopic : -1;

    /// <summary>The topic whose keyword <paramref name="id"/> is, or -1 for any other token.</summary>
    public int TopicOf(int id)
    {
        int sub = SubTopicOf(id);
        return sub < 0 ? -1 : sub / _config.SubTopicsPerTopic;
    }

    /// <summary>The style whose token <paramref name="id"/> is, or -1 for any other token.</summary>
    public int StyleOf(int id) =>
        KindOf(id) == TokenKind.Style ? (id - StyleStart) / _config.TokensPerStyle : -1;

    /// <summary>Readable name of a global sub-topic: "t2s1".</summary>
    public string SubTopicName(int subTopic)
    {
        CheckRange(subTopic, _config.SubTopics, "global sub-topic");
        return string.Create(CultureInfo.InvariantCulture, $"t{subTopic / _config.SubTopicsPerTopic}s{subTopic % _config.SubTopicsPerTopic}");
    }

    public string TokenName(int id)
    {
        var kind = KindOf(id);
        return kind switch
        {
            TokenKind.Special => SpecialNames[id],
            TokenKind.Keyword => string.Create(CultureInfo.InvariantCulture,
                $"kw:{SubTopicName(SubTopicOf(id))}:{(id - KeywordStart) % _config.KeywordsPerSubTopic}"),
            TokenKind.Style => string.Create(CultureInfo.InvariantCulture,
                $"style:{StyleOf(id)}:{(id - StyleStart) % _config.TokensPerStyle}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"bg:{id - BackgroundStart}"),
        };
    }

    /// <summary>The id of a token name, or false if the name is not in this vocabulary.</summary>
    public bool TryGetId(string name, out int id)
    {
        ArgumentNullException.ThrowIfNull(name);
        id = -1;
        int special = Array.IndexOf(SpecialNames, name);
        if (special >= 0)
        {
            id = special;
            return true;
        }
        string[] parts = name.Split(':');
        if (parts.Length == 2 && parts[0] == "bg" && TryInt(parts[1], out int rank) && rank < BackgroundCount)
        {
            id = BackgroundStart + rank;
            return true;
        }
        if (parts.Length == 3 && parts[0] == "style" && TryInt(parts[1], out int style) && TryInt(parts[2], out int si)
            && style < _config.Styles && si < _config.TokensPerStyle)
        {
            id = StyleToken(style, si);
            return true;
        }
        if (parts.Length == 3 && parts[0] == "kw" && TryInt(parts[2], out int ki) && ki < _config.KeywordsPerSubTopic
            && TryParseSubTopic(parts[1], out int sub))
        {
            id = Keyword(sub, ki);
            return true;
        }
        return false;
    }

    /// <summary>Whitespace-separated token names to ids; a name not in the vocabulary becomes [UNK].</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int[] ids = new int[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            ids[i] = TryGetId(words[i], out int id) ? id : Unknown;
        }
        return ids;
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }
            text.Append(TokenName(id));
        }
        return text.ToString();
    }

    private bool TryParseSubTopic(string text, out int subTopic)
    {
        subTopic = -1;
        int s = text.IndexOf('s', StringComparison.Ordinal);
        if (text.Length < 4 || text[0] != 't' || s < 2
            || !TryInt(text[1..s], out int topic) || !TryInt(text[(s + 1)..], out int local)
            || topic >= _config.Topics || local >= _config.SubTopicsPerTopic)
        {
            return false;
        }
        subTopic = topic * _config.SubTopicsPerTopic + local;
        return true;
    }

    private static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static void CheckRange(int value, int count, string what)
    {
        if ((uint)value >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} {value} is out of range; expected 0..{count - 1}");
        }
    }
}
