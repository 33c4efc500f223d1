#!/usr/bin/env python3
"""Debian's GRUB rescue images booted by xlat's BIOS, driven over COM1 (the
BIOS mirrors int 10h output to COM1 and takes COM1 input as keys): GRUB's
menu appears, 'c' gives the grub> prompt, `echo hello` prints hello, `ls`
lists the devices GRUB found, and for the floppy `ls (fd0)/` lists its files.
  cdrom   grub-rescue-cdrom.iso on the ATAPI CD (-cdrom, -boot d)
  floppy  grub-rescue-floppy.img in drive A: (-drive if=floppy,readonly=on,
          -boot a): int 13h over the 82077AA floppy controller and DMA

Usage: grub_rescue_test.py XLAT FETCH_SCRIPT ENGINE [cdrom|floppy]
The images come from FETCH_SCRIPT (tools/guest/grub-rescue.sh, cached).
Each wait is bounded (a guard against hangs, not a performance check)."""
import os
import subprocess
import sys

from console import Console


def main():
    xlat, fetch, engine = sys.argv[1:4]
    media = sys.argv[4] if len(sys.argv) > 4 else "cdrom"
    out = subprocess.run([fetch], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    if media == "cdrom":
        drive = ["-cdrom", os.path.join(out, "grub-rescue-cdrom.iso"), "-boot", "d"]
        devices = "(cd) (cd,msdos1)"
    elif media == "floppy":
        drive = ["-drive", "file=" + os.path.join(out, "grub-rescue-floppy.img") + ",if=floppy,readonly=on", "-boot", "a"]
        devices = "(fd0) (fd0,msdos1)"
    else:
        sys.exit(f"unknown media {media!r}")
    c = Console([xlat, "-engine", engine] + drive + ["-serial", "stdio", "-no-reboot"])
    c.wait_for("Welcome to GRUB!")
    c.wait_for("executed automatically")
    c.send("c")
    c.wait_for("grub> ")
    c.send("echo hello\r")
    c.wait_for("echo hello")
    c.wait_for("hello")
    c.wait_for("grub> ")
    c.send("ls\r")
    c.wait_for(devices)
    c.wait_for("grub> ")
    if media == "floppy":
        c.send("ls (fd0)/\r")
        c.wait_for("boot/ boot.catalog")
        c.wait_for("grub> ")
    c.close()
    print(f"PASS grub rescue {media}: menu, grub> prompt, echo, ls")


if __name__ == "__main__":
    main()
