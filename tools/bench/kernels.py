#!/usr/bin/env python3
"""The C-kernel benchmark: one table of native, xlat (each engine) and QEMU TCG.

Each kernel in tools/bench/kernels/*.c is built twice from the same object
file: a multiboot kernel (xlat and qemu-system-i386 boot it with -kernel) and
a static 32-bit Linux program (the native column). Every column must print
the same checksum, so all of them are shown to compute the same thing.

Method. A run of scale S costs boot + S * unit. Every column is timed at two
scales, S_lo and S_hi, and the time per unit is (t(S_hi) - t(S_lo)) /
(S_hi - S_lo): start-up (QEMU's boot, xlat's loading, the kernel's set-up)
cancels out. The best of --repeat runs is kept. Ratios are per kernel, and
the last kernel row is their geometric mean. This is a benchmark, not a test.

A last row (not in the geometric mean; --no-linux leaves it out) times the
demo Linux guest's boot to its ready marker under each xlat engine and QEMU
(tools/bench/linux_boot.py: whole runs, best of --repeat, in ms; no native
column).

The scale of each kernel grows until its native run takes about --target
seconds more than a run of scale 1. A host that cannot run 32-bit programs (an x86-64 kernel without
compatibility mode: "Exec format error") has no native column: it is shown
as n/a, and the scale follows the xlat jit column instead (--target seconds
of translated code).

  tools/bench/kernels.py [--engines interp,jit] [--kernels crc32,sieve]
                         [--repeat N] [--target SECONDS] [--no-qemu] [--no-linux]
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "kernels")
TOP = os.path.dirname(os.path.dirname(HERE))

# One object for both forms: freestanding, no SSE (the multiboot kernel does
# not enable it), i686 like Debian's i386 userland.
CFLAGS = ["-m32", "-O2", "-march=i686", "-mno-sse", "-mno-mmx", "-ffreestanding", "-fno-pie",
          "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-Wall"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build(out):
    os.makedirs(out, exist_ok=True)
    kernels = sorted(f[:-2] for f in os.listdir(SRC)
                     if f.endswith(".c") and f not in ("mb_main.c", "native_main.c"))
    common = [os.path.join(SRC, f) for f in ("bench.h", "mb_start.S", "mb_main.c", "native_main.c", "kernel.ld")]
    for k in kernels:
        csrc = os.path.join(SRC, k + ".c")
        elf, native = os.path.join(out, k + ".elf"), os.path.join(out, k + ".native")
        newest = max(os.path.getmtime(p) for p in common + [csrc, __file__])
        if all(os.path.exists(p) and os.path.getmtime(p) >= newest for p in (elf, native)):
            continue
        obj = os.path.join(out, k + ".o")
        sh(["gcc", *CFLAGS, "-c", csrc, "-o", obj])
        sh(["gcc", *CFLAGS, "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments",
            "-T", os.path.join(SRC, "kernel.ld"), "-o", elf,
            os.path.join(SRC, "mb_start.S"), os.path.join(SRC, "mb_main.c"), obj])
        sh(["gcc", "-m32", "-O2", "-static", "-no-pie", "-o", native, os.path.join(SRC, "native_main.c"), obj])
    return kernels


def native_runs(out, kernel):
    """Whether this host runs the 32-bit native programs (None) or why not."""
    try:
        subprocess.run([os.path.join(out, kernel + ".native"), "1"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        return None
    except OSError as e:
        return e.strerror


def column_cmds(args, xlat):
    cols = [("native", lambda k, s, d: [os.path.join(d, k + ".native"), str(s)])]
    for e in args.engines:
        cols.append((f"xlat {e}", lambda k, s, d, e=e: [xlat, "-engine", e, "-m", "64", "-kernel",
                                                        os.path.join(d, k + ".elf"), "-append", f"scale={s}"]))
    if not args.no_qemu:
        cols.append(("qemu tcg", lambda k, s, d: [args.qemu, "-accel", "tcg", "-m", "64", "-nodefaults", "-display", "none",
                                                  "-kernel", os.path.join(d, k + ".elf"), "-append", f"scale={s}",
                                                  "-debugcon", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]))
    return cols


CHECK = re.compile(rb"(\S+) checksum=([0-9a-f]{8})")


def timed(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    dt = time.monotonic() - t0
    m = CHECK.search(p.stdout)
    if not m:
        raise RuntimeError(f"no checksum from {' '.join(cmd)} (status {p.returncode}): "
                           f"{(p.stdout + p.stderr).decode(errors='replace')[-300:]}")
    return dt, m.group(2).decode()


def measure(cmd_of, k, s_lo, s_hi, d, repeat):
    best_lo = best_hi = math.inf
    sums = set()
    for _ in range(repeat):
        t, c = timed(cmd_of(k, s_lo, d))
        best_lo = min(best_lo, t)
        sums.add(("lo", c))
        t, c = timed(cmd_of(k, s_hi, d))
        best_hi = min(best_hi, t)
        sums.add(("hi", c))
    return max(best_hi - best_lo, 1e-6) / (s_hi - s_lo), sums


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="interp,jit", help="xlat engines, comma-separated")
    ap.add_argument("--kernels", default="", help="kernels to run (default: all)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--target", type=float, default=0.15, help="native seconds for the high scale")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--no-linux", action="store_true", help="no Linux boot row")
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", os.path.join(TOP, "build")))
    args = ap.parse_args()
    args.engines = [e for e in args.engines.split(",") if e]

    for tool in ("gcc",):
        if not shutil.which(tool):
            sys.exit(f"kernels.py: {tool} not found (run tools/setup.sh)")
    if not args.no_qemu and not shutil.which(args.qemu) and args.qemu == "qemu-system-i386":
        subprocess.run([os.path.join(TOP, "tools", "setup.sh"), "bench"], check=False)
    if not args.no_qemu and not shutil.which(args.qemu):
        print(f"kernels.py: {args.qemu} not found: no QEMU column", file=sys.stderr)
        args.no_qemu = True
    xlat = os.path.join(args.build_dir, "frontends", "xlat")
    if not os.path.exists(xlat):
        sys.exit(f"kernels.py: {xlat} not found (build first: tools/build.sh)")
    out = os.path.join(args.build_dir, "bench-kernels")
    try:
        kernels = build(out)
    except subprocess.CalledProcessError as e:
        sys.exit(f"kernels.py: building the kernels failed ({e}); is gcc-multilib installed? (tools/setup.sh)")
    if args.kernels:
        want = args.kernels.split(",")
        unknown = [k for k in want if k not in kernels]
        if unknown:
            sys.exit(f"kernels.py: unknown kernels {unknown}; have {kernels}")
        kernels = want

    cols = column_cmds(args, xlat)
    no_native = native_runs(out, kernels[0])
    if no_native:
        print(f"kernels.py: native: this host cannot run 32-bit programs ({no_native}): no native column; "
              f"the scale follows xlat jit", file=sys.stderr)
    print(f"# load average {os.getloadavg()[0]:.1f}; time per scale unit, best of {args.repeat}, "
          f"two-point (t(hi) - t(lo)) so start-up cancels out")
    names = [n for n, _ in cols]
    scale_col = names.index("xlat jit") if no_native and "xlat jit" in names else 0
    rows = []
    for k in kernels:
        # Scale: grow it until the scale column's run takes about --target
        # seconds more than a run of scale 1 (start-up does not count).
        s_hi = 1
        base, _ = timed(cols[scale_col][1](k, 1, out))
        while s_hi < 1 << 20:
            t, _ = timed(cols[scale_col][1](k, s_hi, out))
            t -= base
            if t >= args.target:
                break
            s_hi *= 2 if t > args.target / 4 else 8
        s_hi = max(s_hi, 8)
        s_lo = s_hi // 8
        times, sums, notes = [], set(), []
        for name, cmd_of in cols:
            if name == "native" and no_native:
                times.append(None)
                continue
            try:
                t, cs = measure(cmd_of, k, s_lo, s_hi, out, args.repeat)
                times.append(t)
                sums |= {(lvl, c) for lvl, c in cs}
            except RuntimeError as e:
                times.append(None)
                notes.append(f"{name}: {e}")
        agree = len({c for lvl, c in sums if lvl == "hi"}) == 1 and len({c for lvl, c in sums if lvl == "lo"}) == 1
        rows.append((k, s_hi, times, agree))
        for n in notes:
            print(f"# {k}: {n}", file=sys.stderr)

    # Ratio columns: (label, slower column, faster column); each > 1 means
    # the second is that many times faster.
    ratios = [(f"{n}/native", i, 0) for i, n in enumerate(names) if i]
    idx = {n: i for i, n in enumerate(names)}
    for label, a, b in (("qemu/jit", "qemu tcg", "xlat jit"), ("interp/jit", "xlat interp", "xlat jit")):
        if a in idx and b in idx:
            ratios.append((label, idx[a], idx[b]))
    print(f"{'kernel':<14}{'scale':>6}" + "".join(f"{n + ' ms':>16}" for n in names) +
          "".join(f"{label:>{max(12, len(label) + 2)}}" for label, _, _ in ratios) + "  checksums")
    logs = [[] for _ in ratios]
    for k, s, times, agree in rows:
        line = f"{k:<14}{s:>6}" + "".join(
            f"{t * 1000:>16.3f}" if t is not None else f"{'n/a' if n == 'native' and no_native else 'failed':>16}"
            for n, t in zip(names, times))
        for j, (label, a, b) in enumerate(ratios):
            w = max(12, len(label) + 2)
            if times[a] and times[b]:
                logs[j].append(math.log(times[a] / times[b]))
                line += f"{times[a] / times[b]:>{w}.2f}"
            else:
                line += f"{'-':>{w}}"
        print(line + "  " + ("agree" if agree else "DIFFER"))
    geo = f"{'geomean':<14}{'':>6}" + "".join(f"{'':>16}" for _ in names)
    for j, (label, _, _) in enumerate(ratios):
        w = max(12, len(label) + 2)
        geo += f"{math.exp(sum(logs[j]) / len(logs[j])):>{w}.2f}" if logs[j] else f"{'-':>{w}}"
    print(geo)
    if not args.no_linux:
        linux_row(args, xlat, names, ratios)
    return 0 if all(r[3] for r in rows) else 1


def linux_row(args, xlat, names, ratios):
    """The Linux boot to the ready marker, per column (linux_boot.py)."""
    sys.path.insert(0, HERE)
    import linux_boot
    engines = [n[len("xlat "):] for n in names if n.startswith("xlat ")]
    machines = linux_boot.machine_cmds(xlat, engines, "qemu tcg" in names, linux_boot.guest())
    by_col = {f"xlat {e}": m for e, m in zip(engines, machines)}
    if "qemu tcg" in names and len(machines) > len(engines):
        by_col["qemu tcg"] = machines[-1]
    times = []
    for n in names:
        best = None
        if n in by_col:
            for _ in range(args.repeat):
                t_ready, _, _, rc = linux_boot.run_once(by_col[n][1])
                if t_ready is None:
                    print(f"# linux boot: {n}: no ready marker (exit status {rc})", file=sys.stderr)
                    best = None
                    break
                best = t_ready if best is None else min(best, t_ready)
        times.append(best)
    line = f"{'linux boot':<14}{'':>6}" + "".join(
        f"{t * 1000:>16.0f}" if t is not None else f"{'n/a' if n == 'native' else 'failed':>16}"
        for n, t in zip(names, times))
    for label, a, b in ratios:
        w = max(12, len(label) + 2)
        line += f"{times[a] / times[b]:>{w}.2f}" if times[a] and times[b] else f"{'-':>{w}}"
    print(line + "  to the ready marker (ms, whole run; not in the geomean)")


if __name__ == "__main__":
    sys.exit(main())
