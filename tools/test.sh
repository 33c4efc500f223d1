#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every default test.
# Extra arguments go to ctest (e.g. -R metal, -L fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE long "$@"
