#!/usr/bin/env python3
"""trace_diff: the first divergence between two CPU traces.

usage: trace_diff.py [options] TRACE_A TRACE_B

Reads register dumps as written by `xlat -d cpu` ("Trace N: CS:EIP phys P
icount I" then EAX=... lines) or by `qemu-system-i386 -d cpu` (blocks of
"EAX=... EBX=..." lines; use -d cpu,nochain -singlestep for one dump per
instruction), in any mix, and reports the first state where they disagree:
both positions (line numbers), the registers that differ and the last state
where they agreed.

Alignment:
 - both traces carry xlat's retired-instruction count (icount): states with
   the same count are compared, the others skipped (an engine tracing whole
   blocks and one tracing single instructions align exactly);
 - otherwise by EIP: equal EIPs are compared; on a mismatch the nearest
   state ahead (within --window states) in either trace with the other's
   EIP re-synchronises, since a coarser trace's block starts are a subset of
   a finer trace's instruction starts. No match in the window is a
   control-flow divergence.

Compared: EAX..ESP, EIP, EFL, CR0/2/3/4 and the selector/base/limit of
ES CS SS DS FS GS, where both traces have them.
Options: --ignore R1,R2  skip registers; --eflags-mask HEX  compare only
these EFLAGS bits (e.g. 0x8d5 for the arithmetic flags only); --window N.
Exit status: 0 no divergence, 1 divergence, 2 usage/IO error.
"""
import argparse
import re
import sys

REG_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,3})\s?=\s?([0-9a-fA-F]{1,16})\b")
SEG_RE = re.compile(r"^(ES|CS|SS|DS|FS|GS) =([0-9a-fA-F]{4}) ([0-9a-fA-F]{8,16}) ([0-9a-fA-F]{8})")
XLAT_HDR = re.compile(r"^Trace \d+: ([0-9a-fA-F]{4}):([0-9a-fA-F]+) phys ([0-9a-fA-F]+) icount (\d+)")
COMPARED = ["EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP", "EIP", "EFL", "CR0", "CR2", "CR3", "CR4"]


class State:
    __slots__ = ("line", "icount", "regs")

    def __init__(self, line, icount=None):
        self.line = line
        self.icount = icount
        self.regs = {}


def states(path):
    """Yields the register states of a trace file, in order."""
    cur = None
    with open(path, errors="replace") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            m = XLAT_HDR.match(line)
            if m:
                if cur is not None and "EIP" in cur.regs:
                    yield cur
                cur = State(n, int(m.group(4)))
                continue
            if line.startswith("EAX="):
                # QEMU starts a dump here; xlat's header already did
                if cur is None or "EAX" in cur.regs:
                    if cur is not None and "EIP" in cur.regs:
                        yield cur
                    cur = State(n)
            if cur is None:
                continue
            s = SEG_RE.match(line)
            if s:
                seg = s.group(1)
                cur.regs[seg] = int(s.group(2), 16)
                cur.regs[seg + ".base"] = int(s.group(3), 16) & 0xFFFFFFFF
                cur.regs[seg + ".limit"] = int(s.group(4), 16)
                continue
            for k, v in REG_RE.findall(line):
                if k in COMPARED and k not in cur.regs:
                    cur.regs[k] = int(v, 16)
    if cur is not None and "EIP" in cur.regs:
        yield cur


def lin_eip(s):
    # Align by the linear address when the CS base is known (real mode).
    return s.regs["EIP"] + s.regs.get("CS.base", 0)


def differences(a, b, ignore, efl_mask):
    out = []
    for k in sorted(set(a.regs) & set(b.regs)):
        if k in ignore or k.split(".")[0] in ignore:
            continue
        va, vb = a.regs[k], b.regs[k]
        if k == "EFL":
            va, vb = va & efl_mask, vb & efl_mask
        if va != vb:
            out.append(f"  {k:<9} {va:08x}  vs  {vb:08x}")
    return out


def report(path_a, path_b, a, b, last, why, diffs):
    print(f"first divergence: {why}")
    print(f"  {path_a}:{a.line}" + (f" (icount {a.icount})" if a.icount is not None else "")
          + f"  EIP={a.regs['EIP']:08x}")
    print(f"  {path_b}:{b.line}" + (f" (icount {b.icount})" if b.icount is not None else "")
          + f"  EIP={b.regs['EIP']:08x}")
    for d in diffs:
        print(d)
    if last:
        print(f"last agreement: {path_a}:{last[0].line} / {path_b}:{last[1].line}  EIP={last[0].regs['EIP']:08x}")
    else:
        print("no state agreed before it")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--ignore", default="", help="registers not compared (comma separated)")
    ap.add_argument("--eflags-mask", default="0xffffffff", help="EFLAGS bits compared (hex)")
    ap.add_argument("--window", type=int, default=64, help="states searched ahead to re-synchronise")
    args = ap.parse_args()
    ignore = {x.strip().upper() for x in args.ignore.split(",") if x.strip()}
    efl_mask = int(args.eflags_mask, 16)
    try:
        ita, itb = states(args.a), states(args.b)
        bufa, bufb = [], []

        def fill(buf, it, n):
            while len(buf) < n:
                s = next(it, None)
                if s is None:
                    return
                buf.append(s)

        compared = 0
        last = None
        while True:
            fill(bufa, ita, 1)
            fill(bufb, itb, 1)
            if not bufa or not bufb:
                break
            a, b = bufa[0], bufb[0]
            if a.icount is not None and b.icount is not None:
                if a.icount < b.icount:
                    bufa.pop(0)
                    continue
                if b.icount < a.icount:
                    bufb.pop(0)
                    continue
            elif lin_eip(a) != lin_eip(b):
                fill(bufa, ita, args.window)
                fill(bufb, itb, args.window)
                ia = next((i for i, s in enumerate(bufa) if lin_eip(s) == lin_eip(b)), None)
                ib = next((i for i, s in enumerate(bufb) if lin_eip(s) == lin_eip(a)), None)
                if ia is None and ib is None:
                    report(args.a, args.b, a, b, last, "control flow (no common EIP ahead)", [])
                    return 1
                if ib is None or (ia is not None and ia <= ib):
                    del bufa[:ia]
                else:
                    del bufb[:ib]
                continue
            diffs = differences(a, b, ignore, efl_mask)
            if diffs:
                report(args.a, args.b, a, b, last, "registers differ", diffs)
                return 1
            compared += 1
            last = (a, b)
            bufa.pop(0)
            bufb.pop(0)
    except OSError as e:
        print(f"trace_diff: {e}", file=sys.stderr)
        return 2
    print(f"no divergence ({compared} states compared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
