#!/usr/bin/env bash
# Same science, same numbers: runs a fixed 3-round `simulate` and one `experiment` cell on two
# versions of the tree in one go, on this machine, and compares the SHA-256 of their
# global.safetensors (and the per-round model digests). Float results differ between machines
# (AVX-512 vs AVX2), so both sides are always computed here, never compared with a stored digest.
#
#   .ci/same-numbers.sh [BASE_REF]     # default BASE_REF: main; the other side is the work tree
#
# Exit 0 when both digests match. Not part of .ci/run (it builds the tree twice: ~5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
base_ref=${1:-main}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$base_ref" | tar -x -C "$work" --one-top-level=base
mkdir -p "$work/head"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/head"

run_side() { # $1 = side folder; prints "<simulate digest> <cell digest> <round digests>"
  local dir=$1 dll
  (cd "$dir" && dotnet build -c Release src/Host/HFedMoE.Host.csproj -v quiet -nologo >/dev/null)
  dll="$dir/artifacts/bin/HFedMoE.Host/release/hfedmoe.dll"
  dotnet "$dll" simulate --rounds 3 --pretrain-steps 300 --data-dir "$dir/sim" --progress plain >"$dir/sim.log" 2>&1
  dotnet "$dll" experiment --strategies hfedmoe --seeds 11 --alphas 0.1 --rounds 3 --pretrain-steps 300 --out "$dir/exp" --progress plain >"$dir/exp.log" 2>&1
  printf '%s %s %s\n' \
    "$(sha256sum "$dir/sim/global.safetensors" | cut -d' ' -f1)" \
    "$(sha256sum "$dir/exp/cells/a0.1/hfedmoe/seed-11/global.safetensors" | cut -d' ' -f1)" \
    "$(grep -o '[0-9a-f]\{64\}' "$dir/sim/rounds.csv" | tr '\n' ',')"
}

read -r base_sim base_cell base_rounds < <(run_side "$work/base")
read -r head_sim head_cell head_rounds < <(run_side "$work/head")
echo "simulate --rounds 3 --pretrain-steps 300: global.safetensors $base_ref $base_sim, work tree $head_sim"
echo "experiment cell hfedmoe a0.1 seed 11, 3 rounds: global.safetensors $base_ref $base_cell, work tree $head_cell"
echo "simulate round digests: $base_ref $base_rounds"
echo "                        work tree $head_rounds"
if [ "$base_sim" = "$head_sim" ] && [ "$base_cell" = "$head_cell" ] && [ "$base_rounds" = "$head_rounds" ]; then
  echo "identical"
else
  echo "DIFFERENT"
  exit 1
fi
