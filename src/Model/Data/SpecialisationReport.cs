namespace HFedMoE.Model.Data;

/// <summary>
/// How strongly one MoE layer's experts specialise by sub-topic, from a <see cref="RoutingTally"/>.
/// Entropies and mutual information are in bits and count keyword tokens only.
/// <list type="bullet">
/// <item><see cref="MeanTopShare"/>: mean over experts that got keyword tokens of their top-sub-topic share;
/// compare with <see cref="ChanceTopShare"/>, what it would be if routing ignored sub-topics.</item>
/// <item><see cref="SubTopicRoutingEntropy"/>[s]: H(expert | sub-topic s), NaN for a sub-topic never seen;
/// log2(experts) means s is spread evenly, low means a few experts serve it.</item>
/// <item><see cref="MutualInformation"/>: I(sub-topic; expert); divided by <see cref="SubTopicEntropy"/>
/// it is the share of the sub-topic's uncertainty that the routing resolves.</item>
/// <item><see cref="KeywordShareOfRouting"/>: keyword tokens over all routed tokens.</item>
/// </list>
/// </summary>
public sealed record SpecialisationReport(
    IReadOnlyList<ExpertSpecialisation> Experts,
    double MeanTopShare,
    double ChanceTopShare,
    IReadOnlyList<double> SubTopicRoutingEntropy,
    double MutualInformation,
    double SubTopicEntropy,
    double KeywordShareOfRouting)
{
    public double NormalisedMutualInformation => SubTopicEntropy > 0 ? MutualInformation / SubTopicEntropy : 0;

    public static SpecialisationReport From(RoutingTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        int s = tally.SubTopics;
        int e = tally.Experts;
        var experts = new List<ExpertSpecialisation>(e);
        long[] perSubTopic = new long[s];
        long[] perExpertKeywords = new long[e];
        long keywordTotal = 0;
        long routedTotal = 0;
        double shareSum = 0;
        int sharing = 0;
        for (int x = 0; x < e; x++)
        {
            long keywords = 0;
            long best = 0;
            int top = -1;
            for (int k = 0; k < s; k++)
            {
                long n = tally[k, x];
                keywords += n;
                perSubTopic[k] += n;
                if (n > best)
                {
                    best = n;
                    top = k;
                }
            }
            long routed = keywords + tally[RoutingTally.NotKeyword, x];
            perExpertKeywords[x] = keywords;
            keywordTotal += keywords;
            routedTotal += routed;
            double share = keywords > 0 ? (double)best / keywords : 0;
            if (keywords > 0)
            {
                shareSum += share;
                sharing++;
            }
            experts.Add(new ExpertSpecialisation(x, routed, keywords, top, share, routed > 0 ? (double)best / routed : 0));
        }

        var entropies = new double[s];
        double mutual = 0;
        double subTopicEntropy = 0;
        for (int k = 0; k < s; k++)
        {
            if (perSubTopic[k] == 0)
            {
                entropies[k] = double.NaN;
                continue;
            }
            double pS = (double)perSubTopic[k] / keywordTotal;
            subTopicEntropy -= pS * Math.Log2(pS);
            double h = 0;
            for (int x = 0; x < e; x++)
            {
                long n = tally[k, x];
                if (n == 0)
                {
                    continue;
                }
                double pGiven = (double)n / perSubTopic[k];
                h -= pGiven * Math.Log2(pGiven);
                double pJoint = (double)n / keywordTotal;
                double pE = (double)perExpertKeywords[x] / keywordTotal;
                mutual += pJoint * Math.Log2(pJoint / (pS * pE));
            }
            entropies[k] = h;
        }
        double chance = keywordTotal > 0 ? (double)perSubTopic.Max() / keywordTotal : 0;
        return new SpecialisationReport(
            experts,
            sharing > 0 ? shareSum / sharing : 0,
            chance,
            entropies,
            Math.Max(0, mutual),
            subTopicEntropy,
            routedTotal > 0 ? (double)keywordTotal / routedTotal : 0);
    }
}
