#!/usr/bin/env python3
"""Debian's SeaBIOS (package seabios, /usr/share/seabios/bios.bin) as the
firmware instead of xlat's BIOS (-bios), on the same board: it finds its
VGA BIOS (vgabios-isavga.bin) and serial console through QEMU's fw_cfg and
drives xlat's devices with its own drivers.
  1. No drives: SeaBIOS's banner and "No bootable device." appear on the
     VGA text screen (monitor screendump, polled).
  2. Debian's grub-rescue-floppy.img in A:, -nographic: SeaBIOS boots it
     through its own floppy driver (82077AA, DMA); over its serial console
     GRUB's menu appears, 'c' gives grub>, `echo hello` prints hello and
     `ls` lists (fd0).

Usage: seabios_test.py XLAT FETCH_SCRIPT ENGINE
Each wait is bounded (a guard against hangs, not a performance check)."""
import os
import subprocess
import sys
import tempfile
import time

from console import Console

SEABIOS = "/usr/share/seabios/bios.bin"


def no_drives(xlat, engine):
    with tempfile.TemporaryDirectory() as d:
        dump = os.path.join(d, "screen.txt")
        c = Console([xlat, "-engine", engine, "-bios", SEABIOS, "-display", "none", "-monitor", "stdio", "-no-reboot"])
        end = time.monotonic() + 300
        screen = ""
        while "No bootable device." not in screen:
            if time.monotonic() > end or c.p.poll() is not None:
                c.fail(f"the screen never showed 'No bootable device.'; last screen:\n{screen}")
            time.sleep(1)
            c.send(f"screendump {dump}\n")
            c.wait_for("screen written to", 60)
            with open(dump, encoding="utf-8", errors="replace") as f:
                screen = f.read()
        c.close()
    if "SeaBIOS (version" not in screen:
        print(f"FAIL: no SeaBIOS banner on the screen:\n{screen}")
        sys.exit(1)
    print("PASS seabios without drives: banner and 'No bootable device.' on the VGA screen")


def floppy(xlat, fetch, engine):
    out = subprocess.run([fetch], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    img = os.path.join(out, "grub-rescue-floppy.img")
    # SeaBIOS's serial console moves the cursor with escape sequences where
    # GRUB positions it: match words, without the sequences.
    c = Console([xlat, "-engine", engine, "-bios", SEABIOS, "-nographic", "-no-reboot",
                 "-drive", f"file={img},if=floppy,readonly=on"], strip_escapes=True)
    c.wait_for("SeaBIOS (version")
    c.wait_for("Booting from Floppy")
    c.wait_for("executed automatically")
    c.send("c")
    c.wait_for("grub>")
    c.send("echo hello\r")
    c.wait_for("echo hello")
    c.wait_for("hello")
    c.wait_for("grub>")
    c.send("ls\r")
    c.wait_for("(fd0)")
    c.wait_for("(fd0,msdos1)")
    c.wait_for("grub>")
    c.close()
    print("PASS seabios booting grub-rescue-floppy.img: grub> prompt, echo, ls over its serial console")


def main():
    xlat, fetch, engine = sys.argv[1:4]
    if not os.path.isfile(SEABIOS):
        print(f"FAIL: {SEABIOS} is missing (Debian package seabios; tools/setup.sh installs it)")
        sys.exit(1)
    no_drives(xlat, engine)
    floppy(xlat, fetch, engine)


if __name__ == "__main__":
    main()
