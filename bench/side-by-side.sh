#!/usr/bin/env bash
# Times this project's model (mdeq model bench) and the ORIGINAL MDEQ code (a checkout of
# github.com/locuslab/mdeq you point to, run by bench/original_steps.py) on the same config, batch
# and thread count, alternating for a few rounds on one machine, and prints the ratios of the
# minima per round and of the minima over all rounds (this / original; below 1 means faster
# here), then the implicit step's kernel floor: its work (in f-evaluation equivalents) at the
# unrolled step's time per equivalent, against the original's implicit step. Nothing of the
# original is copied into this repository. Needs a Python with PyTorch (numpy too).
#
#   bench/side-by-side.sh --mdeq ~/src/mdeq [--python python3] [--config cifar/cls_mdeq_TINY]
#                         [--batch 32] [--threads 2] [--repeats 3] [--rounds 2] [--out DIR]
#   bench/side-by-side.sh --report DIR     prints the table again from an earlier run's --out DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mdeq_checkout="" python="python3" config="cifar/cls_mdeq_TINY" batch=32 threads=2 repeats=3 rounds=2
out="" report=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mdeq) mdeq_checkout="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; mkdir -p "$out"; shift 2 ;;
    --report) report="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "side-by-side.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
run_rounds() {
  if [[ -z "$mdeq_checkout" || ! -f "$mdeq_checkout/lib/models/mdeq_core.py" ]]; then
    echo "side-by-side.sh: --mdeq must name a checkout of github.com/locuslab/mdeq (with lib/models/mdeq_core.py)" >&2
    exit 2
  fi
  "$python" -c 'import torch' 2>/dev/null || { echo "side-by-side.sh: '$python' cannot import torch; give --python" >&2; exit 2; }
  "$here/../mdeq" config show --json "$config" > "$out/config.json"
  echo "config $config, batch $batch, $threads threads, $repeats repeats, $rounds rounds; results in $out" >&2
  for round in $(seq 1 "$rounds"); do
    echo "round $round: this project" >&2
    "$here/../mdeq" model bench "$config" --batch "$batch" --threads "$threads" --repeats "$repeats" --json \
        > "$out/this-$round.json"
    echo "round $round: the original" >&2
    "$python" "$here/original_steps.py" --mdeq "$mdeq_checkout" --config "$out/config.json" --batch "$batch" \
        --threads "$threads" --repeats "$repeats" --json | tail -n 1 > "$out/original-$round.json"
  done
}

if [[ -n "$report" ]]; then
  out="$report"
  rounds=$(find "$out" -maxdepth 1 -name 'original-*.json' | wc -l)
  if [[ "$rounds" -eq 0 ]]; then
    echo "side-by-side.sh: --report $out holds no original-N.json (give an earlier run's --out folder)" >&2
    exit 2
  fi
else
  out="${out:-$(mktemp -d)}"
  run_rounds
fi

"$python" - "$here" "$out" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from rounds import load, print_rounds
out = sys.argv[2]
ours, theirs = load(out, "this"), load(out, "original")
rows = [("one f evaluation (no graph)", "f"), ("evaluation forward", "evaluation"),
        ("training step, implicit", "implicit"), ("training step, unrolled", "unrolled")]
def minimum(result, key):
    if key in ("f", "evaluation") or "steps" not in result:
        return result[key]["min"]
    return next(s["total"]["min"] for s in result["steps"] if s["mode"] == key)
print_rounds(("this project", "original"),
             [(label, "s", [minimum(r, key) for r in ours], [minimum(r, key) for r in theirs]) for label, key in rows])

this, orig = ours[-1], theirs[-1]
steps = {s["mode"]: s for s in this["steps"]}
runs = lambda mode: [s for r in ours for s in r["steps"] if s["mode"] == mode]
fastest = lambda mode: min(s["total"]["min"] for s in runs(mode))
# the backward pass that the gradient modes differ in: the step less its forward solve
backward = lambda mode: min(s["total"]["min"] - s["forwardSolve"] for s in runs(mode))
if "phantom" in steps:
    print(f"phantom step here: {fastest('phantom'):.3f} s, "
          f"{fastest('implicit') / fastest('phantom'):.2f}x faster than implicit, "
          f"{backward('implicit') / backward('phantom'):.2f}x after the forward solve (minima over all rounds)")
# What the implicit step would take with no overhead at all: its work (in f-evaluation equivalents,
# a backward counted as two) at the rate of the unrolled step, which is almost nothing but kernels.
equivalents = lambda mode: steps[mode]["fEquivalents"]
if "unrolled" in steps:
    per = fastest("unrolled") / equivalents("unrolled")
    floor = equivalents("implicit") * per
    original = min(r["implicit"]["min"] for r in theirs)
    print(f"implicit step's kernel floor: {equivalents('implicit'):.0f} f-equivalents at the unrolled step's "
          f"{1000 * per:.1f} ms each = {floor:.3f} s, {floor / original:.2f}x the original's implicit step")
mib = lambda b: f"{b / 2**20:.0f} MiB" if b >= 0 else "unknown"
print(f"implicit step peak memory: here {mib(steps['implicit']['peakBytes'])} "
      f"(+{mib(steps['implicit']['addedBytes'])} during the step), "
      f"original {mib(orig['implicit'].get('peakBytes', -1))} (+{mib(orig['implicit'].get('addedBytes', -1))})")
PY
