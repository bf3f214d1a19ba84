namespace HFedMoE.Model.HuggingFace;

/// <summary>The Hugging Face MoE layouts we import (config.json's <c>model_type</c>).</summary>
public enum HfArchitecture
{
    /// <summary><c>mixtral</c>: <c>block_sparse_moe.gate</c>, experts <c>w1/w2/w3</c>, router always renormalised over the top-k.</summary>
    Mixtral,

    /// <summary><c>qwen3_moe</c>: <c>mlp.gate</c>, experts <c>gate_proj/up_proj/down_proj</c>, per-head q/k RMSNorm, <c>norm_topk_prob</c>.</summary>
    Qwen3Moe,
}
