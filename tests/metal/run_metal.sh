#!/usr/bin/env bash
# run_metal.sh XLAT PROGRAM SOURCE ENGINE
#
# ENGINE "lockstep" runs `-lockstep` (the translator and the interpreter on
# two machines, compared after every block) and also expects its verdict
# "lockstep: jit and interp agreed" on stderr.
#
# Runs one bare-metal test program under xlat and checks it against the
# expectations written in the header of its source file:
#
#   ; EXPECT-OUTPUT: text   stdout must contain a line equal to `text`
#                           (trailing blanks and CR ignored); several such
#                           lines must appear in this order, other lines
#                           may come between them
#   ; EXPECT-STDERR: text   stderr must contain a line containing `text`
#                           (substring: the emulator's message format is
#                           not ours); several in order
#   ; EXPECT-EXIT: n        the exit status (required). Port 0xF4 <- V
#                           exits with (V << 1) | 1, so success is 1
#   ; XLAT-ARGS: args       extra xlat arguments (e.g. -m 16)
#   ; XLAT-LOAD: flat|kernel  -flat FILE (default) or -kernel FILE
#   ; XLAT-LOAD: hda|cdrom|fda  boot xlat's BIOS from a copy of the program
#                           as a hard-disk, CD or floppy image (-hda/-cdrom/-fda)
#
# The header is the leading block of comment (';') and blank lines.
# The run is bounded by `timeout 120`, a guard against hangs only, not a
# performance check.
#
# How the programs were validated (kept out of ctest on purpose):
# every program was run with this same script under QEMU 7.2
# (qemu-system-i386, SeaBIOS booting a 1.44 MB floppy image for flat
# programs, QEMU's own multiboot loader for -kernel), through
# tests/metal/qemu_as_xlat.sh, which accepts xlat's command line; run
# them all with tests/metal/validate_qemu.sh. Under QEMU the triple-fault
# line on stderr comes from QEMU's `-d cpu_reset` log ("Triple fault"),
# which the wrapper reports as "triple fault" the way xlat does.

set -u

if [ $# -ne 4 ]; then
    echo "usage: $0 XLAT PROGRAM SOURCE ENGINE" >&2
    exit 2
fi
xlat=$1
prog=$2
src=$3
engine=$4
name=$(basename "$src" .asm)

for f in "$prog" "$src"; do
    if [ ! -r "$f" ]; then
        echo "run_metal: cannot read $f" >&2
        exit 2
    fi
done

# ------------------------------------------------------------ parse header
expect_out=()
expect_err=()
expect_exit=
args=()
load=flat
while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*$ ]] && continue   # blank line
    [[ $line == ';'* ]] || break                # end of the header block
    body=${line#;}
    body=${body#"${body%%[![:space:]]*}"}      # strip leading blanks
    key=${body%%:*}
    [ "$key" = "$body" ] && continue            # no colon: plain comment
    val=${body#*:}
    val=${val#"${val%%[![:space:]]*}"}
    val=${val%"${val##*[![:space:]]}"}          # strip trailing blanks
    case $key in
        EXPECT-OUTPUT) expect_out+=("$val") ;;
        EXPECT-STDERR) expect_err+=("$val") ;;
        EXPECT-EXIT) expect_exit=$val ;;
        XLAT-ARGS) read -r -a more <<<"$val"; args+=("${more[@]}") ;;
        XLAT-LOAD) load=$val ;;
    esac
done <"$src"

if [ -z "$expect_exit" ]; then
    echo "run_metal: $src has no '; EXPECT-EXIT:' line in its header" >&2
    exit 2
fi
case $load in
    flat) loadflag=-flat ;;
    kernel) loadflag=-kernel ;;
    hda) loadflag=-hda ;;
    cdrom) loadflag=-cdrom ;;
    fda) loadflag=-fda; args+=(-boot a) ;;
    *) echo "run_metal: bad XLAT-LOAD '$load' in $src" >&2; exit 2 ;;
