using System.Globalization;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// The experts of one MoE block, registered under their indices (<c>experts.{e}.…</c>) like a
/// ModuleList, except that an expert the client does not hold is simply not there.
/// </summary>
public sealed class ExpertSet : nn.Module
{
    public ExpertSet(IReadOnlyList<SwiGluExpert?> experts)
        : base(nameof(ExpertSet))
    {
        ArgumentNullException.ThrowIfNull(experts);
        for (int e = 0; e < experts.Count; e++)
        {
            if (experts[e] is { } expert)
            {
                register_module(e.ToString(CultureInfo.InvariantCulture), expert);
            }
        }
    }
}
