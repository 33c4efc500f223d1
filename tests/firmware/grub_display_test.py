#!/usr/bin/env python3
"""-display curses end to end: Debian's grub-rescue-cdrom.iso under xlat's
BIOS with the VGA text screen drawn on a pseudo-terminal and keys typed on
that terminal reaching GRUB through the i8042 (COM1 is not involved: no
-serial). The test keeps a small model of the terminal (the ANSI sequences
xlat uses: cursor moves, colours, alternate screen) and reads the screen
from it: GRUB's menu appears, 'c' gives grub>, `echo hello` prints hello on
its own line, and Ctrl-A x ends xlat, leaving the alternate screen.

Usage: grub_display_test.py XLAT FETCH_SCRIPT ENGINE
Each wait is bounded (a guard against hangs, not a performance check)."""
import os
import pty
import re
import select
import subprocess
import sys
import time


class Screen:
    """80x25 character cells fed with xlat's output."""

    def __init__(self):
        self.rows = [[" "] * 80 for _ in range(25)]
        self.r = self.c = 0
        self.buf = ""
        self.alt_left = False

    def feed(self, data):
        self.buf += data.decode("utf-8", errors="replace")
        while self.buf:
            m = re.match(r"\x1b\[([?0-9;]*)([A-Za-z])", self.buf)
            if self.buf[0] == "\x1b":
                if not m:
                    if len(self.buf) < 16:
                        return  # an incomplete sequence: wait for more
                    self.buf = self.buf[1:]
                    continue
                args, cmd = m.group(1), m.group(2)
                if cmd == "H":
                    p = [int(x) for x in args.split(";")] if args else [1, 1]
                    self.r, self.c = p[0] - 1, p[1] - 1
                elif cmd == "J" and args == "2":
                    self.rows = [[" "] * 80 for _ in range(25)]
                elif cmd == "l" and args == "?1049":
                    self.alt_left = True
                self.buf = self.buf[m.end():]
                continue
            ch = self.buf[0]
            self.buf = self.buf[1:]
            if 0 <= self.r < 25 and 0 <= self.c < 80:
                self.rows[self.r][self.c] = ch
            self.c += 1

    def lines(self):
        return ["".join(r).rstrip() for r in self.rows]


def main():
    xlat, fetch, engine = sys.argv[1:4]
    out = subprocess.run([fetch], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    iso = os.path.join(out, "grub-rescue-cdrom.iso")
    master, slave = pty.openpty()
    p = subprocess.Popen([xlat, "-engine", engine, "-cdrom", iso, "-boot", "d", "-display", "curses", "-no-reboot"],
                         stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    screen = Screen()

    def pump(t):
        r, _, _ = select.select([master], [], [], t)
        if r:
            try:
                screen.feed(os.read(master, 65536))
            except OSError:
                pass

    def wait_line(pattern, limit=300):
        end = time.monotonic() + limit
        while True:
            for ln in screen.lines():
                if re.search(pattern, ln):
                    return ln
            if time.monotonic() > end or p.poll() is not None:
                print(f"FAIL: no screen line matches {pattern!r}; the screen:\n" + "\n".join(screen.lines()))
                p.kill()
                sys.exit(1)
            pump(0.2)

    def type_keys(s):
        for ch in s:  # as typed, a little apart
            os.write(master, ch.encode())
            for _ in range(3):
                pump(0.01)

    wait_line(r"GNU GRUB")
    wait_line(r"executed automatically")
    type_keys("c")
    wait_line(r"^grub>$")
    type_keys("echo hello\r")
    wait_line(r"^grub> echo hello$")
    wait_line(r"^hello$")
    wait_line(r"^grub>$")
    os.write(master, b"\x01x")  # Ctrl-A x
    end = time.monotonic() + 60
    while p.poll() is None and time.monotonic() < end:
        pump(0.1)
    if p.poll() is None:
        p.kill()
        print("FAIL: Ctrl-A x did not end xlat")
        sys.exit(1)
    while select.select([master], [], [], 0.1)[0]:
        try:
            screen.feed(os.read(master, 65536))
        except OSError:
            break
    err = p.stderr.read().decode(errors="replace")
    if p.returncode != 0 or "quit from the display" not in err or not screen.alt_left:
        print(f"FAIL: after Ctrl-A x: status {p.returncode}, stderr {err!r}, alternate screen left: {screen.alt_left}")
        sys.exit(1)
    print("ok: grub> and echo hello on the VGA screen in the terminal, typed through the i8042")
    return 0


if __name__ == "__main__":
    sys.exit(main())
