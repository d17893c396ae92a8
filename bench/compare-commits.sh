#!/usr/bin/env bash
# A/B of two commits on this machine: builds each commit's command line in a git worktree of its
# own, runs `mdeq model bench ... --json` alternating BEFORE, AFTER for a few rounds (so that load
# changes hit both), and prints every figure per round and the ratios after / before, per round and
# of the minima over all rounds (below 1 means AFTER is faster or leaner). `.` as AFTER means this
# checkout as it is, uncommitted changes included.
#
#   bench/compare-commits.sh BEFORE AFTER [--rounds 2] [--out DIR] [-- BENCH_ARGUMENTS...]
#       BENCH_ARGUMENTS default to: cifar/cls_mdeq_TINY --batch 32 --threads 2 --repeats 3
#   bench/compare-commits.sh --report DIR     prints the tables again from an earlier run's --out DIR
#
# Example: bench/compare-commits.sh HEAD~1 . --rounds 3 -- cifar/cls_mdeq_TINY --batch 32 --modes implicit
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rounds=2 out="" report="" revisions=() bench=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --report) report="$2"; shift 2 ;;
    --) shift; bench=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "compare-commits.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) revisions+=("$1"); shift ;;
  esac
done

summarise() {
  python3 - "$here" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from rounds import bench_figures, load, print_rounds
before, after = load(sys.argv[2], "before"), load(sys.argv[2], "after")
if not before or len(before) != len(after):
    sys.exit(f"compare-commits.sh: {sys.argv[2]} holds {len(before)} before-N.json and {len(after)} after-N.json")
first, second = [bench_figures(r) for r in after], [bench_figures(r) for r in before]
labels = [label for label in first[0] if all(label in f for f in first + second)]
print_rounds(("after", "before"),
             [(label, first[0][label][1], [f[label][0] for f in first], [f[label][0] for f in second])
              for label in labels])
PY
}

if [[ -n "$report" ]]; then
  summarise "$report"
  exit 0
fi
if [[ ${#revisions[@]} -ne 2 ]]; then
  echo "compare-commits.sh: give two commits, BEFORE and AFTER (see --help)" >&2
  exit 2
fi
[[ ${#bench[@]} -gt 0 ]] || bench=(cifar/cls_mdeq_TINY --batch 32 --threads 2 --repeats 3)
out="${out:-$(mktemp -d)}"
mkdir -p "$out"

# One worktree per commit in a fresh folder, removed at the end; `.` is this checkout itself.
trees="$(mktemp -d)"
cleanup() {
  for tree in "$trees"/*/; do git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || true; done
  rm -rf "$trees"
}
trap cleanup EXIT
checkout() { # REVISION SIDE -> prints the folder whose ./mdeq to run
  if [[ "$1" == . ]]; then
    echo "$repo"
    return
  fi
  local sha
  sha="$(git -C "$repo" rev-parse --verify --quiet "$1^{commit}")" \
    || { echo "compare-commits.sh: '$1' is not a commit of $repo" >&2; exit 2; }
  git -C "$repo" worktree add --detach "$trees/$2" "$sha" >&2
  echo "$trees/$2"
}
declare -A tree
tree[before]="$(checkout "${revisions[0]}" before)"
tree[after]="$(checkout "${revisions[1]}" after)"

echo "before ${revisions[0]}, after ${revisions[1]}; mdeq model bench ${bench[*]}; $rounds rounds; results in $out" >&2
for side in before after; do
  echo "building $side in ${tree[$side]}" >&2
  "${tree[$side]}/mdeq" --version >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for side in before after; do
    echo "round $round: $side" >&2
    "${tree[$side]}/mdeq" model bench "${bench[@]}" --json > "$out/$side-$round.json"
  done
done
summarise "$out"
