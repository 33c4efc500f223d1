#!/usr/bin/env bash
# Builds the demo guest from Debian 12's archive: the i386 kernel (686,
# non-PAE) and an initramfs with busybox whose /init mounts proc/sys/dev,
# prints a ready marker and starts a shell on the serial console; when that
# shell exits, /init reboots (`reboot -f`: with xlat -no-reboot the run ends).
# With XLAT_AUTOEXIT=1 on the kernel command line (the kernel hands it to
# /init as an environment variable) /init prints /proc/interrupts after the
# marker and reboots at once, without a shell (the boot tests use it).
# The initramfs also carries the IDE/ATAPI and floppy driver modules of the
# same kernel package (libata, pata_legacy, sd_mod, sr_mod, floppy and what
# they depend on, in /lib/modules, load order in /lib/modules/order); with
# XLAT_DISKS=1 /init loads them, so the guest sees -hda as /dev/sda, -cdrom
# as /dev/sr0 and -fda as /dev/fd0.
# With XLAT_DISKTEST=1 too, /init prints the md5 of the CD's first MiB
# ("XLAT-CD-MD5 <md5>") and of the whole floppy ("XLAT-FD-MD5 <md5>"),
# writes "xlat-disk-write-test" to sector 8 of /dev/sda and
# "xlat-floppy-write-test" to sector 20 of /dev/fd0, syncs, prints
# XLAT-DISK-DONE and reboots (tests/boot).
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
INIT_VERSION=4  # bump when /init or the initramfs layout changes
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
# Its kernel modules too, if it has them (else the kernel package is fetched again).
if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] && command -v cpio >/dev/null; then
  (cd bb && gzip -dc "$OUT/initrd.img" | cpio -id --quiet bin/busybox 'lib/modules/*') 2>/dev/null || true
  if [ -x bb/bin/busybox ] && [ -s bb/lib/modules/order ]; then
    cp "$OUT/vmlinuz" kernel/boot/vmlinuz-cached
    VMLINUZ=kernel/boot/vmlinuz-cached
  fi
fi

if ! [ -x bb/bin/busybox ] || ! [ -s bb/lib/modules/order ]; then
  rm -rf bb kernel
  mkdir -p kernel/boot bb/bin
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
  # The disk drivers and their dependencies (read from each module's
  # .modinfo "depends=" field: the package ships no modules.dep), plus the
  # crypto back ends crc-t10dif and crc64-rocksoft look up when they load.
  KMODS=$(ls -d kernel/lib/modules/*/ | head -1)
  [ -d "$KMODS" ] || die "the kernel package has no /lib/modules"
  mkdir -p bb/lib/modules
  ORDER=""
  modfile() { find "$KMODS" \( -name "$1.ko" -o -name "$(echo "$1" | tr _ -).ko" -o -name "$(echo "$1" | tr - _).ko" \) | head -1; }
  addmod() {
    local f d name
    f=$(modfile "$1")
    [ -n "$f" ] || die "module $1 is not in $KPKG"
    name=$(basename "$f" .ko)
    case " $ORDER " in *" $name "*) return 0 ;; esac
    for d in $(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr , ' '); do addmod "$d"; done
    case " $ORDER " in *" $name "*) return 0 ;; esac
    cp "$f" bb/lib/modules/
    ORDER="$ORDER $name"
  }
  for m in crct10dif_generic crc64_rocksoft_generic libata pata_legacy sd_mod sr_mod floppy; do addmod "$m"; done
  echo $ORDER > bb/lib/modules/order
fi

mkdir -p root/{bin,sbin,dev,proc,sys,tmp,etc,root,lib/modules}
cp bb/bin/busybox root/bin/busybox
cp bb/lib/modules/* root/lib/modules/
cat > root/init <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
if [ -n "\$XLAT_DISKS" ]; then
  for m in \$(cat /lib/modules/order); do insmod /lib/modules/\$m.ko || echo "insmod \$m failed"; done
fi
echo "$READY_MARKER"
if [ -n "\$XLAT_DISKTEST" ]; then
  i=0
  while { [ ! -b /dev/sda ] || [ ! -b /dev/sr0 ] || [ ! -b /dev/fd0 ]; } && [ \$i -lt 100 ]; do usleep 100000; i=\$((i + 1)); done
  ls -l /dev/sda /dev/sr0 /dev/fd0
  echo "XLAT-CD-MD5 \$(dd if=/dev/sr0 bs=2048 count=512 2>/dev/null | md5sum)"
  echo "XLAT-FD-MD5 \$(dd if=/dev/fd0 bs=512 count=2880 2>/dev/null | md5sum)"
  echo xlat-disk-write-test | dd of=/dev/sda bs=512 seek=8 conv=sync 2>/dev/null
  echo xlat-floppy-write-test | dd of=/dev/fd0 bs=512 seek=20 conv=sync 2>/dev/null
  sync
  echo XLAT-DISK-DONE
elif [ -n "\$XLAT_AUTOEXIT" ]; then
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
