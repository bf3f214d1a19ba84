namespace HFedMoE.Model.Data;

/// <summary>
/// One generated text. <paramref name="Label"/> is the topic the learner is told (it differs
/// from the true <paramref name="Topic"/> only for label noise on client training data);
/// <paramref name="SubTopic"/> is the global sub-topic index (topic · SubTopicsPerTopic + local).
/// </summary>
public sealed record Sample(int[] Tokens, int Label, int Topic, int SubTopic, bool IsRare, int Style)
{
    public bool IsNoisy => Label != Topic;
}
