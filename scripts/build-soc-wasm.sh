#!/bin/sh
# Build kernel-lib/wasm/soc.wasm (the SoC step's Schur / Lyapunov / product kernels) from kernel-lib/wasm/soc.c.
# Needs Debian 12's clang-14 and lld (apt-get install -y clang lld). Users and CI never run this: the built .wasm
# is committed, and tests/soc-reaching-wasm.test.ts checks it against the plain-JS path (and against this source
# when clang 14 is here). Single-threaded, SIMD128, no libc, own memory (exported), stripped.
#   scripts/build-soc-wasm.sh [output]      (default kernel-lib/wasm/soc.wasm)
set -eu
cd "$(dirname "$0")/.."
OUT="${1:-kernel-lib/wasm/soc.wasm}"
CLANG="${CLANG:-clang}"
"$CLANG" --target=wasm32-unknown-unknown -O3 -std=c11 -Wall -Wextra -Werror \
  -msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals \
  -nostdlib -ffreestanding -fno-builtin \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--initial-memory=1048576 -Wl,--stack-first -Wl,-z,stack-size=65536 \
  -Wl,--strip-all \
  -o "$OUT" kernel-lib/wasm/soc.c
echo "built $OUT ($(wc -c < "$OUT") bytes) with $("$CLANG" --version | head -1)"
