namespace HFedMoE.Model.Data.Text;

/// <summary>One JSONL record: plain text (<paramref name="Prompt"/> null) or an instruction/response pair.</summary>
public sealed record TextExample(string? Prompt, string Text, string Source, int Line);
