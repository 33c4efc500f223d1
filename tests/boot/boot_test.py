#!/usr/bin/env python3
"""Boot tests: Debian 12's i386 kernel with the demo initramfs
(tools/guest/debian-i386.sh) under xlat, driven through the serial console.

  boot_test.py XLAT GUEST_SCRIPT shell [ENGINE]
      boots to the ready marker, sends `echo $((6*7))` and expects 42, then
      `reboot -f`: with -no-reboot xlat must end with exit status 0.
  boot_test.py XLAT GUEST_SCRIPT deterministic [ENGINE]
      boots twice with -clock deterministic and XLAT_AUTOEXIT=1 (the guest's
      /init prints /proc/interrupts and reboots); both runs must end cleanly
      and their serial output must be byte-identical, with none of the
      kernel-log complaints in COMPLAINTS.
  boot_test.py XLAT GUEST_SCRIPT disks [ENGINE]
      boots with a fresh raw disk (-hda), a CD image of random bytes
      (-cdrom) and a 1.44M floppy image of random bytes (-fda),
      XLAT_DISKS=1 XLAT_DISKTEST=1: the guest loads libata, pata_legacy,
      sd_mod, sr_mod and floppy, must find both drives on the legacy ports
      and the floppy controller and drive (kernel log), print the md5 of the
      CD's first MiB and of the whole floppy equal to the host's, and write
      a line to sector 8 of the disk and to sector 20 of the floppy that are
      in the image files after xlat exits.
  boot_test.py XLAT GUEST_SCRIPT lockstep
      boots once with -lockstep (translator and interpreter on two machines,
      compared after every block) and XLAT_AUTOEXIT=1: the run must end
      cleanly with the ready marker printed and the verdict that both
      engines agreed on every block.

ENGINE (default interp) is passed as -engine.
A guest that cannot be fetched or built fails the test with the script's
message. Prints the host time to the ready marker.
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

READY = b"XLAT-GUEST-READY"
PROMPT = b"xlat-guest# "
APPEND = "console=ttyS0 noapic nolapic acpi=off pci=off cryptomgr.notests"
# Kernel-log complaints about our hardware that QEMU does not print with this
# kernel and command line (the deterministic runs' whole log is checked).
COMPLAINTS = [b"Fast TSC calibration failed", b"Unable to calibrate against PIT", b"Marking TSC unstable",
              b"Unstable clock detected", b"unchecked MSR access", b"spurious 8259A interrupt",
              b"BUG:", b"WARNING:", b"Oops", b"Call Trace"]


def guest_cmd(xlat, guest, append, serial, *extra):
    """xlat booting the demo guest with 128 MiB, COM1 on `serial`, -no-reboot."""
    return [xlat, "-m", "128", "-kernel", os.path.join(guest, "vmlinuz"), "-initrd", os.path.join(guest, "initrd.img"),
            "-append", append, "-serial", serial, "-no-reboot", *extra]


def fail(msg):
    print(f"boot test: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def expect_clean_run(what, rc, err, out):
    """A run must end with status 0 after printing the ready marker."""
    tail = out[-3000:].decode(errors="replace")
    if rc != 0:
        fail(f"{what}: exit status {rc}:\n{err}\nserial output (tail):\n{tail}")
    if READY not in out:
        fail(f"{what}: no ready marker.\nserial output (tail):\n{tail}")


def guest_dir(script):
    try:
        r = subprocess.run([script], capture_output=True, text=True)
    except OSError as e:
        fail(f"cannot run the guest script {script}: {e}")
    d = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    if r.returncode != 0 or not d or not os.path.isfile(os.path.join(d, "vmlinuz")):
        fail("the demo guest (Debian 12 i386 kernel + busybox initramfs) could not be fetched or built "
             f"by {script} (exit status {r.returncode}):\n{r.stderr.strip()}")
    return d


class Console:
    """xlat with COM1 on pipes; collects the serial output in a thread."""

    def __init__(self, xlat, guest, extra_args, append):
        self.out = bytearray()
        self.cond = threading.Condition()
        self.start = time.monotonic()
        self.p = subprocess.Popen(
            guest_cmd(xlat, guest, append, "stdio", *extra_args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            b = self.p.stdout.read1(4096)
            with self.cond:
                if not b:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.out += b
                self.cond.notify_all()

    eof = False

    def wait_for(self, what, after=0, timeout=600):
        """Waits until `what` appears in the output at or after offset `after`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                i = self.out.find(what, after)
                if i >= 0:
                    return i + len(what)
                if self.eof:
                    self.finish()
                    fail(f"xlat ended (status {self.p.returncode}) before {what!r} appeared.\n"
                         f"stderr: {self.err}\nserial output (tail):\n{self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    self.p.kill()
                    fail(f"{what!r} did not appear within {timeout} s.\nserial output (tail):\n{self.tail()}")
                self.cond.wait(min(left, 1.0))

    def send(self, text):
        # One byte at a time, as typed: the UART's receive FIFO holds 16.
        for ch in text.encode():
            self.p.stdin.write(bytes([ch]))
            self.p.stdin.flush()
            time.sleep(0.002)

    def tail(self, n=3000):
        return self.out[-n:].decode(errors="replace")

    err = ""

    def finish(self, timeout=600):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail(f"xlat did not end within {timeout} s.\nserial output (tail):\n{self.tail()}")
        self.reader.join()
        self.err = self.p.stderr.read().decode(errors="replace").strip()
        return self.p.returncode


def test_shell(xlat, guest, engine):
    c = Console(xlat, guest, ["-engine", engine], APPEND)
    ready = c.wait_for(READY)
    t_ready = time.monotonic() - c.start
    print(f"boot test: ready marker after {t_ready:.1f} s (host time, -engine {engine}, realtime clock)")
    at = c.wait_for(PROMPT, ready)
    c.send("echo $((6*7))\n")
    at = c.wait_for(b"\n42\r\n", at)
    at = c.wait_for(PROMPT, at)
    c.send("reboot -f\n")
    rc = c.finish()
    if rc != 0:
        fail(f"`reboot -f` with -no-reboot: exit status {rc}, expected 0. stderr: {c.err}")
    if "shutting down" not in c.err:
        fail(f"`reboot -f`: xlat's message does not say it shut down: {c.err!r}")
    print(f"boot test: shell answered 42; reboot -f ended the run: {c.err}")


def test_deterministic(xlat, guest, engine):
    outs = []
    with tempfile.TemporaryDirectory() as d:
        procs = []
        for n in range(2):  # both runs at once: the machine has two cores
            path = os.path.join(d, f"serial{n}.txt")
            p = subprocess.Popen(
                guest_cmd(xlat, guest, APPEND + " XLAT_AUTOEXIT=1", f"file:{path}", "-clock", "deterministic",
                          "-engine", engine),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            procs.append((p, path))
        for p, path in procs:
            _, err = p.communicate()
            with open(path, "rb") as f:
                out = f.read()
            expect_clean_run("deterministic run", p.returncode, err.decode(errors="replace"), out)
            for c in COMPLAINTS:
                if c in out:
                    i = out.find(c)
                    fail(f"deterministic run: the kernel log complains: "
                         f"{out[max(0, i - 200):i + 300].decode(errors='replace')}")
            outs.append(out)
    if outs[0] != outs[1]:
        a, b = outs
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        fail(f"two -clock deterministic runs differ at byte {i} of {len(a)}/{len(b)}:\n"
             f"run 1: {a[max(0, i - 200):i + 200].decode(errors='replace')!r}\n"
             f"run 2: {b[max(0, i - 200):i + 200].decode(errors='replace')!r}")
    print(f"boot test: two deterministic runs gave identical serial output ({len(outs[0])} bytes)")


def test_lockstep(xlat, guest, _engine):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "serial.txt")
        t0 = time.monotonic()
        p = subprocess.run(
            guest_cmd(xlat, guest, APPEND + " XLAT_AUTOEXIT=1", f"file:{path}", "-lockstep"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.decode(errors="replace")
        with open(path, "rb") as f:
            out = f.read()
    expect_clean_run("lockstep run", p.returncode, err, out)
    m = re.search(r"lockstep: jit and interp agreed on (\d+) blocks, (\d+) instructions", err)
    if not m:
        fail(f"lockstep run: no agreement verdict on stderr:\n{err}")
    print(f"boot test: -lockstep agreed on {m[1]} blocks, {m[2]} instructions "
          f"({time.monotonic() - t0:.0f} s host time)")


def test_disks(xlat, guest, engine):
    import hashlib
    with tempfile.TemporaryDirectory() as d:
        disk, cd, fd, serial = (os.path.join(d, n) for n in ("disk.img", "cd.iso", "fd.img", "serial.txt"))
        with open(disk, "wb") as f:
            f.truncate(16 << 20)
        data = os.urandom(2 << 20)
        with open(cd, "wb") as f:
            f.write(data)
        want_md5 = hashlib.md5(data[:1 << 20]).hexdigest()
        fdata = os.urandom(1474560)
        with open(fd, "wb") as f:
            f.write(fdata)
        want_fd_md5 = hashlib.md5(fdata).hexdigest()
        p = subprocess.run(
            guest_cmd(xlat, guest, APPEND + " XLAT_DISKS=1 XLAT_DISKTEST=1", f"file:{serial}", "-engine", engine,
                      "-hda", disk, "-cdrom", cd, "-fda", fd),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.decode(errors="replace")
        with open(serial, "rb") as f:
            out = f.read().decode(errors="replace")
        with open(disk, "rb") as f:
            f.seek(8 * 512)
            sector = f.read(512)
        with open(fd, "rb") as f:
            f.seek(20 * 512)
            fsector = f.read(512)
    tail = out[-4000:]
    if p.returncode != 0:
        fail(f"disk run: exit status {p.returncode}: {err}\nserial output (tail):\n{tail}")
    for want in ("ata1: PATA max PIO4 cmd 0x1f0 ctl 0x3f6 irq 14", "ata1.00: ATA-", "ata2: PATA max PIO4 cmd 0x170 ctl 0x376 irq 15",
                 "ata2.00: ATAPI:", "[sda] 32768 512-byte logical blocks", "sr 1:0:0:0: [sr0]",
                 "Floppy drive(s): fd0 is 1.44M", "FDC 0 is a post-1991 82077", "XLAT-DISK-DONE"):
        if want not in out:
            fail(f"disk run: {want!r} not in the guest's output.\nserial output (tail):\n{tail}")
    m = re.search(r"XLAT-CD-MD5 ([0-9a-f]{32})", out)
    if not m or m[1] != want_md5:
        fail(f"disk run: the guest's md5 of the CD's first MiB is {m[1] if m else None}, the host's {want_md5}")
    m = re.search(r"XLAT-FD-MD5 ([0-9a-f]{32})", out)
    if not m or m[1] != want_fd_md5:
        fail(f"disk run: the guest's md5 of the floppy is {m[1] if m else None}, the host's {want_fd_md5}")
    if sector != b"xlat-disk-write-test\n" + bytes(512 - 21):
        fail(f"disk run: sector 8 of the image holds {sector[:40]!r}..., not the line the guest wrote")
    if fsector != b"xlat-floppy-write-test\n" + bytes(512 - 23):
        fail(f"disk run: sector 20 of the floppy holds {fsector[:40]!r}..., not the line the guest wrote")
    print(f"boot test: -engine {engine}: the guest found the IDE disk, the ATAPI CD and the floppy, read the CD "
          f"(md5 {want_md5}) and the floppy (md5 {want_fd_md5}), and its writes are in the image files")


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[3] not in ("shell", "deterministic", "disks", "lockstep"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    xlat, script, which = sys.argv[1:4]
    engine = sys.argv[4] if len(sys.argv) == 5 else "interp"
    guest = guest_dir(script)
    tests = {"shell": test_shell, "deterministic": test_deterministic, "disks": test_disks, "lockstep": test_lockstep}
    tests[which](xlat, guest, engine)


if __name__ == "__main__":
    main()
