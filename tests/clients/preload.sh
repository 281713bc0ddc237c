#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# SoftHSM preloaded into the client (LD_PRELOAD, the usual cure for its
# crash at exit): pkcs11-tool through hkpost-p11 over SoftHSM still works,
# although SoftHSM's C_GetFunctionList now interposes the shim's own; and
# the shim named as its own backend is still refused.  The same with a
# host that opens SoftHSM RTLD_GLOBAL first is tests/test-backend-self.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken

preloaded () { LD_PRELOAD=$SOFTHSM2_MODULE pkcs11-tool --module "$HKP11_SHIM" "$@"; }

run list preloaded -L
expect_grep "with SoftHSM preloaded, pkcs11-tool -L through the shim lists the token" \
	'token label +: eToken$' list
expect_no_grep "and no message says the backend is hkpost-p11" 'hkpost-p11' list.err

run objects preloaded --token-label eToken --login --pin "$HKP11_PIN" --list-objects
ok "a login through the shim reaches SoftHSM"

rc=0
HKPOST_P11_BACKEND=$HKP11_SHIM preloaded -L >self 2>self.err || rc=$?
[ "$rc" -ne 0 ] || { show self self.err; fail "the shim as its own backend was accepted"; }
expect_grep "the shim as its own backend is still refused, SoftHSM preloaded" \
	"backend $HKP11_SHIM \(from HKPOST_P11_BACKEND\) is hkpost-p11 itself" self.err
