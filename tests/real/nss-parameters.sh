#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# NSS module parameters, which NSS passes to C_Initialize in pReserved: an
# NSS client (nss-load.py, through libnss3 as Firefox loads a module spec)
# loads the module with good parameters, then with parameters longer than
# the documented limit: the module refuses them with a message and the
# client goes on.  The parameters= line of a database's pkcs11.txt reaches
# the module the same way (modutil -list).
. "$top_srcdir/tests/real/common.sh"
real_begin nss-parameters
need modutil certutil softhsm2-util python3

token_new
limit=$(sed -n 's/^#define HKP11_INIT_RESERVED_MAX \([0-9]*\)$/\1/p' "$top_srcdir/common/settings/conf.h")
[ -n "$limit" ] || fail "no HKP11_INIT_RESERVED_MAX in common/settings/conf.h"

# nss_load NAME PARAMETERS: the client's output in $work/NAME.txt, its
# stderr (the module's messages) in $work/NAME.err.
nss_load () {
	printf '%s\n' "$2" >"$work/$1.params"
	rc=0
	timeout "$T" python3 "$top_srcdir/tests/real/nss-load.py" "$MODULE" "$work/$1.params" \
		>"$work/$1.txt" 2>"$work/$1.err" || rc=$?
	[ $rc -eq 0 ] || { show "$work/$1.txt"; show "$work/$1.err"; fail "the NSS client ended with exit $rc ($1)"; }
}

nss_load good "labels: off; audit: off"
grep -q '^loaded [1-9][0-9]* slots$' "$work/good.txt" || { show "$work/good.txt"; show "$work/good.err"; fail "good parameters: not loaded"; }
ok "an NSS client loads the module with parameters \"labels: off; audit: off\": $(cat "$work/good.txt")"

# Comments, 64 bytes an item, to one byte past the limit: every item is
# fine, only the length is not.
long=$(awk -v n="$limit" 'BEGIN { s = ""; while (length(s) <= n) s = s "# an item of settings that is only a comment, 64 bytes long..;"; print s }')
[ ${#long} -gt "$limit" ] || fail "the long parameters are not long enough"
nss_load long "$long"
grep -q '^not loaded$' "$work/long.txt" || { show "$work/long.txt"; fail "over-long parameters: the module was loaded"; }
grep -q "^hkpost-p11: C_Initialize pReserved: not a settings string of at most $limit bytes: it is longer" "$work/long.err" ||
	{ show "$work/long.err"; fail "over-long parameters: no message naming C_Initialize pReserved and the limit"; }
ok "parameters of ${#long} bytes are refused, the client goes on: $(head -n 1 "$work/long.err")"

# The limit itself is fine.
atlimit=$(printf '%s' "$long" | cut -c "1-$limit")
nss_load atlimit "$atlimit"
grep -q '^loaded [1-9][0-9]* slots$' "$work/atlimit.txt" || { show "$work/atlimit.txt"; show "$work/atlimit.err"; fail "parameters of exactly $limit bytes: not loaded"; }
ok "parameters of exactly $limit bytes are taken"

# A database's pkcs11.txt: parameters= of the module's entry.
db=$work/nssdb
nss_db "$db"
awk '{ print } /^name=hkpost-p11$/ { print "parameters=no-such-key: 1" }' "$db/pkcs11.txt" >"$db/pkcs11.new"
mv "$db/pkcs11.new" "$db/pkcs11.txt"
grep -q '^parameters=no-such-key: 1$' "$db/pkcs11.txt" || { show "$db/pkcs11.txt"; fail "no parameters= line written"; }
modutil -list hkpost-p11 -dbdir "sql:$db" >"$work/list.txt" 2>"$work/list.err" || :
grep -q "C_Initialize pReserved, item 1: unknown key 'no-such-key'" "$work/list.err" ||
	{ show "$work/list.txt"; show "$work/list.err"; fail "modutil -list: no message about the parameters"; }
if grep -q 'Token Name: eToken' "$work/list.txt"; then
	show "$work/list.txt"
	fail "the module was loaded despite bad parameters"
fi
ok "pkcs11.txt parameters= reach the module: modutil -list shows its refusal"
real_end
