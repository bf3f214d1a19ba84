using HFedMoE.Model.Data.Text;

namespace HFedMoE.Model.HuggingFace;

/// <summary>A federated client of a Hugging Face run: its text and its compute cap (in expert backward passes per batch).</summary>
public sealed record HfClient(string Name, ClientTextData Data, double Budget);
