#!/usr/bin/env python3
"""gdb against the Linux demo guest (Debian 12 i386 kernel + busybox
initramfs, tools/guest/debian-i386.sh): boot with -gdb, and once the guest
is at its shell, attach Debian's gdb (which stops it), read the system
state (protected mode with paging, the kernel's 0xC0000000 mapping), step,
disassemble, continue and interrupt with Ctrl-C, detach; the shell must
still answer afterwards and `reboot -f` end the run cleanly.

usage: linux_gdb_test.py XLAT GUEST_SCRIPT ENGINE"""
import os
import pty
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "boot"))
import boot_test  # noqa: E402


def main():
    xlat, script, engine = sys.argv[1:4]
    guest = boot_test.guest_dir(script)
    c = boot_test.Console(xlat, guest, ["-engine", engine, "-gdb", "tcp:127.0.0.1:0"], boot_test.APPEND)
    ready = c.wait_for(boot_test.READY)
    at = c.wait_for(boot_test.PROMPT, ready)
    # The port is on stderr, which Console reads only at the end: ask ss-free
    # /proc for xlat's listening socket instead.
    port = None
    inodes = set()
    for fd in os.listdir(f"/proc/{c.p.pid}/fd"):
        try:
            t = os.readlink(f"/proc/{c.p.pid}/fd/{fd}")
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", t)
        if m:
            inodes.add(m.group(1))
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes:  # LISTEN
            port = int(f[1].split(":")[1], 16)
    if port is None:
        boot_test.fail("no listening gdb socket found for xlat")
    work = tempfile.mkdtemp(prefix="xlat-linux-gdb-")
    gdb_script = os.path.join(work, "linux.gdb")
    with open(gdb_script, "w") as f:
        f.write(f"""set pagination off
set confirm off
target remote 127.0.0.1:{port}
monitor info registers
monitor info mem
printf "KERNEL_PC=%d\\n", $pc >= 0xc0000000
x/3i $pc
stepi
stepi
printf "CPL=%d\\n", $cs & 3
python
import os, signal, threading
# Ctrl-C one second after the guest runs again (gdb sends 0x03 to the stub).
def _xlat_on_cont(ev):
    gdb.events.cont.disconnect(_xlat_on_cont)
    threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
gdb.events.cont.connect(_xlat_on_cont)
end
continue
printf "STOPPED_AGAIN=%d\\n", $pc != 0
info registers eip eflags cs cr0
detach
""")
    # gdb on a pty: on a pipe it buffers "Continuing." until it exits.
    master, slave = pty.openpty()
    gdb = subprocess.Popen(["gdb", "-nx", "-batch", "-x", gdb_script], stdout=slave, stderr=slave,
                           stdin=subprocess.DEVNULL)
    os.close(slave)
    out = bytearray()

    def reader():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            out.extend(chunk)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    gdb.wait()
    t.join()
    text = out.decode(errors="replace")
    want = [r"mode protected 32-bit", r"CR0=8", r"c0000000-", r"KERNEL_PC=1", r"=> 0x", r"CPL=0",
            r"Program received signal SIGINT", r"STOPPED_AGAIN=1", r"\[Inferior 1 \(Remote target\) detached\]"]
    pos = 0
    for rx in want:
        m = re.compile(rx).search(text, pos)
        if not m:
            c.p.kill()
            boot_test.fail(f"gdb output lacks {rx!r}:\n{text}")
        pos = m.end()
    # The guest runs on after the debugger left.
    c.send("echo $((6*7))\n")
    at = c.wait_for(b"\n42\r\n", at)
    at = c.wait_for(boot_test.PROMPT, at)
    c.send("reboot -f\n")
    rc = c.finish()
    if rc != 0:
        boot_test.fail(f"exit status {rc} after reboot -f: {c.err}")
    print(f"linux gdb test: ok under {engine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
