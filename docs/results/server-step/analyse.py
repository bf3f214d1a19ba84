#!/usr/bin/env python3
"""Tables from `--diagnose` output (diagnostics-experts.csv, diagnostics-clients.csv) of the cells
under the given folders: per tier, the clients' accuracy before/after each merge; per holder count,
the experts' relative merged change; the clients that end worst. Usage: analyse.py CELL_DIR..."""
import csv, sys, statistics as st, collections, os

def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))

def f(x):
    return float(x) if x not in ('', None) else float('nan')

for cell in sys.argv[1:]:
    ex = rows(os.path.join(cell, 'diagnostics-experts.csv'))
    cl = rows(os.path.join(cell, 'diagnostics-clients.csv'))
    last = max(int(r['round']) for r in cl)
    late = [r for r in cl if int(r['round']) > last - 10]
    print(f'## {cell}')
    print('| tier | clients | local acc (own last batch) | global before | global after | after − before | local − after |')
    print('|---|---|---|---|---|---|---|')
    by = collections.defaultdict(list)
    for r in late:
        by[r['tier']].append(r)
    for tier in sorted(by, key=lambda t: float(t[1:])):
        g = by[tier]
        loc = st.mean(f(r['local_accuracy']) for r in g if r['accepted'] == '1')
        b = st.mean(f(r['before_accuracy']) for r in g)
        a = st.mean(f(r['after_accuracy']) for r in g)
        print(f'| {tier} | {len({r["client"] for r in g})} | {100*loc:.1f} | {100*b:.1f} | {100*a:.1f} | {100*(a-b):+.1f} | {100*(loc-a):+.1f} |')
    print()
    print('| holders | expert-rounds | ‖Δ‖/‖x‖ (median) | router column ‖Δ‖ (median) | max staleness |')
    print('|---|---|---|---|---|')
    hb = collections.defaultdict(list)
    for r in ex:
        n = int(r['holders'])
        key = '0' if n == 0 else '1-4' if n <= 4 else '5-8' if n <= 8 else '9-14' if n <= 14 else '15+'
        hb[key].append(r)
    for key in ['0', '1-4', '5-8', '9-14', '15+']:
        if key in hb:
            g = hb[key]
            rel = st.median(f(r['delta_norm']) / max(f(r['norm']), 1e-12) for r in g)
            rd = st.median(f(r['router_delta_norm']) for r in g)
            print(f'| {key} | {len(g)} | {rel:.4f} | {rd:.4f} | {max(int(r["staleness"]) for r in g)} |')
    final = [r for r in cl if int(r['round']) == last]
    worst = sorted(final, key=lambda r: f(r['after_accuracy']))[:5]
    print()
    print('worst clients at the end (after accuracy on their own data): ' + ', '.join(f'{r["client"]} ({r["tier"]}) {100*f(r["after_accuracy"]):.0f} %' for r in worst))
    print()
