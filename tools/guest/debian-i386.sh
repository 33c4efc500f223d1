#!/usr/bin/env bash
# Builds the demo guest from Debian 12's archive: the i386 kernel (686,
# non-PAE) and an initramfs with busybox whose /init mounts proc/sys/dev,
# prints a ready marker and starts a shell on the serial console; when that
# shell exits, /init reboots (`reboot -f`: with xlat -no-reboot the run ends).
# With XLAT_AUTOEXIT=1 on the kernel command line (the kernel hands it to
# /init as an environment variable) /init prints /proc/interrupts after the
# marker and reboots at once, without a shell (the boot tests use it).
#
# Output (cached; rebuilt only when missing or made by an older version):
#   $XLAT_CACHE/debian12-i386/vmlinuz     the bzImage
#   $XLAT_CACHE/debian12-i386/initrd.img  the initramfs (cpio newc, gzip)
# XLAT_CACHE defaults to ~/.cache/xlat. Prints the directory on stdout.
# Needs root (or sudo) the first time, to add the i386 architecture to apt.
set -euo pipefail

CACHE=${XLAT_CACHE:-$HOME/.cache/xlat}
OUT=$CACHE/debian12-i386
READY_MARKER="XLAT-GUEST-READY"
INIT_VERSION=2  # bump when /init or the initramfs layout changes
if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] &&
   [ "$(cat "$OUT/init-version" 2>/dev/null)" = "$INIT_VERSION" ]; then
  echo "$OUT"
  exit 0
fi
die() { echo "debian-i386: $*" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
cd "$WORK"
mkdir -p kernel/boot bb/bin
# An older initramfs from the cache still holds the busybox binary: reuse it
# (and the cached kernel) without going to the network.
if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] && command -v cpio >/dev/null; then
  (cd bb && gzip -dc "$OUT/initrd.img" | cpio -id --quiet bin/busybox) 2>/dev/null || true
  if [ -x bb/bin/busybox ]; then
    cp "$OUT/vmlinuz" kernel/boot/vmlinuz-cached
    VMLINUZ=kernel/boot/vmlinuz-cached
  fi
fi

if ! [ -x bb/bin/busybox ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo

  need_update=0
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    $SUDO dpkg --add-architecture i386
    need_update=1
  fi
  quiet() { "$@" >"${TMPDIR:-/tmp}/xlat-apt.log" 2>&1 || { cat "${TMPDIR:-/tmp}/xlat-apt.log" >&2; return 1; }; }
  command -v cpio >/dev/null || { quiet $SUDO apt-get update -qq || true; quiet $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cpio; }
  [ $need_update = 0 ] && apt-cache show busybox-static:i386 >/dev/null 2>&1 || need_update=1
  # A partial index failure (a mirror syncing) is not fatal: what we need may be there.
  if [ $need_update = 1 ]; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || echo "debian-i386: apt-get update reported errors; continuing" >&2
  fi

  # The newest linux-image-6.1.0-N-686-unsigned the archive has.
  KPKG=$(apt-cache pkgnames linux-image-6.1.0- | grep -E '^linux-image-6\.1\.0-[0-9]+-686-unsigned$' | sort -V | tail -1)
  [ -n "$KPKG" ] || die "no linux-image-6.1.0-*-686-unsigned package in the apt index (is the i386 architecture enabled and 'apt-get update' done?)"

  echo "debian-i386: downloading $KPKG and busybox-static:i386" >&2
  apt-get download "$KPKG" busybox-static:i386 >/dev/null 2>"$WORK/dl.log" || { cat "$WORK/dl.log" >&2; die "apt-get download failed"; }
  rm -rf kernel bb
  dpkg-deb -x linux-image-*.deb kernel
  dpkg-deb -x busybox-static_*.deb bb
  VMLINUZ=$(ls kernel/boot/vmlinuz-* | head -1)
  [ -s "$VMLINUZ" ] || die "the kernel package has no /boot/vmlinuz"
  [ -x bb/bin/busybox ] || die "busybox-static has no /bin/busybox"
fi

mkdir -p root/{bin,sbin,dev,proc,sys,tmp,etc,root}
cp bb/bin/busybox root/bin/busybox
cat > root/init <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "$READY_MARKER"
if [ -n "\$XLAT_AUTOEXIT" ]; then
  cat /proc/interrupts
else
  setsid cttyhack /bin/sh -l
fi
reboot -f
INIT
chmod 755 root/init
echo 'export PS1="xlat-guest# "' > root/etc/profile
(cd root && find . | cpio -o -H newc --owner 0:0 --quiet) | gzip -9 > initrd.img

mkdir -p "$OUT"
cp "$VMLINUZ" "$OUT/vmlinuz.tmp" && mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
cp initrd.img "$OUT/initrd.img.tmp" && mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
if [ -n "${KPKG:-}" ]; then echo "$KPKG" > "$OUT/kernel-package"; fi
echo "$INIT_VERSION" > "$OUT/init-version"
echo "$OUT"
