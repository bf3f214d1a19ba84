namespace HFedMoE.Model.Data.Text;

/// <summary>
/// How an instruction/response pair becomes text, after the model's chat template. We do not run
/// Jinja: the template in tokenizer_config.json is recognised by the markers of the template
/// families in use (ChatML as in Qwen, DeepSeek-V3's, Mistral's [INST]) and the single-turn
/// user → assistant case is written as those templates render it. A model without a template (or
/// with one we do not recognise) gets "prompt\n\nresponse"; <see cref="Family"/> says which applies.
/// </summary>
public sealed record ChatTemplate(ChatTemplateFamily Family)
{
    public static ChatTemplate Recognise(string? jinja)
    {
        if (string.IsNullOrEmpty(jinja))
        {
            return new ChatTemplate(ChatTemplateFamily.None);
        }
        if (jinja.Contains("<|im_start|>", StringComparison.Ordinal))
        {
            return new ChatTemplate(ChatTemplateFamily.ChatMl);
        }
        if (jinja.Contains("<｜User｜>", StringComparison.Ordinal) && jinja.Contains("<｜Assistant｜>", StringComparison.Ordinal))
        {
            return new ChatTemplate(ChatTemplateFamily.DeepSeek);
        }
        if (jinja.Contains("[INST]", StringComparison.Ordinal))
        {
            return new ChatTemplate(ChatTemplateFamily.MistralInst);
        }
        return new ChatTemplate(ChatTemplateFamily.Unrecognised);
    }

    /// <summary>The prompt part (loss masked) and the response part (trained on) of a single-turn exchange.</summary>
    public (string Prompt, string Response) Render(string prompt, string response) => Family switch
    {
        ChatTemplateFamily.ChatMl => ($"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n", $"{response}<|im_end|>\n"),
        ChatTemplateFamily.DeepSeek => ($"<｜User｜>{prompt}<｜Assistant｜>", $"{response}<｜end▁of▁sentence｜>"),
        ChatTemplateFamily.MistralInst => ($"[INST] {prompt} [/INST]", $" {response}</s>"),
        _ => ($"{prompt}\n\n", response),
    };
}

public enum ChatTemplateFamily
{
    /// <summary>tokenizer_config.json has no chat template.</summary>
    None,

    /// <summary>A template we do not recognise: rendered as plain text.</summary>
    Unrecognised,

    /// <summary><c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;</c> (Qwen).</summary>
    ChatMl,

    /// <summary><c>&lt;｜User｜&gt;…&lt;｜Assistant｜&gt;…</c> (DeepSeek-V3).</summary>
    DeepSeek,

    /// <summary><c>[INST] … [/INST]</c> (Mistral, Mixtral-Instruct).</summary>
    MistralInst,
}
