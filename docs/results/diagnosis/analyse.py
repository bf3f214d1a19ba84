"""Diagnosis of the accuracy lost at aggregation, from the experiment's metrics.json files.

Usage: python3 analyse.py TUNE_DIR OUT_DIR  (TUNE_DIR holds the tuning experiments A..I, see tuning.md).
Reads only what `hfedmoe experiment` records per round; writes numbers.md and the SVG plots.
"""
import json, os, statistics as st, sys

tune, out = sys.argv[1], sys.argv[2]

def rows(cfg, strategy):
    data = json.load(open(os.path.join(tune, cfg, "metrics.json")))
    return [r for r in data if r["strategy"] == strategy]

methods = [("hfedmoe", "H", "hfedmoe"), ("snip-topk", "A", "snip-topk"), ("fedavg-full", "H", "fedavg-full"),
           ("plus ρ=0.5 fedavg router", "A", "hfedmoe-plus"), ("plus ρ=0.25 holders router", "G", "hfedmoe-plus"),
           ("plus ρ=0 holders router", "I", "hfedmoe-plus")]

def per_round(rs, key):
    by = {}
    for r in rs:
        v = r.get(key)
        if v is not None and v == v:
            by.setdefault(r["round"], []).append(v)
    return {k: st.mean(v) for k, v in sorted(by.items())}

lines = ["| method | drop after aggregation, rounds 1–29 (pp) | last 10 rounds (pp) | local accuracy, last 10 (%) | start accuracy, last 10 (%) | global accuracy, last 3 (%) | (expert, round) pairs with ≤ 2 trainers | median trainers per expert |", "|---|---|---|---|---|---|---|---|"]
curves = {}
for label, cfg, strat in methods:
    rs = rows(cfg, strat)
    drop = per_round(rs, "drop_after_aggregation")
    curves[label] = drop
    loc = per_round(rs, "local_accuracy"); start = per_round(rs, "start_accuracy"); acc = per_round(rs, "accuracy")
    last = [k for k in drop if k >= max(drop) - 9]
    trainers = [t for r in rs for t in r["expert_trainers"]]
    few = sum(1 for t in trainers if t <= 2) / len(trainers)
    lines.append(f"| {label} | {100*st.mean(drop.values()):.1f} | {100*st.mean(drop[k] for k in last):.1f} | "
                 f"{100*st.mean(loc[k] for k in last):.1f} | {100*st.mean(start[k] for k in last):.1f} | "
                 f"{100*st.mean(list(acc.values())[-3:]):.1f} | {100*few:.1f} % | {st.median(trainers):.0f} |")

# Holders per expert against the expert's drift is not recorded; what is: how many clients trained each expert.
hist = {}
for label, cfg, strat in methods[:3] + methods[4:5]:
    rs = rows(cfg, strat)
    h = [0] * 21
    for r in rs:
        for t in r["expert_trainers"]:
            h[min(t, 20)] += 1
    total = sum(h)
    hist[label] = [x / total for x in h]

sweeps = [("A", "ρ=0.5, fedavg"), ("B", "ρ=1, fedavg"), ("C", "ρ=0.25, fedavg"), ("E", "ρ=0.5, preference"),
          ("F", "ρ=0.5, holders"), ("G", "ρ=0.25, holders"), ("I", "ρ=0, holders"), ("D", "ib, ρ=0.5, fedavg")]

def final(cfg, strat):
    rs = rows(cfg, strat)
    seeds = sorted({r["seed"] for r in rs})
    return [st.mean([r["accuracy"] for r in rs if r["seed"] == s][-3:]) for s in seeds]

bars = [("snip-topk", final("A", "snip-topk")), ("hfedmoe", final("H", "hfedmoe"))] + [(n, final(c, "hfedmoe-plus")) for c, n in sweeps]

COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

