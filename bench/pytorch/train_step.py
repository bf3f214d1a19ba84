#!/usr/bin/env python3
"""PyTorch twin of HFedMoE's MoETransformer reference configuration, timed per training step.

The C# `trainstep` benchmark runs this as a child process (same machine, same thread count)
and prints ours/PyTorch. Run by hand: /usr/bin/python3 bench/pytorch/train_step.py --threads 2

Model (mirrors src/Model/Nn): token + position embeddings; 4 blocks of [pre-LN 4-head
self-attention (non-causal), pre-LN MoE: router linear d->8 + softmax, top-2 with gates
renormalised over the chosen two, experts Linear(d,512)-GELU(tanh)-Linear(512,d), tokens
gathered per expert]; final LN; mean-pool; Linear(d, 8); cross-entropy + 0.01 Switch
load-balancing loss per layer; AdamW. Batch 32 x 64 tokens.

Output: one line `median_ms=<wall> cpu_ms=<process CPU> steps=<n> threads=<t> torch=<version>`; exit code 3 when
torch is not importable (the C# side then reports "PyTorch not installed").
"""
import argparse
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch not importable", file=sys.stderr)
    sys.exit(3)

VOCAB, SEQ, D, HEADS, LAYERS, EXPERTS, TOPK, HIDDEN, BATCH, CLASSES = 512, 64, 128, 4, 4, 8, 2, 512, 32, 8
BALANCE_COEF = 0.01


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.out = nn.Linear(D, D)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln(x)).split(D, dim=-1)
        dh = D // HEADS
        q = q.view(b, t, HEADS, dh).transpose(1, 2)
        k = k.view(b, t, HEADS, dh).transpose(1, 2)
        v = v.view(b, t, HEADS, dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / dh ** 0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, D)
        return x + self.out(y)


class MoE(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(D)
        self.router = nn.Linear(D, EXPERTS)
        self.w1 = nn.ModuleList(nn.Linear(D, HIDDEN) for _ in range(EXPERTS))
        self.w2 = nn.ModuleList(nn.Linear(HIDDEN, D) for _ in range(EXPERTS))

    def forward(self, x):
        b, t, _ = x.shape
        h = self.ln(x).reshape(b * t, D)
        prob = torch.softmax(self.router(h), dim=-1)
        top_p, top_e = prob.topk(TOPK, dim=-1)
        gates = top_p / top_p.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(h)
        counts = torch.zeros(EXPERTS)
        for e in range(EXPERTS):
            rows, slot = (top_e == e).nonzero(as_tuple=True)
            counts[e] = rows.numel()
            if rows.numel() == 0:
                continue
            y = self.w2[e](F.gelu(self.w1[e](h.index_select(0, rows)), approximate="tanh"))
            out.index_add_(0, rows, y * gates[rows, slot].unsqueeze(1))
        f = counts / (b * t * TOPK)
        balance = BALANCE_COEF * EXPERTS * (f * prob.mean(dim=0)).sum()
        return x + out.view(b, t, D), balance


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Embedding(SEQ, D)
        self.att = nn.ModuleList(Attention() for _ in range(LAYERS))
        self.moe = nn.ModuleList(MoE() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(D)
        self.head = nn.Linear(D, CLASSES)

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos.weight[: tokens.shape[1]]
        aux = 0.0
        for att, moe in zip(self.att, self.moe):
            x = att(x)
            x, balance = moe(x)
            aux = aux + balance
        return self.head(self.ln(x).mean(dim=1)), aux


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ))
    labels = torch.randint(0, CLASSES, (BATCH,))
    times, cpu_times = [], []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        cpu_start = time.process_time()
        logits, aux = model(tokens)
        loss = F.cross_entropy(logits, labels) + aux
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        elapsed = time.perf_counter() - start
        cpu_elapsed = time.process_time() - cpu_start
        if step >= args.warmup:
            times.append(elapsed)
            cpu_times.append(cpu_elapsed)
    print(f"median_ms={statistics.median(times) * 1e3:.3f} cpu_ms={statistics.median(cpu_times) * 1e3:.3f} "
          f"steps={args.steps} threads={torch.get_num_threads()} torch={torch.__version__}")


if __name__ == "__main__":
    main()
