namespace HFedMoE.Model.Data;

/// <summary>
/// One expert's routing profile. <paramref name="TopShare"/>: the share of its routed keyword
/// tokens that come from its most frequent sub-topic (<paramref name="TopSubTopic"/>, -1 if it
/// got no keyword token). <paramref name="TopShareOfAllRouted"/>: the same count over all its
/// routed tokens, background included (low when the expert mostly serves background).
/// </summary>
public sealed record ExpertSpecialisation(
    int Expert,
    long RoutedTokens,
    long KeywordTokens,
    int TopSubTopic,
    double TopShare,
    double TopShareOfAllRouted);
