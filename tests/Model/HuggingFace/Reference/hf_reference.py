#!/usr/bin/env python3
"""Independent reference forward for the Mixtral and Qwen3-MoE layouts.

Written from Hugging Face transformers' published modeling code (modeling_mixtral.py,
modeling_qwen3_moe.py: RMSNorm, rotate-half rotary embeddings, grouped KV heads repeated with
repeat_kv, eager causal attention with float32 softmax, router softmax in float32 then top-k,
renormalised for Mixtral always and for Qwen3-MoE when norm_topk_prob, SwiGLU experts,
per-head q/k RMSNorm in Qwen3-MoE), with PyTorch only: Debian ships no transformers or
safetensors package, so the safetensors files are read with plain Python below.

Usage: hf_reference.py REQUEST.json MODEL_DIR OUT.json [MODEL_DIR OUT.json ...]
REQUEST: {"ids": [[...], ...], "labels": [[...], ...]}   (labels: -100 = ignored)
OUT:     {"shape": [B, T, V], "logits": [...flat...], "loss": float}
"""
import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[begin:end])
        t = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]) if end > begin else torch.empty(0, dtype=DTYPES[entry["dtype"]])
        out[name] = t.reshape(entry["shape"]).to(torch.float32)
    return out


def load_weights(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for name in files:
        weights.update(read_safetensors(os.path.join(folder, name)))
    return weights


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    b, h, t, d = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, h, n_rep, t, d).reshape(b, h * n_rep, t, d)


def forward(cfg, w, ids):
    qwen = cfg["model_type"] == "qwen3_moe"
    hidden = cfg["hidden_size"]
    n_heads = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads") or n_heads
    head_dim = cfg.get("head_dim") or hidden // n_heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    n_experts = cfg["num_experts"] if qwen else cfg["num_local_experts"]
    top_k = cfg["num_experts_per_tok"]
    norm_topk = cfg.get("norm_topk_prob", False) if qwen else True
    b, t = ids.shape

    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = torch.outer(torch.arange(t, dtype=torch.int64).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    mask = torch.full((t, t), float("-inf")).triu(1)

    h = w["model.embed_tokens.weight"][ids]
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        residual = h
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = (x @ w[p + "self_attn.q_proj.weight"].T).view(b, t, n_heads, head_dim)
        k = (x @ w[p + "self_attn.k_proj.weight"].T).view(b, t, n_kv, head_dim)
        v = (x @ w[p + "self_attn.v_proj.weight"].T).view(b, t, n_kv, head_dim)
        if qwen:
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, n_heads // n_kv), repeat_kv(v, n_heads // n_kv)
        scores = q @ k.transpose(2, 3) / math.sqrt(head_dim) + mask
        attn = torch.softmax(scores, dim=-1, dtype=torch.float32)
        y = (attn @ v).transpose(1, 2).reshape(b, t, n_heads * head_dim)
        h = residual + y @ w[p + "self_attn.o_proj.weight"].T

        residual = h
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps).reshape(b * t, hidden)
        moe = p + ("mlp." if qwen else "block_sparse_moe.")
        router_logits = x @ w[moe + "gate.weight"].T
        routing = torch.softmax(router_logits, dim=1, dtype=torch.float32)
        routing, selected = torch.topk(routing, top_k, dim=-1)
        if norm_topk:
            routing = routing / routing.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(x)
        gate_n, up_n, down_n = ("gate_proj", "up_proj", "down_proj") if qwen else ("w1", "w3", "w2")
        for e in range(n_experts):
            token_idx, slot = torch.where(selected == e)
            if token_idx.numel() == 0:
                continue
            xe = x[token_idx]
            ep = f"{moe}experts.{e}."
            ye = (torch.nn.functional.silu(xe @ w[ep + gate_n + ".weight"].T) * (xe @ w[ep + up_n + ".weight"].T)) @ w[ep + down_n + ".weight"].T
            out.index_add_(0, token_idx, ye * routing[token_idx, slot, None])
        h = residual + out.view(b, t, hidden)

    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return h @ head.T


def main():
    request, pairs = sys.argv[1], sys.argv[2:]
    with open(request) as f:
        req = json.load(f)
    torch.set_num_threads(1)
    ids = torch.tensor(req["ids"], dtype=torch.int64)
    labels = torch.tensor(req["labels"], dtype=torch.int64)
    for folder, out in zip(pairs[0::2], pairs[1::2]):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        with torch.no_grad():
            logits = forward(cfg, load_weights(folder), ids)
            v = logits.shape[-1]
            loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, v), labels[:, 1:].reshape(-1), ignore_index=-100)
        with open(out, "w") as f:
            json.dump({"shape": list(logits.shape), "logits": logits.reshape(-1).tolist(), "loss": loss.item(), "torch": torch.__version__}, f)


if __name__ == "__main__":
    main()
