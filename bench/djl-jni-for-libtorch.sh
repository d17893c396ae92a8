#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) against another libtorch than the 2.7.1 that DJL 0.36
# ships for, and assembles a folder DJL loads instead of its own (docs/benchmarks.md, third round):
# for measuring this project on a newer PyTorch. Nothing is installed; the output folder holds
# links to the libtorch libraries and the new JNI library.
#
#   bench/djl-jni-for-libtorch.sh --torch VENV/lib/python3.X/site-packages/torch --djl DJL_SOURCES --out DIR
#
# --torch: a PyTorch package folder (with include/, lib/ and share/cmake/Torch), e.g. from `pip install torch`;
# --djl:   DJL's sources at the version this project uses (v0.36.0: engines/pytorch and api/src/main/native);
# needs cmake, g++ and a JDK (JAVA_HOME, or the default java's). Then run any command with the printed
# environment, e.g. `env PYTORCH_LIBRARY_PATH=DIR PYTORCH_VERSION=2.13.0 PYTORCH_FLAVOR=cpu ./mdeq doctor`.
set -euo pipefail
torch="" djl="" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --torch) torch="$(cd "$2" && pwd)"; shift 2 ;;
    --djl) djl="$(cd "$2" && pwd)"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "djl-jni-for-libtorch.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -f "$torch/share/cmake/Torch/TorchConfig.cmake" && -f "$torch/lib/libtorch.so" ]] \
  || { echo "--torch must name a PyTorch package folder with share/cmake/Torch and lib/libtorch.so" >&2; exit 2; }
native="$djl/engines/pytorch/pytorch-native"
library="$djl/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
[[ -f "$native/CMakeLists.txt" && -f "$library" && -f "$djl/api/src/main/native/djl/utils.h" ]] \
  || { echo "--djl must name DJL's sources (engines/pytorch/pytorch-native, pytorch-engine, api/src/main/native)" >&2; exit 2; }
[[ -n "$out" ]] || { echo "--out is required" >&2; exit 2; }
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
version="$(python3 - "$torch" <<'PY'
import pathlib, re, sys
text = pathlib.Path(sys.argv[1], "version.py").read_text()
print(re.search(r"__version__\s*=\s*'([0-9.]+)", text).group(1))
PY
)"

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
# The sources in DJL's own layout (CMakeLists finds djl/utils.h under ../../../api), and the JNI
# header made from the Java class's native methods, as DJL's build does.
mkdir -p "$build/engines/pytorch" "$build/api/src/main"
cp -r "$native" "$build/engines/pytorch/"
cp -r "$djl/api/src/main/native" "$build/api/src/main/"
work="$build/engines/pytorch/pytorch-native/build"
rm -rf "$work" # never an earlier build's cache
mkdir -p "$work/include" "$work/classes"
"$java_home/bin/javac" -h "$work/include" -d "$work/classes" "$library"
(cd "$work" && JAVA_HOME="$java_home" cmake -DCMAKE_PREFIX_PATH="$torch" -DCMAKE_BUILD_TYPE=Release .. >/dev/null \
  && cmake --build . --config Release -- -j "$(nproc)" >/dev/null)

mkdir -p "$out"
for lib in "$torch"/lib/*; do ln -sf "$lib" "$out/"; done
cp "$work/libdjl_torch.so" "$out/"
echo "built $out/libdjl_torch.so for libtorch $version; use:"
echo "  PYTORCH_LIBRARY_PATH=$(cd "$out" && pwd) PYTORCH_VERSION=$version PYTORCH_FLAVOR=cpu"
