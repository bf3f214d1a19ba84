using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>Token and learned position embeddings (<c>embed.tokens</c> (V, d), <c>embed.positions</c> (T_max, d)), summed.</summary>
public sealed class TorchEmbeddings : nn.Module
{
    public TorchEmbeddings(ModelConfig config, ScalarType dtype, Device device)
        : base(nameof(TorchEmbeddings))
    {
        ArgumentNullException.ThrowIfNull(config);
        Tokens = new TorchSharp.Modules.Parameter(zeros([config.Vocab, config.DModel], dtype, device));
        Positions = new TorchSharp.Modules.Parameter(zeros([config.SeqLen, config.DModel], dtype, device));
        register_parameter("tokens", Tokens);
        register_parameter("positions", Positions);
    }

    // Held, not converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _one = 1.ToScalar();

    public TorchSharp.Modules.Parameter Tokens { get; }

    public TorchSharp.Modules.Parameter Positions { get; }

    /// <summary>ids: (B·T) int64 → (B·T, d).</summary>
    public Tensor Forward(Tensor ids, long batch, long seqLen)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var scope = NewDisposeScope();
        var x = Tokens.index_select(0, ids).view(batch, seqLen, -1).add(Positions.narrow(0, 0, seqLen), _one);
        return x.view(batch * seqLen, -1).MoveToOuterDisposeScope();
    }
}
