#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pkcs11-tool's own self-test (--test --login) through hkpost-p11: random,
# digests and RSA verification on a token with a signing key pair.
#
# The key may sign but not decrypt: SoftHSM 2.6 refuses the OAEP label that
# pkcs11-tool 0.23 tests decryption with, directly as through the shim, and
# an e-Cert's signing key is what matters here.  p11tool can mark a key
# sign-only; pkcs11-tool cannot.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool p11tool openssl
skip_unless_softhsm
require_shim

softhsm_setup
token_init selftest
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
GNUTLS_PIN=$HKP11_PIN
export GNUTLS_PIN
run load p11tool --provider "$SOFTHSM2_MODULE" --login --write "pkcs11:token=selftest" \
	--load-privkey key.pem --label signing --id 02 --mark-sign
run load p11tool --provider "$SOFTHSM2_MODULE" --login --write "pkcs11:token=selftest" \
	--load-pubkey pub.pem --label signing --id 02

run direct.test pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label selftest --test --login --pin "$HKP11_PIN"
run shim.test pkcs11-tool --module "$HKP11_SHIM" --token-label selftest --test --login --pin "$HKP11_PIN"
expect_grep "--test through the shim ends with no errors" '^No errors$' shim.test
expect_grep "--test through the shim verified RSA signatures" '^ +SHA1-RSA-PKCS: OK$' shim.test
expect_no_grep "--test through the shim reports no failure" 'ERR|[Ff]ailed|[Ee]rror:' shim.test shim.test.err
expect_same "--test through the shim says what it says directly" direct.test shim.test
