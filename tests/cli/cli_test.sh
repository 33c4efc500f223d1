#!/usr/bin/env bash
# Behaviour of the xlat command line: clear errors with exit status 2 for bad
# input, the debug console and the debug-exit status for good input.
# Usage: cli_test.sh XLAT_BINARY
set -u
XLAT=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

# expect NAME EXPECTED_STATUS STDERR_PATTERN STDOUT_PATTERN -- ARGS...
expect() {
  local name=$1 want=$2 errpat=$3 outpat=$4
  shift 5
  "$XLAT" "$@" >"$T/out" 2>"$T/err" </dev/null
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
    echo "  stdout: $(head -c 400 "$T/out")"
    fail=1
  fi
}

printf 'hello' >"$T/notmb.bin"
cat >"$T/hello.asm" <<'ASM'
bits 16
org 0x7c00
  mov si, msg
.next:
  lodsb
  test al, al
  jz .done
  out 0xe9, al
  jmp .next
.done:
  mov al, 21
  out 0xf4, al
msg: db "hello from real mode", 10, 0
ASM
nasm -f bin -o "$T/hello.bin" "$T/hello.asm" || { echo "nasm failed"; exit 1; }
printf '\xfa\xf4' >"$T/clihlt.bin"   # cli; hlt

expect "unknown option" 2 "unknown option '-frobnicate'" "" -- -frobnicate
expect "missing argument" 2 "needs an argument" "" -- -kernel
expect "no program: the BIOS finds nothing to boot" 0 "halted" "No bootable device" -- -nographic
expect "kernel and flat" 2 "at most one of" "" -- -kernel "$T/notmb.bin" -flat "$T/hello.bin"
expect "missing file" 2 "cannot open '$T/nope.elf'" "" -- -kernel "$T/nope.elf"
expect "not multiboot" 2 "is not a Linux bzImage or a multiboot kernel" "" -- -kernel "$T/notmb.bin"
expect "bad memory size" 2 "-m: 'lots' is not a number" "" -- -m lots -flat "$T/hello.bin"
expect "memory out of range" 2 "out of range" "" -- -m 0 -flat "$T/hello.bin"
expect "unknown engine" 2 "unknown engine 'warp'" "" -- -engine warp -flat "$T/hello.bin"
expect "help" 0 "" "usage: xlat" -- -help
expect "unknown display" 2 "unknown display 'sdl'" "" -- -display sdl -flat "$T/hello.bin"
expect "display and nographic" 2 "exclude each other" "" -- -display curses -nographic -flat "$T/hello.bin"
expect "display and serial stdio" 2 "both use this terminal" "" -- -display curses -serial stdio -flat "$T/hello.bin"
expect "display none runs headless" 43 "" "^hello from real mode$" -- -display none -flat "$T/hello.bin"
expect "flat program and debug exit" 43 "" "^hello from real mode$" -- -flat "$T/hello.bin"
expect "out_asm shows the host code of each block" 43 "^0x[0-9a-f]{12}:  .*r1[45]" "^hello from real mode$" -- -d in_asm,out_asm -flat "$T/hello.bin"
expect "out_asm block header" 43 "^OUT: 0000:00007c00 \([0-9]+ bytes at host" "" -- -d out_asm -flat "$T/hello.bin"
expect "halt with interrupts off" 0 "halted with interrupts disabled" "" -- -flat "$T/clihlt.bin"
exit $fail
