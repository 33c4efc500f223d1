#!/usr/bin/env python3
"""Tests tools/trace_diff.py on real xlat traces (-d cpu of a metal program):
identical runs agree; a changed register is reported at its line; a trace
without instruction counts aligns by EIP; a QEMU-format rendering of the
same trace agrees, and a changed QEMU state is found. With -singlestep
every block is one instruction (consecutive states one retired instruction
apart), and the engine's per-instruction trace equals the interpreter's.

usage: trace_diff_test.py XLAT PROGRAM.bin TRACE_DIFF.py ENGINE"""
import os
import re
import subprocess
import sys
import tempfile


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def to_qemu(src, dst):
    """Rewrites an xlat -d cpu trace in qemu-system-i386 -d cpu's layout."""
    with open(src) as f, open(dst, "w") as o:
        for line in f:
            if line.startswith("Trace "):
                continue
            m = re.match(r"EIP=(\w+) EFL=(\w+) CPL=(\d) CR0=(\w+) CR2=(\w+) CR3=(\w+) CR4=(\w+)", line)
            if m:
                o.write(f"EIP={m[1]} EFL={m[2]} [-------] CPL={m[3]} II=0 A20=1 SMM=0 HLT=0\n")
                o.write(f"CR0={m[4]} CR2={m[5]} CR3={m[6]} CR4={m[7]}\n")
                continue
            m = re.match(r"(\w\w) =(\w{4}) (\w{8}) (\w{8}) (\w{4})", line)
            if m:
                o.write(f"{m[1]} ={m[2]} {m[3]} {m[4]} 00{m[5]}00 DPL=0 DS   [-WA]\n")
                continue
            o.write(line)


def main():
    xlat, prog, tool, engine = sys.argv[1:5]
    w = tempfile.mkdtemp(prefix="xlat-tdiff-")
    traces = []
    for k in range(2):
        t = os.path.join(w, f"t{k}.log")
        r = run([xlat, "-flat", prog, "-engine", engine, "-m", "16", "-no-reboot", "-clock", "deterministic",
                 "-d", "cpu", "-D", t])
        assert r.returncode == 1, (r.returncode, r.stderr)
        traces.append(t)
    problems = []

    def check(args, want_rc, want_text=None):
        r = run([sys.executable, tool] + args)
        if r.returncode != want_rc or (want_text and not re.search(want_text, r.stdout)):
            problems.append(f"trace_diff {' '.join(args)}: rc {r.returncode} (want {want_rc})\n{r.stdout}{r.stderr}")

    check(traces, 0, r"no divergence \(\d{2,} states")
    lines = open(traces[0]).read().splitlines(True)
    eax_lines = [i for i, l in enumerate(lines) if l.startswith("EAX=")]
    victim = eax_lines[len(eax_lines) // 2]
    changed = os.path.join(w, "changed.log")
    mod = lines[:]
    mod[victim] = re.sub(r"EAX=(\w{8})", lambda m: "EAX=%08x" % (int(m[1], 16) ^ 0x40), mod[victim])
    open(changed, "w").writelines(mod)
    check([traces[0], changed], 1, rf"changed\.log:{victim + 1} .*\n(.*\n)*\s+EAX ")
    check(["--ignore", "eax", traces[0], changed], 0)
    noicount = os.path.join(w, "noicount.log")
    open(noicount, "w").writelines(re.sub(r" icount \d+", "", l) for l in lines)
    check([traces[0], noicount], 0)
    qemu = os.path.join(w, "qemu.log")
    to_qemu(traces[1], qemu)
    check([traces[0], qemu], 0)
    qemu_changed = os.path.join(w, "qemu_changed.log")
    to_qemu(changed, qemu_changed)
    check([qemu, qemu_changed], 1, r"registers differ")
    # -singlestep: one state per instruction, identical to the interpreter's.
    single = {}
    for eng in sorted({engine, "interp"}):
        t = os.path.join(w, f"single-{eng}.log")
        r = run([xlat, "-flat", prog, "-engine", eng, "-m", "16", "-no-reboot", "-clock", "deterministic",
                 "-singlestep", "-d", "exec,cpu", "-D", t])
        assert r.returncode == 1, (r.returncode, r.stderr)
        single[eng] = t
    counts = [int(m) for m in re.findall(r"^Trace \d+: .* icount (\d+)$", open(single[engine]).read(), re.M)]
    block_states = sum(1 for l in lines if l.startswith("EAX="))
    steps = [b - a for a, b in zip(counts, counts[1:])]
    if len(counts) <= block_states or any(d not in (0, 1) for d in steps) or steps.count(1) < len(steps) * 9 // 10:
        problems.append(f"-singlestep: {len(counts)} states (blocks: {block_states}), icount steps "
                        f"{sorted(set(steps))}: not one instruction per block")
    check([single[engine], single["interp"]], 0, r"no divergence \(\d{3,} states")
    if problems:
        print("FAILED:\n" + "\n".join(problems))
        return 1
    print("ok (trace_diff)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
