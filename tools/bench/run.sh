#!/usr/bin/env bash
# Builds (Release with debug info, into build/ unless BUILD_DIR is set) and
# runs the benchmark: one table of guest MIPS for native, every xlat engine
# and QEMU (TCG), all measured in the same run. Arguments go to xlat_bench,
# e.g. tools/bench/run.sh --seconds 2 --workload alu --no-qemu
# For stable numbers run it on an idle machine: the table header shows the
# load average at the start.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target xlat_bench >/dev/null
command -v qemu-system-i386 >/dev/null || tools/setup.sh bench || true
command -v qemu-system-i386 >/dev/null || { echo "run.sh: qemu-system-i386 not found; no QEMU column" >&2; set -- --no-qemu "$@"; }
exec "$BUILD_DIR/tools/bench/xlat_bench" "$@"
