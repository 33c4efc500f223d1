#!/usr/bin/env python3
"""Linux boot time: Debian 12's i386 kernel + the demo initramfs
(tools/guest/debian-i386.sh) to the initramfs's ready marker, under each xlat
engine and under qemu-system-i386 -accel tcg (a minimal ISA PC, 128 MiB), in
one run. The guest runs with XLAT_AUTOEXIT=1: after the marker it prints
/proc/interrupts and reboots, which -no-reboot turns into the end of the run.

  tools/bench/linux_boot.py [--xlat PATH] [--engines interp,...] [--runs N] [--no-qemu]

Prints, per machine: host seconds to the ready marker and to the end of the
run, and the CPU seconds the process used (the machine's other load shows as
the difference). Take the best of --runs runs.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
READY = b"XLAT-GUEST-READY"
APPEND = "console=ttyS0 noapic nolapic acpi=off pci=off cryptomgr.notests XLAT_AUTOEXIT=1"


def run_once(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    buf = b""
    t_ready = None
    while True:
        b = p.stdout.read1(4096)
        if not b:
            break
        buf = (buf + b)[-4096:]
        if t_ready is None and READY in buf:
            t_ready = time.monotonic() - t0
    p.wait()
    t_end = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return t_ready, t_end, cpu, p.returncode


def guest():
    """The demo guest's directory (built and cached by tools/guest/debian-i386.sh)."""
    r = subprocess.run([os.path.join(ROOT, "tools", "guest", "debian-i386.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"linux_boot: the demo guest could not be built:\n{r.stderr}")
    return r.stdout.strip().splitlines()[-1]


def machine_cmds(xlat, engines, qemu, guest_dir):
    """(name, command) per machine: each xlat engine, then QEMU TCG if wanted
    (installed by tools/setup.sh bench when missing)."""
    kernel, initrd = os.path.join(guest_dir, "vmlinuz"), os.path.join(guest_dir, "initrd.img")
    machines = []
    for e in engines:
        machines.append((f"xlat -engine {e}", [xlat, "-engine", e, "-m", "128", "-kernel", kernel, "-initrd", initrd,
                                               "-append", APPEND, "-serial", "stdio", "-no-reboot"]))
    if qemu and not shutil.which("qemu-system-i386"):
        subprocess.run([os.path.join(ROOT, "tools", "setup.sh"), "bench"], check=False)
        if not shutil.which("qemu-system-i386"):
            print("linux_boot: qemu-system-i386 not found: no QEMU row", file=sys.stderr)
    if qemu and shutil.which("qemu-system-i386"):
        machines.append(("qemu-system-i386 -accel tcg", [
            "qemu-system-i386", "-accel", "tcg", "-M", "isapc", "-cpu", "pentium3", "-m", "128", "-kernel", kernel,
            "-initrd", initrd, "-append", APPEND, "-display", "none", "-serial", "stdio", "-monitor", "none",
            "-no-reboot"]))
    return machines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xlat", default=os.path.join(ROOT, "build", "frontends", "xlat"))
    ap.add_argument("--engines", default="interp,jit")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-qemu", action="store_true")
    a = ap.parse_args()

    guest_dir = guest()
    machines = machine_cmds(a.xlat, a.engines.split(","), not a.no_qemu, guest_dir)

    load = os.getloadavg()[0]
    kpkg = open(os.path.join(guest_dir, "kernel-package")).read().strip() if os.path.exists(
        os.path.join(guest_dir, "kernel-package")) else "kernel"
    print(f"Linux boot to the ready marker ({kpkg}, 128 MiB, best of {a.runs}; load average {load:.2f})")
    print(f"{'machine':32} {'ready (s)':>10} {'exit (s)':>10} {'CPU (s)':>10}")
    for name, cmd in machines:
        best = None
        for _ in range(a.runs):
            t_ready, t_end, cpu, rc = run_once(cmd)
            if t_ready is None:
                print(f"{name:32} {'no marker':>10} (exit status {rc})")
                best = None
                break
            if best is None or t_ready < best[0]:
                best = (t_ready, t_end, cpu)
        if best:
            print(f"{name:32} {best[0]:10.2f} {best[1]:10.2f} {best[2]:10.2f}")


if __name__ == "__main__":
    main()
