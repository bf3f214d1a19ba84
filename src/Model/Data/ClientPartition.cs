namespace HFedMoE.Model.Data;

/// <summary>
/// One client's local training data: the topic proportions it was drawn with, its dominant
/// style, and its samples (labels carry the configured label noise).
/// </summary>
public sealed record ClientPartition(int Client, IReadOnlyList<double> TopicProportions, int DominantStyle, IReadOnlyList<Sample> Samples);
