#!/usr/bin/env python3
"""The console monitor: -monitor stdio (commands while stopped with -S and
while running, stop/cont/quit), and Ctrl-A c on a stdio serial console
(switches the terminal to the monitor and back; Ctrl-A x quits).

usage: monitor_stdio.py XLAT TARGET.bin TARGET.map ENGINE"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdb_wire  # noqa: E402


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    xlat, binary, mapfile, engine = sys.argv[1:]
    syms = gdb_wire.load_map(mapfile)
    work = tempfile.mkdtemp(prefix="xlat-mon-")
    out_p, err_p = os.path.join(work, "out"), os.path.join(work, "err")
    x = gdb_wire.start_xlat(xlat, binary, engine, ["-monitor", "stdio", "-S"], out_p, err_p, stdin=subprocess.PIPE)
    pos = [0]

    def expect(text):
        """Waits until stdout (after the previous match) contains text."""
        while True:
            out = open(out_p, errors="replace").read()
            i = out.find(text, pos[0])
            if i >= 0:
                pos[0] = i + len(text)
                return
            if x.poll() is not None:
                raise SystemExit(f"FAILED: xlat ended without printing {text!r}:\n{out}\n{open(err_p).read()}")
            time.sleep(0.02)

    def send(line):
        x.stdin.write(line.encode() + b"\n")
        x.stdin.flush()

    try:
        expect("(xlat) ")
        send("info registers")
        expect("CS:EIP 0000:00007c00 (linear 00007c00)  mode real")
        send("x/2 7c00")
        expect("00007c00: fa ea")
        send("stop")
        expect("already stopped")
        send("cont")
        expect("SPINNING")
        send("info registers")
        expect("mode protected 32-bit")
        send("stop")
        send("info registers")
        expect("CS:EIP 0008:0000")
        send("x/4 %x" % syms["watched"])
        expect("%08x: ef be ad de" % syms["watched"])
        send("info mem")
        expect("c0000000-c03fffff 00400000 -> 000000000 PWS")
        send("cont")
        send("quit")
        status = x.wait()
    finally:
        if x.poll() is None:
            x.kill()
            x.wait()
    err = open(err_p).read()
    if status != 0 or "quit from the monitor" not in err:
        print(f"FAILED: status {status}\n{err}")
        return 1

    # The serial console: Ctrl-A c gives the terminal to the monitor.
    x = gdb_wire.start_xlat(xlat, binary, engine, ["-serial", "stdio"], out_p, err_p, stdin=subprocess.PIPE)
    pos[0] = 0
    try:
        expect("SPINNING")
        x.stdin.write(b"\x01c")
        x.stdin.flush()
        expect("(xlat) ")
        for line in ("stop", "info registers"):
            send(line + "\r")
        expect("CS:EIP 0008:0000")
        send("x/4 %x\r" % syms["watched"])
        expect("%08x: ef be ad de" % syms["watched"])
        send("cont\r")
        x.stdin.write(b"\x01c")
        x.stdin.flush()
        expect("[guest console]")
        x.stdin.write(b"\x01x")
        x.stdin.flush()
        status = x.wait()
    finally:
        if x.poll() is None:
            x.kill()
            x.wait()
    err = open(err_p).read()
    if status != 0 or "quit from the serial console" not in err:
        print(f"FAILED (serial console): status {status}\n{err}")
        return 1
    print(f"ok (monitor stdio under {engine})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
