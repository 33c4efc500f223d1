"""A guest's text console driven from a test: xlat started with its output on
a pipe, text waited for (each wait bounded: a guard against hangs, not a
performance check) and keys sent. Shared by the firmware tests."""
import os
import select
import subprocess
import sys
import time


class Console:
    def __init__(self, argv):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.seen = b""

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
                self.seen += os.read(self.p.stdout.fileno(), 65536)
        self.seen = self.seen[self.seen.index(text.encode()) + len(text):]

    def send(self, s):
        self.p.stdin.write(s.encode())
        self.p.stdin.flush()

    def close(self):
        self.p.kill()
        self.p.wait()
