#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Settings that cannot work, through the tool and the module: a relative
# state-dir and a pin-max-length below pin-min-length are refused with
# file, line and key; `status` lists them as a problem and the module does
# not start.  A state-dir that exists and is open to others (a home
# directory) is never chmod'ed nor written: the counts stay in memory and
# status says why.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool python3
require_cli
mock_setup

# ---- refused settings ---------------------------------------------------
printf '# counts\nstate-dir: relstate\n' >"$HKP11_TMP/relative.conf"
HKPOST_P11_CONF=$HKP11_TMP/relative.conf cli relative status
expect_rc "status with a relative state-dir exits 2" 2
expect_grep "it names the file, the line and the key" \
	"relative.conf, line 2: bad value for key 'state-dir': expected an absolute path \(found \"relstate\"\)" relative
[ ! -e relstate ] || fail "a relative state-dir was created in the working directory"
ok "nothing was created in the working directory"

printf 'pin-min-length: 10\nlabels: off\npin-max-length: 8\n' >"$HKP11_TMP/lengths.conf"
HKPOST_P11_CONF=$HKP11_TMP/lengths.conf cli lengths status
expect_rc "status with pin-max-length below pin-min-length exits 2" 2
expect_grep "it names the file, the line, the key and the other key's line" \
	"lengths.conf, line 3: key 'pin-max-length' contradicts 'pin-min-length' \($HKP11_TMP/lengths.conf, line 1\): pin-max-length 8 is below pin-min-length 10" lengths
HKPOST_P11_CONF=$HKP11_TMP/lengths.conf cli lengthsj status --json
expect_rc "status --json exits 2 too" 2
json_check lengthsj '
p = d["problems"][0]
check(p["code"] == "config", "the problem is config")
check("pin-max-length" in p["message"] and "line 3" in p["message"], "naming the key and its line")
'
HKPOST_P11_CONF=$HKP11_TMP/lengths.conf cli_in lengthscheck 'Hk-Post-2024!
' check-pin --pin-stdin
expect_rc "check-pin does not judge by an unworkable policy" 2

# The module itself does not start: C_Initialize fails with the message.
cat >"$HKP11_TMP/init.py" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
fl = ctypes.POINTER(ctypes.c_void_p)()
assert lib.C_GetFunctionList(ctypes.byref(fl)) == 0
init = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)(fl[1])
print("C_Initialize: 0x%x" % init(None))
PY
HKPOST_P11_CONF=$HKP11_TMP/lengths.conf run init python3 "$HKP11_TMP/init.py" "$HKP11_SHIM"
expect_grep "C_Initialize fails (CKR_GENERAL_ERROR)" '^C_Initialize: 0x5$' init
expect_grep "with the message naming file, line and key" \
	"^hkpost-p11: $HKP11_TMP/lengths.conf, line 3: key 'pin-max-length' contradicts" init.err

# ---- a state-dir open to others -----------------------------------------
home=$HKP11_TMP/holder
mkdir -p "$home"
chmod 755 "$home"
echo 'notes' >"$home/notes.txt"
printf 'state-dir: %s\n' "$home" >"$HKP11_TMP/home.conf"
HKPOST_P11_CONF=$HKP11_TMP/home.conf "$CLI" change-pin --pin-stdin >wrong 2>wrong.err <<EOF || :
98765432
Tai#Man2025

# ---- a state-dir open to others -----------------------------------------
home=$HKP11_TMP/holder
mkdir -p "$home"
chmod 755 "$home"
echo 'notes' >"$home/notes.txt"
printf 'state-dir: %s\n' "$home" >"$HKP11_TMP/home.conf"
HKPOST_P11_CONF=$HKP11_TMP/home.conf "$CLI" change-pin --pin-stdin >wrong 2>wrong.err <<EOF || :
98765432
Tai#Man2025
EOF
expect_tries "a wrong password reached the token" 14
[ "$(stat -c %a "$home")" = 755 ] || fail "state-dir $home was changed to mode $(stat -c %a "$home")"
ok "the existing state-dir keeps its mode 755"
[ "$(ls -A "$home")" = notes.txt ] || { ls -la "$home" >&2; fail "files were written into $home"; }
ok "nothing was written into it"
HKPOST_P11_CONF=$HKP11_TMP/home.conf cli homestatus status
expect_rc "status exits 0: the count is kept, in memory" 0
expect_grep "status says the directory is open to others and is not used" \
	"the lockout state directory $home is open to others \(mode 755\), and hkpost-p11 changes only directories it created" homestatus
expect_grep "and what to do" 'name a new directory in state-dir, or run chmod 700 on this one' homestatus
[ "$(stat -c %a "$home")" = 755 ] || fail "status changed $home"

# A directory the module creates is private.
printf 'state-dir: %s/new/counts\n' "$HKP11_TMP" >"$HKP11_TMP/new.conf"
HKPOST_P11_CONF=$HKP11_TMP/new.conf "$CLI" change-pin --pin-stdin >wrong2 2>wrong2.err <<EOF || :
98765433
Tai#Man2025
EOF
expect_tries "another wrong password reached the token" 13
[ "$(stat -c %a "$HKP11_TMP/new/counts")" = 700 ] && [ "$(stat -c %a "$HKP11_TMP/new")" = 700 ] ||
	fail "the directories the module created are not 0700"
ok "the state-dir the module created, and its parent, are 0700"
ls "$HKP11_TMP/new/counts"/*.state >/dev/null 2>&1 || fail "no count was written into the new state-dir"
ok "the count is written there"
