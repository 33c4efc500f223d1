#!/usr/bin/env python3
"""Debian's grub-rescue-cdrom.iso booted by xlat's BIOS from the ATAPI CD,
driven over COM1 (the BIOS mirrors int 10h output to COM1 and takes COM1
input as keys): GRUB's menu appears, 'c' gives the grub> prompt, `echo hello`
prints hello, `ls` lists the CD and its partition.

Usage: grub_rescue_test.py XLAT FETCH_SCRIPT ENGINE
The images come from FETCH_SCRIPT (tools/guest/grub-rescue.sh, cached).
Each wait is bounded (a guard against hangs, not a performance check)."""
import os
import select
import subprocess
import sys
import time


def main():
    xlat, fetch, engine = sys.argv[1:4]
    out = subprocess.run([fetch], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    iso = os.path.join(out, "grub-rescue-cdrom.iso")
    p = subprocess.Popen([xlat, "-engine", engine, "-cdrom", iso, "-boot", "d", "-serial", "stdio", "-no-reboot"],
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
    wait_for("(cd) (cd,msdos1)")
    wait_for("grub> ")
    p.kill()
    p.wait()
    print("PASS grub rescue CD: menu, grub> prompt, echo, ls")


if __name__ == "__main__":
    main()
