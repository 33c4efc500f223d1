#!/usr/bin/env bash
# The main job: installs what is missing, builds xlat, fetches the demo guest
# (Debian 12's i386 kernel + a busybox initramfs, cached outside the repo) and
# boots it with the serial console on this terminal. Leave with Ctrl-A x, or
# `exit` from the guest's shell (its /init then reboots, which -no-reboot
# turns into the end of the run).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
GUEST=$(tools/guest/debian-i386.sh)
exec build/frontends/xlat -m 256 -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.img" \
  -append "console=ttyS0 noapic nolapic acpi=off pci=off cryptomgr.notests" -nographic -no-reboot "$@"
