#!/usr/bin/env bash
# Builds llama-cpp-python ONCE per (version, CMAKE_ARGS) as a wheel in a cache outside the repo,
# then prints the folder that holds it, so `make` and CI install from the cache instead of
# compiling llama.cpp again (6-15 minutes on 2 cores).
#
# The build is for portable x86-64 CPUs (AVX2, no AVX-512, not -march=native): the native
# build crashes with SIGILL on these machines. It runs niced, two jobs, and lands in the cache
# by an atomic rename, so a killed build never leaves a half-written wheel that looks finished.
# Usage: scripts/llama-cpp-wheel.sh PYTHON VERSION   (prints the wheel folder on stdout)
set -euo pipefail
PY="${1:?python}"
VERSION="${2:?version}"
CMAKE_ARGS_PORTABLE="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
KEY="$(printf '%s|%s' "$VERSION" "$CMAKE_ARGS_PORTABLE" | sha256sum | cut -c1-12)"
ROOT="${AURA_WHEEL_CACHE:-$HOME/.cache/aura/wheels}"
DEST="$ROOT/llama-cpp-python-$VERSION-$KEY"
if compgen -G "$DEST/llama_cpp_python-$VERSION-*.whl" >/dev/null; then
  echo "$DEST"
  exit 0
fi
mkdir -p "$ROOT"
# One build at a time per cache: a second `make` (another checkout, CI) waits for the first
# and then reuses its wheel instead of compiling the same thing twice on the same cores.
exec 9>"$ROOT/.lock"
flock 9
if compgen -G "$DEST/llama_cpp_python-$VERSION-*.whl" >/dev/null; then
  echo "$DEST"
  exit 0
fi
TMP="$(mktemp -d "$ROOT/.build-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
echo "building llama-cpp-python $VERSION (portable CPU flags) into $DEST; this takes minutes, once" >&2
CMAKE_ARGS="$CMAKE_ARGS_PORTABLE" CMAKE_BUILD_PARALLEL_LEVEL=2 \
  nice -n 19 "$PY" -m pip wheel --disable-pip-version-check -q --no-deps --no-binary llama-cpp-python \
  -w "$TMP" "llama-cpp-python==$VERSION" >&2
mkdir -p "$DEST"
for whl in "$TMP"/*.whl; do mv "$whl" "$DEST/"; done
echo "$DEST"
