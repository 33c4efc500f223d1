#!/usr/bin/env bash
# Disk images on the xlat command line: clear errors for missing, unreadable
# and wrongly sized images and bad -bios/-boot/-drive options; an MBR booted
# by the BIOS from -hda, -drive and -fda; -boot order; a guest's int 13h
# write reaching the image file (disk and floppy) while xlat runs and staying
# there after SIGTERM and SIGINT (writes go to the file as the guest issues
# them).
# Usage: disk_test.sh XLAT_BINARY
set -u
XLAT=$1
T=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
fail=0

# expect NAME EXPECTED_STATUS STDERR_PATTERN STDOUT_PATTERN -- ARGS...
expect() {
  local name=$1 want=$2 errpat=$3 outpat=$4
  shift 5
  timeout -k 5 120 "$XLAT" "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$?
  local ok=1
  [ "$rc" = "$want" ] || ok=0
  [ -z "$errpat" ] || grep -qE -- "$errpat" "$T/err" || ok=0
  [ -z "$outpat" ] || grep -qE -- "$outpat" "$T/out" || ok=0
  if [ $ok = 1 ]; then
    echo "ok   $name"
  else
    echo "FAIL $name: status $rc (want $want)"
    echo "  stderr: $(head -c 400 "$T/err")"
    echo "  stdout: $(head -c 600 "$T/out")"
    fail=1
  fi
}

# An MBR that prints through int 10h and port 0xE9, then exits with 21.
cat >"$T/mbr.asm" <<'ASM'
bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov si, msg
.next:
  lodsb
  test al, al
  jz .done
  mov ah, 0x0e
  int 0x10
  out 0xe9, al
  jmp .next
.done:
  mov al, 21
  out 0xf4, al
msg: db "hello from the MBR", 10, 0
times 510-($-$$) db 0
dw 0xaa55
times 64*512-($-$$) db 0
ASM
# An MBR that writes "PERSIST!" into sector 5 with int 13h, tells port 0xE9,
# then waits forever with interrupts on.
cat >"$T/writer.asm" <<'ASM'
bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ax, 0x0301
  mov cx, 0x0006
  xor dh, dh
  mov bx, data
  int 0x13
  jc .bad
  mov al, 'W'
  out 0xe9, al
  mov al, 10
  out 0xe9, al
  sti
.idle:
  hlt
  jmp .idle
.bad:
  mov al, 1
  out 0xf4, al
data: db "PERSIST!"
times 510-($-$$) db 0
dw 0xaa55
times 64*512-($-$$) db 0
ASM
nasm -f bin -o "$T/mbr.img" "$T/mbr.asm" && nasm -f bin -o "$T/writer.asm.img" "$T/writer.asm" || { echo "nasm failed"; exit 1; }
head -c 1000 /dev/zero >"$T/odd.img"
head -c 4096 /dev/zero >"$T/small.iso"
head -c 1000 /dev/zero >"$T/odd.rom"
head -c 3000000 /dev/zero >"$T/big.img"
cp "$T/mbr.img" "$T/mbr.fd" && truncate -s 1474560 "$T/mbr.fd"

expect "missing image" 2 "nope.img': cannot open" "" -- -hda "$T/nope.img"
expect "image size not whole sectors" 2 "not a multiple of 512" "" -- -hda "$T/odd.img"
expect "CD image size" 2 "not a multiple of 2048" "" -- -cdrom "$T/odd.img"
expect "bad -bios size" 2 "multiple of 64 KiB" "" -- -bios "$T/odd.rom"
expect "missing -bios" 2 "cannot open" "" -- -bios "$T/nope.rom"
expect "bad -boot" 2 "not a boot order" "" -- -boot x -hda "$T/mbr.img"
expect "bad -drive" 2 "unsupported 'format=qcow2'" "" -- -drive file="$T/mbr.img",format=qcow2
expect "position twice" 2 "given twice" "" -- -hda "$T/mbr.img" -drive file="$T/mbr.img",index=0
if [ "$(id -u)" != 0 ]; then  # root can write anyway
  cp "$T/mbr.img" "$T/ro.img" && chmod 444 "$T/ro.img"
  expect "read-only file" 2 "readonly=on" "" -- -hda "$T/ro.img"
fi
expect "floppy image too big" 2 "not a floppy size" "" -- -fda "$T/big.img"
expect "floppy image not whole sectors" 2 "not a floppy size" "" -- -fda "$T/odd.img"
expect "floppy index" 2 "index must be 0-1 for if=floppy" "" -- -drive file="$T/mbr.fd",if=floppy,index=2
expect "floppy media" 2 "media=disk only" "" -- -drive file="$T/mbr.fd",if=floppy,media=cdrom
expect "floppy twice" 2 "floppy drive A is given twice" "" -- -fda "$T/mbr.fd" -drive file="$T/mbr.fd",if=floppy,index=0
expect "MBR from -fda" 43 "" "^hello from the MBR" -- -fda "$T/mbr.fd" -boot a
expect "MBR from -drive if=floppy" 43 "" "^hello from the MBR" -- -drive file="$T/mbr.fd",if=floppy,readonly=on -boot a
expect "-boot a with no floppy, then c" 43 "" "Boot failed: no such drive" -- -nographic -boot ac -hda "$T/mbr.img"
expect "MBR from -hda" 43 "" "^hello from the MBR" -- -hda "$T/mbr.img"
expect "MBR from -drive, read-only" 43 "" "^hello from the MBR" -- -drive file="$T/mbr.img",if=ide,media=disk,format=raw,readonly=on
expect "BIOS messages on COM1" 43 "" "Booting from Hard Disk" -- -nographic -hda "$T/mbr.img"
expect "-boot d then c" 43 "" "Booting from DVD/CD.*" -- -nographic -boot dc -hda "$T/mbr.img"

# Guest writes reach the file during the run and survive SIGTERM / SIGINT,
# on a hard disk and on a floppy (the same MBR: int 13h to the boot drive).
for media in hda fda; do
  for sig in TERM INT; do
    cp "$T/writer.asm.img" "$T/w.img"
    boot=c
    if [ $media = fda ]; then truncate -s 1474560 "$T/w.img"; boot=a; fi
    # (a background job of a script starts with SIGINT ignored: restore it)
    python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
      "$XLAT" -$media "$T/w.img" -boot $boot >"$T/wout" 2>"$T/werr" </dev/null &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 600); do grep -q W "$T/wout" && break; sleep 0.1; done
    kill -"$sig" "$pid"
    wait "$pid"
    if grep -q W "$T/wout" && [ "$(dd if="$T/w.img" bs=1 skip=$((5 * 512)) count=8 2>/dev/null)" = "PERSIST!" ]; then
      echo "ok   $media write survives SIG$sig"
    else
      echo "FAIL $media write survives SIG$sig: stdout '$(cat "$T/wout")' stderr '$(head -c 300 "$T/werr")'"
      fail=1
    fi
  done
done
exit $fail
