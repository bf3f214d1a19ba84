#!/usr/bin/env python3
"""Per-seed final accuracy (mean of the last 3 rounds), rounds to target (first round, 1-based,
at >= 95 % of fedavg-full's final accuracy for the same seed and alpha, from the recorded
baselines) and expert backward passes of the variant cells under .data/ss, as `hfedmoe experiment`
computes them. Usage: tabulate.py ROOT (the folder holding the cell outputs)."""
import csv, glob, os, sys, statistics as st

# fedavg-full final accuracy per (alpha, seed): docs/results/plus-full and second-grid summary.csv.
FULL = {}
for path in ['docs/results/plus-full/summary.csv', 'docs/results/second-grid/summary.csv']:
    for r in csv.DictReader(open(path)):
        if r['strategy'] == 'fedavg-full':
            for s, a in zip(r['seeds'].split(';'), r['accuracy_per_seed'].split(';')):
                FULL[(float(r['alpha']), int(s))] = float(a)

root = sys.argv[1] if len(sys.argv) > 1 else '.data/ss'
out = {}
for rounds in sorted(glob.glob(f'{root}/*/cells/a*/*/seed-*/rounds.csv')):
    if not os.path.exists(os.path.join(os.path.dirname(rounds), 'cell.json')):
        continue  # still running
    parts = rounds.split('/')
    variant, alpha, seed = parts[-6], float(parts[-4].split('-')[0][1:]), int(parts[-2][5:].split('-')[0])
    rows = [r for r in csv.DictReader(open(rounds))]
    acc = [float(r['accuracy']) for r in rows]
    final = st.mean(acc[-3:])
    target = 0.95 * FULL[(alpha, seed)] if (alpha, seed) in FULL else float('nan')
    reach = next((i + 1 for i, a in enumerate(acc) if a >= target), None)
    passes = sum(float(r['compute.expert_backward_passes']) for r in rows)
    fail = max(float(r['clients.failure_rate']) for r in rows)
    out.setdefault((variant.replace('-full', ''), alpha), []).append((seed, final, reach, passes, fail))
for (variant, alpha), cells in sorted(out.items()):
    cells.sort()
    accs = [c[1] for c in cells]
    sd = st.stdev(accs) if len(accs) > 1 else float('nan')
    reach = [c[2] for c in cells]
    print(f'{variant} α={alpha}: ' + ', '.join(f'{s}: {100*a:.1f}' for s, a, *_ in cells)
          + f' | mean {100*st.mean(accs):.1f} ± {100*sd:.1f} | rounds to target {reach} | passes {st.mean(c[3] for c in cells)/1000:.2f}k | max failure rate {max(c[4] for c in cells)}')
