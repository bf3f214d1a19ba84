#!/usr/bin/env python3
"""Compares two experiment summaries strategy by strategy (README: "TorchSharp against the former engine").

usage: compare_engines.py BEFORE.csv[,MORE.csv...] AFTER.csv > torch-vs-former.md

Each BEFORE/AFTER is a summary.csv written by `hfedmoe experiment`; several BEFORE files (comma
separated) are merged, the first to name an (alpha, strategy) winning. A strategy is "within" when
its mean final accuracy moved by no more than the larger of its two seed standard deviations.
"""
import csv
import sys


def load(paths):
    rows = {}
    for path in paths:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                rows.setdefault((r["alpha"], r["strategy"]), r)
    return rows


def pct(x):
    return 100.0 * float(x)


def rounds(r):
    """Mean rounds to target over the seeds that reached it; "never" when none did."""
    if not r["rounds_to_target"]:
        return "never"
    reached, seeds = int(r["seeds_reaching_target"]), len(r["seeds"].split(";"))
    return f"{float(r['rounds_to_target']):.1f}" + ("" if reached == seeds else f" ({reached}/{seeds})")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    before = load(argv[1].split(","))
    after = load([argv[2]])
    alphas = sorted({a for a, _ in after}, key=float)
    outside = []
    for alpha in alphas:
        print(f"\n### α = {alpha}\n")
        print("| strategy | former engine | TorchSharp | difference (pp) | larger seed sd | within | rounds to target (former → torch) |")
        print("|---|---|---|---|---|---|---|")
        for (a, strategy), r in after.items():
            if a != alpha:
                continue
            b = before.get((a, strategy))
            new_mean, new_sd = pct(r["accuracy_mean"]), pct(r["accuracy_sd"])
            rounds_new = rounds(r)
            if b is None:
                print(f"| {strategy} | (not run) | {new_mean:.1f} ± {new_sd:.1f} | | | | → {rounds_new} |")
                continue
            old_mean, old_sd = pct(b["accuracy_mean"]), pct(b["accuracy_sd"])
            diff, spread = new_mean - old_mean, max(old_sd, new_sd)
            within = abs(diff) <= spread
            if not within:
                outside.append((alpha, strategy, diff, spread))
            rounds_old = rounds(b)
            print(f"| {strategy} | {old_mean:.1f} ± {old_sd:.1f} | {new_mean:.1f} ± {new_sd:.1f} | {diff:+.1f} | {spread:.1f} | {'yes' if within else '**no**'} | {rounds_old} → {rounds_new} |")
    print()
    if outside:
        print("Outside the seed spread: " + "; ".join(f"α {a} {s} ({d:+.1f} pp against {sp:.1f})" for a, s, d, sp in outside) + ".")
    else:
        print("Every strategy is within its seed spread of the former engine's table.")


if __name__ == "__main__":
    main(sys.argv)
