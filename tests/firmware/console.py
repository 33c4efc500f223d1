"""A guest's text console driven from a test: xlat started with its output on
a pipe, text waited for (each wait bounded: a guard against hangs, not a
performance check) and keys sent. Shared by the firmware tests."""
import os
import re
import select
import subprocess
import sys
import time


# ANSI/VT100 control sequences (cursor moves, erases, attributes, resets).
ESCAPES = re.compile(rb"\x1b(\[[0-9;?]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_])")


class Console:
    """strip_escapes: match on the output without its terminal control
    sequences (a serial console that positions the cursor, like SeaBIOS's,
    may put them anywhere between words)."""

    def __init__(self, argv, strip_escapes=False):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.seen = b""
        self.strip = strip_escapes
        self.pending = b""  # (strip_escapes) bytes that may end inside a sequence

    def fail(self, why):
        print(f"FAIL: {why}\ncommand: {' '.join(self.argv)}\noutput so far:\n"
              f"{self.seen[-3000:].decode(errors='replace')}")
        self.p.kill()
        sys.exit(1)

    def wait_for(self, text, limit=300):
        """Waits for `text`; the output up to its end is consumed."""
        end = time.monotonic() + limit
        while text.encode() not in self.seen:
            if time.monotonic() > end or self.p.poll() is not None:
                self.fail(f"waiting for {text!r}")
            r, _, _ = select.select([self.p.stdout], [], [], 0.5)
            if r:
                self.take(os.read(self.p.stdout.fileno(), 65536))
        self.seen = self.seen[self.seen.index(text.encode()) + len(text):]

    def take(self, chunk):
        if not self.strip:
            self.seen += chunk
            return
        data = self.pending + chunk
        cut = data.rfind(b"\x1b")
        if cut >= 0 and len(data) - cut < 16 and not ESCAPES.match(data, cut):
            data, self.pending = data[:cut], data[cut:]  # an unfinished sequence: wait for the rest
        else:
            self.pending = b""
        self.seen += ESCAPES.sub(b"", data)

    def send(self, s):
        self.p.stdin.write(s.encode())
        self.p.stdin.flush()

    def close(self):
        self.p.kill()
        self.p.wait()
