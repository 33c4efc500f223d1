#!/usr/bin/env bash
# qemu_as_xlat.sh - run a metal test program under QEMU with xlat's command
# line, to validate the programs themselves (not used by ctest).
#
#   qemu_as_xlat.sh -no-reboot [-engine E] [-m MiB] [-boot X]
#                   (-flat FILE | -kernel FILE | -hda FILE | -cdrom FILE | -fda FILE)
#
# -flat: QEMU has no "flat binary at 0x7C00" loader, so FILE is padded to a
# 1.44 MB floppy image and SeaBIOS boots it; the boot stub in lib.inc loads
# the sectors after the first with INT 13h. -kernel: QEMU's own multiboot
# loader. Port 0xE9 goes to stdout, port 0xF4 is isa-debug-exit (exit status
# (V << 1) | 1), -hda/-cdrom/-fda: SeaBIOS boots the image, and a triple fault (QEMU -d cpu_reset logs "Triple fault")
# is reported on stderr as "triple fault", as xlat does; with -no-reboot QEMU
# then exits with status 0.
set -u
qemu=${QEMU:-qemu-system-i386}
mem=128
file=
mode=
while [ $# -gt 0 ]; do
    case $1 in
        -no-reboot) ;;
        -engine) shift ;;
        -m) shift; mem=$1 ;;
        -flat) shift; mode=flat; file=$1 ;;
        -kernel) shift; mode=kernel; file=$1 ;;
        -hda|-cdrom|-fda) mode=${1#-}; shift; file=$1 ;;
        -boot) shift ;;
        *) echo "qemu_as_xlat: unsupported argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$mode" ] || { echo "qemu_as_xlat: need -flat, -kernel, -hda, -cdrom or -fda" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/qemu_as_xlat.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

common=(-display none -serial none -monitor none -parallel none -nic none
        -no-reboot -m "$mem"
        -device isa-debug-exit,iobase=0xf4,iosize=0x04
        -debugcon stdio -d cpu_reset -D "$tmp/qemu.log")
if [ "$mode" = flat ]; then
    cp "$file" "$tmp/floppy.img"
    truncate -s 1474560 "$tmp/floppy.img"
    "$qemu" "${common[@]}" -drive file="$tmp/floppy.img",format=raw,if=floppy -boot a </dev/null
elif [ "$mode" = kernel ]; then
    "$qemu" "${common[@]}" -kernel "$file" </dev/null
else
    boot=c
    [ "$mode" = cdrom ] && boot=d
    [ "$mode" = fda ] && boot=a
    "$qemu" "${common[@]}" "-$mode" "$file" -boot "$boot" </dev/null
fi
status=$?
if grep -q "Triple fault" "$tmp/qemu.log" 2>/dev/null; then
    echo "qemu: triple fault" >&2
fi
exit $status
