namespace HFedMoE.Model.Data.Text;

/// <summary>
/// One tokenised example: <paramref name="Ids"/>, and <paramref name="Labels"/> equal to the ids
/// except −100 over the prompt part (no loss on the instruction, only on the response).
/// </summary>
public sealed record CausalLmSequence(int[] Ids, int[] Labels)
{
    public const int Ignore = -100;

    /// <summary>Tokenises an example: BOS if the tokenizer asks for one, the chat template for pairs, EOS after the text; cut at <paramref name="maxLength"/>.</summary>
    public static CausalLmSequence From(TextExample example, HfTokenizer tokenizer, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var ids = new List<int>();
        var labels = new List<int>();
        void Add(IEnumerable<int> tokens, bool train)
        {
            foreach (int t in tokens)
            {
                ids.Add(t);
                labels.Add(train ? t : Ignore);
            }
        }
        bool bosFromTokenizer = false;
        string text = example.Text;
        if (example.Prompt is not null)
        {
            var (prompt, response) = tokenizer.Template.Render(example.Prompt, example.Text);
            int[] promptIds = tokenizer.Encode(prompt);
            bosFromTokenizer = tokenizer.BosId is int b0 && promptIds.Length > 0 && promptIds[0] == b0;
            if (tokenizer.AddBos && tokenizer.BosId is int bos && !bosFromTokenizer)
            {
                Add([bos], train: false);
            }
            Add(promptIds, train: false);
            int[] responseIds = tokenizer.Encode(response);
            // The tokenizer's post-processor may put a BOS in front of every encode: not mid-sequence.
            Add(tokenizer.BosId is int b1 && responseIds.Length > 0 && responseIds[0] == b1 ? responseIds[1..] : responseIds, train: true);
            bool templateEnds = tokenizer.Template.Family is not (ChatTemplateFamily.None or ChatTemplateFamily.Unrecognised);
            if (!templateEnds && tokenizer.EosId is int eos)
            {
                Add([eos], train: true);
            }
        }
        else
        {
            int[] textIds = tokenizer.Encode(text);
            bosFromTokenizer = tokenizer.BosId is int b0 && textIds.Length > 0 && textIds[0] == b0;
            if (tokenizer.AddBos && tokenizer.BosId is int bos && !bosFromTokenizer)
            {
                Add([bos], train: false);
            }
            Add(textIds, train: true);
            if (tokenizer.EosId is int eos)
            {
                Add([eos], train: true);
            }
        }
        int n = Math.Min(ids.Count, maxLength);
        return new CausalLmSequence([.. ids.Take(n)], [.. labels.Take(n)]);
    }

    /// <summary>Positions whose label counts: the tokens the loss is computed on (shifted by one at loss time).</summary>
    public int TrainedTokens => Labels.Skip(1).Count(l => l != Ignore);
}
