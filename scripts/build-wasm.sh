#!/bin/sh
# Build kernel-lib/wasm/scan.wasm (the fused CT-RNN scan) from kernel-lib/wasm/scan.c.
# Needs Debian 12's clang-14 and lld (apt-get install -y clang lld); users and CI never run this: the built
# .wasm is committed, and tests/models-fused-scan.test.ts checks it matches this source when clang 14 is here.
#   scripts/build-wasm.sh [output]      (default kernel-lib/wasm/scan.wasm)
# Flags: SIMD128, threads (atomics + shared imported memory, max 4 GiB), no libc, stripped (so the bytes depend
# only on the source and the compiler version, not on paths).
set -eu
cd "$(dirname "$0")/.."
OUT="${1:-kernel-lib/wasm/scan.wasm}"
CLANG="${CLANG:-clang}"
"$CLANG" --target=wasm32-unknown-unknown -O3 -std=c11 -Wall -Wextra -Werror \
  -msimd128 -matomics -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals \
  -nostdlib -ffreestanding -fno-builtin \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--initial-memory=131072 -Wl,--stack-first -Wl,-z,stack-size=65536 \
  -Wl,--export=__stack_pointer -Wl,--strip-all \
  -o "$OUT" kernel-lib/wasm/scan.c
echo "built $OUT ($(wc -c < "$OUT") bytes) with $("$CLANG" --version | head -1)"
