#!/usr/bin/env bash
# Times this project's model (mdeq model bench) and the ORIGINAL MDEQ code (a checkout of
# github.com/locuslab/mdeq you point to, run by bench/original_steps.py) on the same config, batch
# and thread count, alternating for a few rounds on one machine, and prints the ratios of the
# minima per round (this / original; below 1 means faster here). Nothing of the original is copied
# into this repository. Needs a Python with PyTorch (numpy too).
#
#   bench/side-by-side.sh --mdeq ~/src/mdeq [--python python3] [--config cifar/cls_mdeq_TINY]
#                         [--batch 32] [--threads 2] [--repeats 3] [--rounds 2] [--out DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mdeq_checkout="" python="python3" config="cifar/cls_mdeq_TINY" batch=32 threads=2 repeats=3 rounds=2
out="$(mktemp -d)"
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
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "side-by-side.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
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

"$python" - "$out" "$rounds" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = [("one f evaluation (no graph)", "f"), ("evaluation forward", "evaluation"),
        ("training step, implicit", "implicit"), ("training step, unrolled", "unrolled")]
print(f"{'minimum per round':30} {'this project':>16} {'original':>16} {'ratio':>14}")
for label, key in rows:
    ours, theirs = [], []
    for r in range(1, rounds + 1):
        this = json.load(open(f"{out}/this-{r}.json"))
        orig = json.load(open(f"{out}/original-{r}.json"))
        steps = {s["mode"]: s["total"] for s in this["steps"]}
        ours.append(this[key]["min"] if key in ("f", "evaluation") else steps[key]["min"])
        theirs.append(orig[key]["min"])
    fmt = lambda xs: ", ".join(f"{x:.3f}" for x in xs)
    print(f"{label:30} {fmt(ours) + ' s':>16} {fmt(theirs) + ' s':>16} "
          f"{', '.join(f'{a / b:.2f}x' for a, b in zip(ours, theirs)):>14}")
this = json.load(open(f"{out}/this-{rounds}.json"))
orig = json.load(open(f"{out}/original-{rounds}.json"))
steps = {s["mode"]: s for s in this["steps"]}
if "phantom" in steps:
    print(f"phantom step here: {steps['phantom']['total']['min']:.3f} s, "
          f"{steps['implicit']['total']['min'] / steps['phantom']['total']['min']:.2f}x faster than implicit")
mib = lambda b: f"{b / 2**20:.0f} MiB" if b >= 0 else "unknown"
print(f"implicit step peak memory: here {mib(steps['implicit']['peakBytes'])} "
      f"(+{mib(steps['implicit']['addedBytes'])} during the step), "
      f"original {mib(orig['implicit'].get('peakBytes', -1))} (+{mib(orig['implicit'].get('addedBytes', -1))})")
PY
