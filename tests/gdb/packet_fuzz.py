#!/usr/bin/env python3
"""Packet fuzzer for the GDB stub: random and malformed packets (bad
checksums, missing terminators, oversized packets, junk between packets,
mutated commands with absurd arguments, binary garbage), while the guest is
stopped and while it runs; a dropped connection and a reconnect. After every
step the stub must answer a '?' with a stop reply, and at the end registers
and memory must still read correctly and vKill must end xlat cleanly.

usage: packet_fuzz.py XLAT TARGET.bin TARGET.map ENGINE [SEED]
The seed is fixed by default, so a run is repeatable."""
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdb_wire  # noqa: E402

# Commands that resume, kill, detach or leave ack mode are the fuzzer's own
# business (they are tested on purpose below), never random.
FORBIDDEN_START = (b"c", b"s", b"C", b"S", b"k", b"D", b"vCont;c", b"vCont;s", b"vCont;C", b"vCont;S",
                   b"vKill", b"QStartNoAckMode", b"?")


def rand_hex(r, lo=0, hi=20):
    return "".join(r.choice("0123456789abcdef") for _ in range(r.randint(lo, hi)))


def rand_num(r):
    return r.choice(["0", "1", "7fff", "ffffffff", "ffffffffffffffff", "1" + "0" * 20, rand_hex(r, 1, 9), "", "-1",
                     "zz"])


def mutated(r, syms):
    a = hex(r.choice(list(syms.values())))[2:]
    choices = [
        f"m{rand_num(r)},{rand_num(r)}", f"m{a},{rand_num(r)}", f"m{a}", "m,", f"m{a},10,20",
        f"M{a},{rand_num(r)}:{rand_hex(r)}", f"M{rand_num(r)},4:{rand_hex(r, 0, 9)}", "M", f"M{a},2:zzzz",
        f"X{a},{rand_num(r)}:" + "".join(chr(r.randint(0x20, 0x7e)) for _ in range(r.randint(0, 12))),
        f"p{rand_num(r)}", f"P{rand_num(r)}={rand_hex(r)}", f"P8={rand_hex(r, 0, 7)}", "P=", "p",
        f"G{rand_hex(r, 0, 60)}", "G",
        f"Z{rand_num(r)},{rand_num(r)},{rand_num(r)}", f"z{rand_num(r)},{a},{rand_num(r)}",
        f"Z2,{a},{rand_num(r)}", f"Z0,{a}", "Z", f"Z1,{a},1;X1,0",
        f"qXfer:features:read:target.xml:{rand_num(r)},{rand_num(r)}", "qXfer:features:read:other.xml:0,10",
        "qXfer:features:read:target.xml", "qXfer:", f"qRcmd,{rand_hex(r, 0, 40)}", "qRcmd,7", "qRcmd,zz",
        "qRcmd," + "x/99999 0".encode().hex(), "qRcmd," + "xp/4096i 0".encode().hex(),
        "qRcmd," + "info blocks ffffffff".encode().hex(), "qRcmd," + "info tlb".encode().hex(),
        f"H{r.choice('gcx')}{rand_num(r)}", f"T{rand_num(r)}", "qSupported:" + rand_hex(r), "qAttached:1",
        "vCont", "vCont;", "vCont;x", "vCont;t", "vMustReplyEmpty", "vFile:open:", "!", "R00", "i", "bc",
        "".join(chr(r.randint(0x20, 0x7e)) for _ in range(r.randint(1, 40))),
    ]
    p = r.choice(choices).encode()
    if p.startswith(FORBIDDEN_START):
        p = b"qX" + p
    # escape what the framing reserves
    out = b""
    for ch in p:
        if ch in b"$#}*":
            out += b"}" + bytes([ch ^ 0x20])
        else:
            out += bytes([ch])
    return out


def fuzz_step(r, w, syms):
    kind = r.randrange(8)
    if kind == 0:  # junk between packets (never '$'), acks, Ctrl-C bytes
        w.send_raw(bytes(r.choice([x for x in range(256) if x not in b"$#"]) for _ in range(r.randint(1, 200))))
    elif kind == 1:  # bad checksum
        body = mutated(r, syms)
        w.send_raw(b"$" + body + b"#" + r.choice([b"00", b"zz", b"g1", b"ff"]))
    elif kind == 2:  # a packet without its end, then an end with a wrong checksum
        w.send_raw(b"$" + mutated(r, syms))
        w.send_raw(b"#xx")
    elif kind == 3:  # oversized, with and without a terminator
        n = r.randint(0x4001, 0x9000)
        w.send_raw(b"$" + b"a" * n + (b"#00" if r.random() < 0.5 else b""))
    elif kind == 4:  # binary garbage inside a packet (valid checksum, escapes kept)
        body = bytes(r.choice([x for x in range(256) if x not in b"$#}*"]) for _ in range(r.randint(0, 100)))
        if body.startswith(FORBIDDEN_START):
            body = b"qX" + body
        w.send_raw(gdb_wire.frame(body))
    elif kind == 5:  # a '$' restarting inside a packet
        w.send_raw(b"$m0,4$" + gdb_wire.frame(mutated(r, syms))[1:])
    else:  # well-formed but mutated commands: each must get a reply
        w.send(mutated(r, syms))
        w.reply()


