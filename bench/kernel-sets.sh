#!/usr/bin/env bash
# What the safe kernel set costs: `mdeq model bench` under oneDNN's default kernel set and under the
# AVX2 set (DNNL_MAX_CPU_ISA=AVX2), alternating A B A B in one run so that load changes hit both.
# Meaningful only on a CPU with AVX-512, where the two sets differ (see docs/numerics.md).
# Usage: bench/kernel-sets.sh [CONFIG] [BATCH] [ROUNDS]   (defaults: cifar/cls_mdeq_TINY 32 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${1:-cifar/cls_mdeq_TINY}"
batch="${2:-32}"
rounds="${3:-2}"
grep -q avx512f /proc/cpuinfo || echo "note: this CPU has no AVX-512; both sets are the AVX2 set here" >&2
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(nproc) cores; $(date -u +%F)"
for round in $(seq 1 "$rounds"); do
  for set in default AVX2; do
    echo "== round $round, kernel set $set"
    if [[ "$set" == default ]]; then
      env -u DNNL_MAX_CPU_ISA -u ONEDNN_MAX_CPU_ISA "$here/mdeq" model bench "$config" --batch "$batch" --threads 2 \
        --modes unrolled,implicit
    else
      DNNL_MAX_CPU_ISA=AVX2 "$here/mdeq" model bench "$config" --batch "$batch" --threads 2 --modes unrolled,implicit
    fi
  done
done
