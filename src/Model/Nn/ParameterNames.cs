using System.Globalization;

namespace HFedMoE.Model.Nn;

/// <summary>
/// The stable parameter names of <see cref="TorchMoE.TorchMoETransformer"/> (checkpoints, aggregation and the
/// optimiser's per-expert masking all address parameters by these names).
/// </summary>
public static class ParameterNames
{
    public const string TokenEmbedding = "embed.tokens";
    public const string PositionEmbedding = "embed.positions";
    public const string FinalLnGamma = "final_ln.gamma";
    public const string FinalLnBeta = "final_ln.beta";
    public const string HeadWeight = "head.w";
    public const string HeadBias = "head.b";
    public const string LmHeadWeight = "lm_head.w";
    public const string LmHeadBias = "lm_head.b";

    public static string Layer(int layer) => string.Create(CultureInfo.InvariantCulture, $"layers.{layer}.");

    public static string Attention(int layer, string part) => Layer(layer) + "attn." + part;

    public static string Moe(int layer, string part) => Layer(layer) + "moe." + part;

    public static string Router(int layer) => Moe(layer, "router");

    public static string RouterBias(int layer) => Moe(layer, "router_bias");

    /// <summary>Prefix shared by every parameter of one expert, e.g. <c>layers.1.moe.experts.5.</c>.</summary>
    public static string ExpertPrefix(int layer, int expert) =>
        string.Create(CultureInfo.InvariantCulture, $"layers.{layer}.moe.experts.{expert}.");

    public static string Expert(int layer, int expert, string part) => ExpertPrefix(layer, expert) + part;

    /// <summary>Recognises <c>layers.{l}.moe.experts.{e}.*</c> and returns (l, e).</summary>
    public static bool TryParseExpert(string name, out int layer, out int expert)
    {
        ArgumentNullException.ThrowIfNull(name);
        layer = -1;
        expert = -1;
        var parts = name.Split('.');
        if (parts.Length < 6 || parts[0] != "layers" || parts[2] != "moe" || parts[3] != "experts")
        {
            return false;
        }
        return int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out layer)
            && int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out expert);
    }
}
