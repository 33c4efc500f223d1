#!/usr/bin/env bash
# Installs what building and testing xlat needs, from Debian's archive.
# Idempotent: installs only packages that are missing.
# Usage: tools/setup.sh [bench]   (bench: also what tools/bench compares against)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libzydis-dev libasmjit-dev libcapstone-dev libfmt-dev catch2 nasm
  libunicorn-dev   # tests only: the differential fuzzer
  binutils         # ld for the multiboot test program
  gdb python3      # tests/gdb: Debian's gdb drives the GDB stub; the drivers are Python
  python3          # tests/boot: the boot tests drive the guest's serial console
  cpio             # tools/guest: the demo guest's initramfs
  seabios          # tests/firmware: Debian's SeaBIOS and its VGA BIOS under -bios
  gcc-multilib     # tools/bench/kernels.py: the C kernels as 32-bit programs and multiboot kernels
)
if [ "${1:-}" = bench ]; then
  PACKAGES+=(qemu-system-x86)  # tools/bench: the QEMU TCG column
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
