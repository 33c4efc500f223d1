#!/usr/bin/env bash
# -lockstep from the command line: a difference injected into one engine
# (XLAT_LOCKSTEP_INJECT) is caught at the block where it appears and
# reported with the register, the block and its instructions (exit 3); bad
# combinations are usage errors; a guest's disk writes reach the image file
# exactly as without lockstep (the shadow machine keeps its own in memory).
# Usage: lockstep_test.sh XLAT_BINARY METAL_DIR
set -u
XLAT=$1
METAL=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() {  # check NAME CONDITION-STATUS
  if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1"; echo "  stderr: $(head -c 1500 "$T/err")"; fail=1; fi
}

# 1. The same program agrees without injection, and differs with it.
timeout -k 5 120 "$XLAT" -no-reboot -lockstep -flat "$METAL/paging.bin" >"$T/out" 2>"$T/err" </dev/null
rc=$?
[ $rc = 1 ] && grep -q "lockstep: jit and interp agreed on [0-9]* blocks" "$T/err"
check "paging.bin agrees (status $rc)" $?

XLAT_LOCKSTEP_INJECT=1000:ebx timeout -k 5 120 "$XLAT" -no-reboot -lockstep -flat "$METAL/paging.bin" \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
ok=0
[ $rc = 3 ] || ok=1
grep -qE "lockstep: jit and interp differ after block [0-9]+ \(instructions [0-9]+\.\.[0-9]+\)" "$T/err" || ok=1
grep -qE "^  block 0008:[0-9a-f]{8} \(linear [0-9a-f]{8}, physical [0-9a-f]{9}\), 32-bit" "$T/err" || ok=1
grep -qE "^    [0-9a-f]{8}: [a-z]+" "$T/err" || ok=1                       # its instructions
grep -qE "^  EBX +[0-9a-f]+ +[0-9a-f]+$" "$T/err" || ok=1                 # the register, both values
[ "$(grep -cE '^  (E[A-Z]{2}|EIP|EFLAGS|icount) ' "$T/err")" = 1 ] || ok=1  # and nothing else
check "an injected EBX difference is reported at its block (status $rc)" $ok

# 2. Usage errors.
"$XLAT" -lockstep -s -flat "$METAL/paging.bin" >"$T/out" 2>"$T/err" </dev/null
[ $? = 2 ] && grep -q "cannot be combined" "$T/err"
check "-lockstep with -s is a usage error" $?
XLAT_LOCKSTEP_INJECT=bogus "$XLAT" -lockstep -flat "$METAL/paging.bin" >"$T/out" 2>"$T/err" </dev/null
[ $? = 2 ] && grep -q "XLAT_LOCKSTEP_INJECT" "$T/err"
check "a malformed XLAT_LOCKSTEP_INJECT is a usage error" $?

# 3. Disk writes: bios_disk writes LBAs 1000 and 1001 through int 13h. The
# image after a lockstep run equals the image after a plain run.
for mode in plain lockstep; do
  cp "$METAL/bios_disk.bin" "$T/$mode.img"
  flag=-engine; val=jit
  [ $mode = lockstep ] && flag=-lockstep && val=
  timeout -k 5 120 "$XLAT" -no-reboot $flag $val -hda "$T/$mode.img" >"$T/out" 2>"$T/err" </dev/null
  [ $? = 1 ] && grep -q "write ok ok" "$T/out"
  check "bios_disk.bin from -hda, $mode" $?
done
cmp -s "$T/plain.img" "$T/lockstep.img" && ! cmp -s "$T/plain.img" "$METAL/bios_disk.bin"
check "the image written under -lockstep equals the one written without it (and was written)" $?

exit $fail
