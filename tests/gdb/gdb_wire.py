"""A minimal GDB remote-protocol client and an xlat launcher for the tests
that talk to the stub directly (packet_fuzz.py) or drive the console
monitor (monitor_stdio.py). No timeouts: ctest's TIMEOUT guards hangs."""
import re
import socket
import subprocess
import time


def load_map(path):
    syms = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2 and re.fullmatch(r"[0-9A-Fa-f]+", parts[0]) and re.fullmatch(r"[A-Za-z_.][\w.]*", parts[-1]):
            syms[parts[-1]] = int(parts[0], 16)
    return syms


def start_xlat(xlat, binary, engine, extra, out_path, err_path, stdin=subprocess.DEVNULL):
    args = [xlat, "-flat", binary, "-engine", engine, "-no-reboot", "-m", "16"] + extra
    return subprocess.Popen(args, stdout=open(out_path, "wb"), stderr=open(err_path, "wb"), stdin=stdin)


def wait_port(proc, err_path):
    while True:
        m = re.search(r"listening on [\d.]+:(\d+)", open(err_path).read())
        if m:
            return int(m.group(1))
        if proc.poll() is not None:
            raise SystemExit("xlat exited before listening:\n" + open(err_path).read())
        time.sleep(0.02)


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + b"%02x" % (sum(payload) & 0xFF)


class Wire:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send_raw(self, b: bytes):
        self.s.sendall(b)

    def send(self, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        self.s.sendall(frame(payload))

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("stub closed the connection")
        self.buf += d

    def packet(self) -> bytes:
        """The next packet's payload (acks and junk between packets skipped);
        acknowledges it."""
        while True:
            i = self.buf.find(b"$")
            if i < 0:
                self.buf = b""
                self._fill()
                continue
            j = self.buf.find(b"#", i)
            if j < 0 or len(self.buf) < j + 3:
                self._fill()
                continue
            p = self.buf[i + 1:j]
            self.buf = self.buf[j + 3:]
            self.s.sendall(b"+")
            return p

    def reply(self) -> bytes:
        """The next reply that is not console output (O + hex)."""
        while True:
            p = self.packet()
            if p.startswith(b"O") and p != b"OK" and re.fullmatch(rb"O[0-9a-f]+", p):
                continue
            return p

    def cmd(self, payload) -> bytes:
        self.send(payload)
        return self.reply()

    def close(self):
        self.s.close()
