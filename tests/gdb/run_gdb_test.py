#!/usr/bin/env python3
"""Runs one gdb test case: xlat with the GDB stub, driven by Debian's gdb.

usage: run_gdb_test.py XLAT TARGET.bin TARGET.map ENGINE CASE.gdb

The case file is a gdb script with a header of '#' lines:
  # EXPECT-GDB: regex        gdb's output must match these, in this order
  # REJECT-GDB: regex        gdb's output must not match this
  # EXPECT-OUTPUT: text      the guest's console (xlat stdout) has this line
  # EXPECT-EXIT: n           xlat's exit status (default: not checked)
  # XLAT-ARGS: args          extra xlat arguments
  # INTERRUPT-ON-OUTPUT: t   once the guest printed t, send SIGINT to gdb
  #                          (gdb then sends Ctrl-C, 0x03, to the stub)
In the script @label@ is the address of a label of target.asm (from the
nasm map file) and @PORT@ the stub's TCP port. xlat listens on port 0
(any free port) and prints the port it got.

No time limits here: ctest's TIMEOUT guards against hangs.
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time


def load_map(path):
    syms = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2 and re.fullmatch(r"[0-9A-Fa-f]+", parts[0]) and re.fullmatch(r"[A-Za-z_.][\w.]*", parts[-1]):
            syms[parts[-1]] = int(parts[0], 16)
    return syms


def parse_case(path):
    hdr = {"EXPECT-GDB": [], "REJECT-GDB": [], "EXPECT-OUTPUT": [], "EXPECT-EXIT": [], "XLAT-ARGS": [],
           "INTERRUPT-ON-OUTPUT": []}
    body = []
    for line in open(path):
        m = re.match(r"#\s*([A-Z-]+):\s?(.*?)\s*$", line)
        if m and m.group(1) in hdr:
            hdr[m.group(1)].append(m.group(2))
        else:
            body.append(line)
    return hdr, "".join(body)


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    xlat, binary, mapfile, engine, case = sys.argv[1:]
    syms = load_map(mapfile)
    hdr, script = parse_case(case)
    work = tempfile.mkdtemp(prefix="xlat-gdb-")
    out_path, err_path = os.path.join(work, "xlat.out"), os.path.join(work, "xlat.err")
    args = [xlat, "-flat", binary, "-engine", engine, "-no-reboot", "-m", "16",
            "-gdb", "tcp:127.0.0.1:0", "-S"]
    for a in hdr["XLAT-ARGS"]:
        args += shlex.split(a)
    out_f, err_f = open(out_path, "wb"), open(err_path, "wb")
    x = subprocess.Popen(args, stdout=out_f, stderr=err_f, stdin=subprocess.DEVNULL)
    gdb = None
    try:
        port = None
        while port is None:
            m = re.search(r"listening on [\d.]+:(\d+)", open(err_path).read())
            if m:
                port = m.group(1)
            elif x.poll() is not None:
                print("xlat exited before listening:\n" + open(err_path).read())
                return 1
            else:
                time.sleep(0.02)

        def subst(mo):
            name = mo.group(1)
            if name == "PORT":
                return port
            if name not in syms:
                raise SystemExit(f"unknown label @{name}@")
            return hex(syms[name])

        script = re.sub(r"@([A-Za-z_][\w.]*)@", subst, script)
        gdb_script = os.path.join(work, "case.gdb")
        with open(gdb_script, "w") as f:
            f.write("set pagination off\nset confirm off\nset width 0\n")
            f.write(f"target remote 127.0.0.1:{port}\n")
            f.write(script)
        gdb = subprocess.Popen(["gdb", "-nx", "-batch", "-x", gdb_script], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if hdr["INTERRUPT-ON-OUTPUT"]:
            want = hdr["INTERRUPT-ON-OUTPUT"][0]

            def interrupter():
                while gdb.poll() is None:
                    if want in open(out_path, errors="replace").read():
                        time.sleep(0.2)  # let gdb settle in `continue`
                        gdb.send_signal(signal.SIGINT)
                        return
                    time.sleep(0.05)

            threading.Thread(target=interrupter, daemon=True).start()
        gdb_out = gdb.communicate()[0].decode(errors="replace")
        status = x.wait()
    finally:
        if gdb and gdb.poll() is None:
            gdb.kill()
        if x.poll() is None:
            x.kill()
            x.wait()
        out_f.close()
        err_f.close()
    guest_out = open(out_path, errors="replace").read()
    xlat_err = open(err_path, errors="replace").read()
    problems = []
    pos = 0
    for rx in hdr["EXPECT-GDB"]:
        m = re.compile(rx, re.M).search(gdb_out, pos)
        if not m:
            problems.append(f"gdb output lacks (in order): {rx}")
        else:
            pos = m.end()
    for rx in hdr["REJECT-GDB"]:
        if re.search(rx, gdb_out, re.M):
            problems.append(f"gdb output has: {rx}")
    lines = [l.rstrip() for l in guest_out.splitlines()]
    for t in hdr["EXPECT-OUTPUT"]:
        if not any(t in l for l in lines):
            problems.append(f"guest output lacks: {t}")
    for e in hdr["EXPECT-EXIT"]:
        if status != int(e):
            problems.append(f"xlat exit status {status}, expected {e}")
    if problems:
        print("=== gdb output ===\n" + gdb_out)
        print("=== guest output ===\n" + guest_out)
        print("=== xlat stderr ===\n" + xlat_err)
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"ok ({os.path.basename(case)} under {engine})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