esac

# ------------------------------------------------------------ run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/metal.$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ "$load" = hda ] || [ "$load" = cdrom ] || [ "$load" = fda ]; then
    cp "$prog" "$tmp/disk.img"   # the guest may write to its disk
    prog=$tmp/disk.img
fi
if [ "$engine" = lockstep ]; then
    cmd=("$xlat" -no-reboot -lockstep "${args[@]}" "$loadflag" "$prog")
else
    cmd=("$xlat" -no-reboot -engine "$engine" "${args[@]}" "$loadflag" "$prog")
fi
timeout -k 10 120 "${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
status=$?

# ------------------------------------------------------------ check
fail=0
stdout_bad=0
problems=()

if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    problems+=("hang: no exit within 120 s (timeout status $status)")
    fail=1
elif [ "$status" != "$expect_exit" ]; then
    msg="exit status $status, expected $expect_exit"
    if [ "$status" -ge 3 ] && [ $((status & 1)) -eq 1 ]; then
        msg+=" (the program wrote failure code $(( (status - 1) / 2 )) to port 0xF4)"
    fi
    problems+=("$msg")
    fail=1
fi

# match_in_order MODE FILE EXPECTED...: MODE is line (whole line) or sub
# (substring). Prints the first expectation not found, in order.
match_in_order() {
    local mode=$1 file=$2
    shift 2
    local -a lines=()
    mapfile -t lines <"$file"
    local i=0 n=${#lines[@]} want l
    for want in "$@"; do
        local found=0
        while [ "$i" -lt "$n" ]; do
            l=${lines[$i]%$'\r'}
            l=${l%"${l##*[![:space:]]}"}
            i=$((i + 1))
            if [ "$mode" = line ] && [ "$l" = "$want" ]; then found=1; break; fi
            if [ "$mode" = sub ] && [[ $l == *"$want"* ]]; then found=1; break; fi
        done
        if [ "$found" -eq 0 ]; then
            printf '%s\n' "$want"
            return 1
        fi
    done
    return 0
}

if [ ${#expect_out[@]} -gt 0 ]; then
    if ! missing=$(match_in_order line "$tmp/stdout" "${expect_out[@]}"); then
        problems+=("stdout: expected line not found (in order): '$missing'")
        fail=1
        stdout_bad=1
    fi
fi
if [ "$engine" = lockstep ] && ! grep -q "lockstep: jit and interp agreed on" "$tmp/stderr"; then
    problems+=("no 'lockstep: jit and interp agreed on' verdict on stderr")
    fail=1
fi
if [ ${#expect_err[@]} -gt 0 ]; then
    if ! missing=$(match_in_order sub "$tmp/stderr" "${expect_err[@]}"); then
        problems+=("stderr: expected text not found (in order): '$missing'")
        fail=1
    fi
fi

if [ "$fail" -eq 0 ]; then
    echo "PASS metal.$name.$engine (exit $status)"
    exit 0
fi

echo "FAIL metal.$name.$engine"
echo "command: ${cmd[*]}"
for p in "${problems[@]}"; do
    echo "  - $p"
done
if [ "$stdout_bad" -eq 1 ]; then
    printf '%s\n' "${expect_out[@]}" >"$tmp/expected"
    tr -d '\r' <"$tmp/stdout" | sed 's/[[:space:]]*$//' >"$tmp/actual"
    echo "---- diff: expected stdout lines vs actual stdout ----"
    diff -u --label expected --label actual "$tmp/expected" "$tmp/actual" | head -n 200
fi
echo "---- stdout (first 100 lines) ----"
head -n 100 "$tmp/stdout"
echo "---- stderr (first 100 lines) ----"
head -n 100 "$tmp/stderr"
if [ ${#expect_err[@]} -gt 0 ]; then
    echo "---- expected stderr text (in order) ----"
    printf '%s\n' "${expect_err[@]}"
fi
exit 1
