#!/usr/bin/env bash
# Fetches Debian's GRUB rescue images (package grub-rescue-pc) into the cache:
#   $XLAT_CACHE/grub-rescue/grub-rescue-cdrom.iso    El Torito, no emulation
#   $XLAT_CACHE/grub-rescue/grub-rescue-floppy.img   1.44 MB-class floppy
# XLAT_CACHE defaults to ~/.cache/xlat. Prints the directory on stdout.
# Uses `apt-get download` (the package is architecture-independent in
# content; the host's apt index must list it: run apt-get update first).
set -euo pipefail

CACHE=${XLAT_CACHE:-$HOME/.cache/xlat}
OUT=$CACHE/grub-rescue
if [ -s "$OUT/grub-rescue-cdrom.iso" ] && [ -s "$OUT/grub-rescue-floppy.img" ]; then
  echo "$OUT"
  exit 0
fi
die() { echo "grub-rescue: $*" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
cd "$WORK"
echo "grub-rescue: downloading grub-rescue-pc" >&2
apt-get download grub-rescue-pc >/dev/null 2>"$WORK/dl.log" || { cat "$WORK/dl.log" >&2; die "apt-get download grub-rescue-pc failed (apt-get update?)"; }
dpkg-deb -x grub-rescue-pc_*.deb x || die "cannot unpack the package"
mkdir -p "$OUT"
for f in grub-rescue-cdrom.iso grub-rescue-floppy.img; do
  [ -s "x/usr/lib/grub-rescue/$f" ] || die "the package has no $f"
  cp "x/usr/lib/grub-rescue/$f" "$OUT/$f.tmp" && mv "$OUT/$f.tmp" "$OUT/$f"
done
echo "$OUT"
