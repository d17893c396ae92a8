#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) against another libtorch than the 2.7.1 that DJL 0.36
# ships for, and assembles a folder DJL loads instead of its own (docs/benchmarks.md, third round):
# for measuring this project on a newer PyTorch. Nothing is installed; the output folder holds
# links to the libtorch libraries and the new JNI library.
#
#   bench/djl-jni-for-libtorch.sh --torch VENV/lib/python3.X/site-packages/torch --djl DJL_SOURCES --out DIR
#
# --torch: a CPU build of PyTorch's package folder (include/, lib/, share/cmake/Torch), e.g. from
#          pip install torch --index-url https://download.pytorch.org/whl/cpu (or a wheel mirror);
# --djl:   DJL's sources at v0.36.0, the version this project uses, with at least
#          gradle/libs.versions.toml, engines/pytorch and api/src/main/native, for instance
#          git -C DJL_CLONE archive v0.36.0 gradle engines/pytorch api/src/main/native | tar -x -C DIR;
# needs cmake, g++ and a JDK (JAVA_HOME, or the javac on the PATH). Then run any command with the
# printed environment, e.g. `env PYTORCH_LIBRARY_PATH=DIR PYTORCH_VERSION=2.13.0 PYTORCH_FLAVOR=cpu ./mdeq doctor`.
set -euo pipefail
unset CDPATH
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
fail() { echo "djl-jni-for-libtorch.sh: $*" >&2; exit 2; }
torch="" djl="" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --torch|--djl|--out)
      [[ $# -ge 2 ]] || fail "$1 needs a value (see --help)"
      case "$1" in
        --torch) torch="$2" ;;
        --djl) djl="$2" ;;
        --out) out="$2" ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n "$torch" && -n "$djl" && -n "$out" ]] || fail "--torch, --djl and --out are all required (see --help)"
torch="$(cd -- "$torch" && pwd)" && djl="$(cd -- "$djl" && pwd)" || fail "--torch and --djl must be folders"

[[ -f "$torch/share/cmake/Torch/TorchConfigVersion.cmake" && -f "$torch/lib/libtorch.so" ]] \
  || fail "--torch $torch: not a PyTorch package folder (no share/cmake/Torch or lib/libtorch.so)"
[[ ! -e "$torch/lib/libtorch_cuda.so" ]] \
  || fail "--torch $torch is a CUDA build; this script builds for the CPU flavour only (install the CPU wheel)"
version="$(sed -n 's/^set(PACKAGE_VERSION "\([0-9.]*\)".*/\1/p' "$torch/share/cmake/Torch/TorchConfigVersion.cmake")"
[[ -n "$version" ]] || fail "no PACKAGE_VERSION in $torch/share/cmake/Torch/TorchConfigVersion.cmake"

native="$djl/engines/pytorch/pytorch-native"
library="$djl/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
[[ -f "$native/CMakeLists.txt" && -f "$library" && -f "$djl/api/src/main/native/djl/utils.h" ]] \
  || fail "--djl $djl: DJL's sources need engines/pytorch/pytorch-native, engines/pytorch/pytorch-engine and api/src/main/native"
djl_version="$(sed -n 's/^djl = "\(.*\)"/\1/p' "$djl/gradle/libs.versions.toml" 2>/dev/null || true)"
[[ "$djl_version" == "0.36.0" ]] \
  || fail "--djl $djl: the sources must be DJL 0.36.0, the version this project uses (gradle/libs.versions.toml says '${djl_version:-nothing}')"

java_home="${JAVA_HOME:-}"
if [[ -z "$java_home" ]] && command -v javac >/dev/null; then
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
[[ -x "$java_home/bin/javac" ]] || fail "no JDK: set JAVA_HOME or put javac on the PATH"
command -v cmake >/dev/null && command -v g++ >/dev/null || fail "cmake and g++ are needed"

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
echo "  PYTORCH_LIBRARY_PATH=$(cd -- "$out" && pwd) PYTORCH_VERSION=$version PYTORCH_FLAVOR=cpu"