def svg_lines(path, series, title, ylabel, ymin, ymax, xmax):
    W, H, L, B = 640, 360, 60, 40
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<text x="{W/2}" y="16" text-anchor="middle" font-size="13">{title}</text>']
    X = lambda x: L + (W - L - 170) * x / xmax
    Y = lambda y: H - B - (H - B - 30) * (y - ymin) / (ymax - ymin)
    o.append(f'<line x1="{L}" y1="{Y(ymin)}" x2="{X(xmax)}" y2="{Y(ymin)}" stroke="black"/><line x1="{L}" y1="{Y(ymin)}" x2="{L}" y2="{Y(ymax)}" stroke="black"/>')
    for i in range(6):
        v = ymin + (ymax - ymin) * i / 5
        o.append(f'<text x="{L-5}" y="{Y(v)+4}" text-anchor="end">{v:.0f}</text><line x1="{L}" y1="{Y(v)}" x2="{X(xmax)}" y2="{Y(v)}" stroke="#eee"/>')
    for i in range(0, xmax + 1, 5):
        o.append(f'<text x="{X(i)}" y="{H-B+15}" text-anchor="middle">{i}</text>')
    o.append(f'<text x="{(L+X(xmax))/2}" y="{H-5}" text-anchor="middle">round</text><text x="14" y="{H/2}" transform="rotate(-90 14 {H/2})" text-anchor="middle">{ylabel}</text>')
    for j, (name, pts) in enumerate(series.items()):
        c = COLORS[j % len(COLORS)]
        d = " ".join(f"{X(x):.1f},{Y(100*y):.1f}" for x, y in pts.items())
        o.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.6" points="{d}"/>')
        o.append(f'<rect x="{W-165}" y="{30+16*j}" width="10" height="10" fill="{c}"/><text x="{W-150}" y="{39+16*j}">{name}</text>')
    o.append("</svg>")
    open(path, "w").write("\n".join(o))

def svg_bars(path, items, title, ylabel, ymin, ymax):
    W, H, L, B = 640, 380, 60, 120
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<text x="{W/2}" y="16" text-anchor="middle" font-size="13">{title}</text>']
    Y = lambda y: H - B - (H - B - 30) * (y - ymin) / (ymax - ymin)
    n = len(items); bw = (W - L - 20) / n
    for i in range(6):
        v = ymin + (ymax - ymin) * i / 5
        o.append(f'<text x="{L-5}" y="{Y(v)+4}" text-anchor="end">{v:.0f}</text><line x1="{L}" y1="{Y(v)}" x2="{W-20}" y2="{Y(v)}" stroke="#eee"/>')
    o.append(f'<text x="14" y="{(H-B)/2}" transform="rotate(-90 14 {(H-B)/2})" text-anchor="middle">{ylabel}</text>')
    for i, (name, vals) in enumerate(items):
        m = 100 * st.mean(vals); x = L + i * bw + 4
        c = "#d62728" if name == "snip-topk" else "#1f77b4" if name == "hfedmoe" else "#9467bd"
        o.append(f'<rect x="{x:.1f}" y="{Y(m):.1f}" width="{bw-8:.1f}" height="{Y(ymin)-Y(m):.1f}" fill="{c}" opacity="0.7"/>')
        for v in vals:
            o.append(f'<circle cx="{x+(bw-8)/2:.1f}" cy="{Y(100*v):.1f}" r="3" fill="black"/>')
        o.append(f'<text x="{x+(bw-8)/2:.1f}" y="{Y(m)-4:.1f}" text-anchor="middle">{m:.1f}</text>')
        o.append(f'<text x="{x+(bw-8)/2:.1f}" y="{H-B+12}" transform="rotate(40 {x+(bw-8)/2:.1f} {H-B+12})">{name}</text>')
    o.append("</svg>")
    open(path, "w").write("\n".join(o))

def svg_hist(path, hist, title):
    series = {k: {i: v for i, v in enumerate(h)} for k, h in hist.items()}
    svg_lines(path, series, title, "share of (expert, round) pairs (%)", 0, 30, 20)

svg_lines(os.path.join(out, "drop.svg"), {k: v for k, v in curves.items() if k in ("hfedmoe", "snip-topk", "fedavg-full", "plus ρ=0.25 holders router")},
          "Accuracy drop right after aggregation (α = 0.1, mean of seeds 7 and 11)", "local − next start accuracy (pp)", 0, 60, 30)
svg_hist(os.path.join(out, "trainers.svg"), hist, "How many of the 20 clients trained each expert in a round (x axis)")
svg_bars(os.path.join(out, "sweep.svg"), bars, "Final accuracy, α = 0.1, seeds 7 and 11 (dots), by variant", "accuracy (%)", 60, 90)

with open(os.path.join(out, "numbers.md"), "w") as f:
    f.write("\n".join(lines) + "\n\n| variant | seed 7 | seed 11 | mean |\n|---|---|---|---|\n")
    for name, vals in bars:
        f.write(f"| {name} | {100*vals[0]:.1f} | {100*vals[1]:.1f} | {100*st.mean(vals):.1f} |\n")
print(open(os.path.join(out, "numbers.md")).read())
