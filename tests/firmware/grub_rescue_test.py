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
import select
import subprocess
import sys
import time


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
    p = subprocess.Popen([xlat, "-engine", engine] + drive + ["-serial", "stdio", "-no-reboot"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = b""

    def wait_for(text, limit=300):
        nonlocal seen
        end = time.monotonic() + limit
        while text.encode() not in seen:
            if time.monotonic() > end or p.poll() is not None:
                print(f"FAIL: waiting for {text!r}; output so far:\n{seen[-3000:].decode(errors='replace')}")
                p.kill()
                sys.exit(1)
            r, _, _ = select.select([p.stdout], [], [], 0.5)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                seen += chunk
        found = seen.index(text.encode()) + len(text)
        seen = seen[found:]

    def send(s):
        p.stdin.write(s.encode())
        p.stdin.flush()

    wait_for("Welcome to GRUB!")
    wait_for("executed automatically")
    send("c")
    wait_for("grub> ")
    send("echo hello\r")
    wait_for("echo hello")
    wait_for("hello")
    wait_for("grub> ")
    send("ls\r")
    wait_for(devices)
    wait_for("grub> ")
    if media == "floppy":
        send("ls (fd0)/\r")
        wait_for("boot/ boot.catalog")
        wait_for("grub> ")
    p.kill()
    p.wait()
    print(f"PASS grub rescue {media}: menu, grub> prompt, echo, ls")


if __name__ == "__main__":
    main()