SYNC = [0]


def sync(w):
    """Returns the stop reply; replies still in flight (a '-' in the junk
    makes the stub resend its last packet) are skipped: the marker is a
    memory read of a length used by no recent sync."""
    SYNC[0] += 1
    n = SYNC[0] % 250 + 1
    w.send("?")
    w.send("m7c00,%x" % n)
    stop = None
    while True:
        p = w.reply()
        if p.startswith(b"T"):
            stop = p
        elif len(p) == 2 * n and stop is not None and all(c in b"0123456789abcdef" for c in p):
            return stop


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    xlat, binary, mapfile, engine = sys.argv[1:5]
    seed = int(sys.argv[5], 0) if len(sys.argv) == 6 else 0x5eed
    syms = gdb_wire.load_map(mapfile)
    work = tempfile.mkdtemp(prefix="xlat-fuzz-")
    out_p, err_p = os.path.join(work, "out"), os.path.join(work, "err")
    x = gdb_wire.start_xlat(xlat, binary, engine, ["-gdb", "tcp:127.0.0.1:0", "-S"], out_p, err_p)
    r = random.Random(seed)
    try:
        port = gdb_wire.wait_port(x, err_p)
        w = gdb_wire.Wire(port)
        assert b"PacketSize" in w.cmd("qSupported:swbreak+;hwbreak+")
        regs0 = w.cmd("g")
        mem0 = w.cmd("m7c00,10")
        # 1. stopped: random and malformed input
        for i in range(1500):
            fuzz_step(r, w, syms)
            if i % 10 == 9:
                sync(w)
        sync(w)
        # registers may have been rewritten by random G/P packets: restore
        p = w.cmd(b"G" + regs0)
        assert p == b"OK", (b"G with the saved registers: " + p[:200])
        assert w.cmd("g") == regs0, "registers read back"
        assert w.cmd("m7c00,10") != b"", "memory readable"
        w.cmd("z0,%x,1" % syms["bp_int"])  # whatever the fuzzer left
        for t in (0, 1):
            for a in list(syms.values()):
                w.send("z%d,%x,1" % (t, a))
                w.reply()
        w.cmd("M%x,4:00000000" % syms["release"])
        # 2. running: junk (no 0x03) is ignored until Ctrl-C stops the guest
        assert w.cmd("Z0,%x,1" % syms["back_low"]) == b"OK"
        w.send("vCont;c")
        p = w.reply()
        assert p.startswith(b"T05"), p
        assert w.cmd("z0,%x,1" % syms["back_low"]) == b"OK"
        w.send("c")
        w.send_raw(bytes(r.choice([x for x in range(256) if x not in b"\x03$#"]) for _ in range(3000)))
        w.send_raw(b"\x03")
        p = w.reply()
        assert p.startswith(b"T02"), p
        sync(w)
        # 3. a connection dropped mid-packet; the guest runs on; a new one stops it
        w.send_raw(b"$m7c00,")
        w.close()
        while "gdb disconnected" not in open(err_p).read():
            gdb_wire.time.sleep(0.02)
        w = gdb_wire.Wire(port)
        assert sync(w).startswith(b"T02")
        spin = int.from_bytes(bytes.fromhex(w.cmd("p8").decode()), "little")
        assert syms["spin"] <= spin < syms["spin"] + 16, hex(spin)
        assert w.cmd("m%x,4" % syms["magic"]) is not None
        # 4. a second client while one is connected is refused
        w2 = gdb_wire.Wire(port)
        assert w2.reply().startswith(b"E")
        w2.close()
        assert w.cmd("qC") == b"QC01"
        w.send("vKill;1")
        w.reply()
        status = x.wait()
    finally:
        if x.poll() is None:
            x.kill()
            x.wait()
    if status != 0:
        print(open(err_p).read())
        print(f"FAILED: xlat exit status {status}")
        return 1
    print(f"ok (packet fuzz seed {seed:#x} under {engine})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
