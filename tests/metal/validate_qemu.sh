#!/usr/bin/env bash
# validate_qemu.sh [PROGRAM.asm...] - assemble the metal tests and run each
# one under QEMU (through qemu_as_xlat.sh) with run_metal.sh, to check the
# programs and their header expectations against a reference machine.
# Not part of ctest. Needs nasm and qemu-system-i386.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/metal_qemu.XXXXXX")
trap 'rm -rf "$out"' EXIT
if [ $# -eq 0 ]; then set -- "$here"/*.asm; fi
pass=0 failed=()
for src in "$@"; do
    name=$(basename "$src" .asm)
    if ! nasm -f bin -I "$here/" -o "$out/$name.bin" "$src"; then
        failed+=("$name (nasm)")
        continue
    fi
    if bash "$here/run_metal.sh" "$here/qemu_as_xlat.sh" "$out/$name.bin" "$src" qemu; then
        pass=$((pass + 1))
    else
        failed+=("$name")
    fi
done
echo "validate_qemu: $pass passed, ${#failed[@]} failed ${failed[*]}"
[ ${#failed[@]} -eq 0 ]
