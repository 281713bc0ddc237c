#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# PIN policy with a real client: pkcs11-tool --change-pin through hkpost-p11
# over a SoftHSM token that has the 8-digit envelope PIN.  A weak new PIN is
# refused before the token sees it, the token keeps its PIN and no try is
# spent; a strong one is accepted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/lockout/common.sh"
test_begin
skip_unless_tool pkcs11-tool script
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken
STRONG='Hk-Post-2024!'

# Clients learn the minimum length from the token info.
p11 list --module "$HKP11_SHIM" -L
expect_rc "-L through the shim" 0
expect_grep "the minimum PIN length shown is pin-min-length" 'pin min/max +: 8/' list

# Weak new PINs: refused with the reason, the right code, no try spent.
p11 weak --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin 1234abcd
expect_fails "a new PIN without upper case and special character is refused"
expect_grep "it is refused as CKR_PIN_INVALID" 'CKR_PIN_INVALID' weak.err
expect_grep "stderr says why" 'the new PIN lacks an upper-case letter and a special character' weak.err
expect_grep "stderr says the token was spared" 'no try was spent' weak.err

p11 short --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin 'Ab1!'
expect_fails "a 4-character new PIN is refused"
expect_grep "it is refused as CKR_PIN_LEN_RANGE" 'CKR_PIN_LEN_RANGE' short.err
expect_grep "stderr gives the lengths" 'has 4 characters, at least 8 are required' short.err

# (pkcs11-tool logs in with the old PIN before C_SetPIN, so a wrong old PIN
# is spent on C_Login here; that a refused change never asks the token, even
# with a wrong old PIN, is checked in tests/test-lockout.c.)
"$TOKEN_FLAGS" "$HKP11_SHIM" eToken >flags.out
expect_grep "the refusals left the count alone" '^count-low=0 ' flags.out

# The token still has the envelope PIN: SoftHSM itself says so.
p11 direct --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "the token still takes the envelope PIN" 0

# Logging in with the envelope PIN works through the shim; on a terminal
# the user is told, once, that it is weak.
p11_tty weakuse --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "the envelope PIN still opens the token through the shim" 0
expect_grep "the terminal says the PIN in use is weak" "hkpost-p11: the PIN of token 'eToken' .* is weak" weakuse

# A strong PIN goes through.
p11 strong --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin "$STRONG"
expect_rc "a strong new PIN is accepted" 0
expect_grep "pkcs11-tool reports the change" 'PIN successfully changed' strong strong.err
p11 newpin --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$STRONG" -O
expect_rc "the token takes the new PIN" 0
p11 oldpin --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_fails "the token no longer takes the envelope PIN"

expect_no_pin "no PIN in any file the test or the shim wrote" "$HKP11_PIN" "$HKP11_SO_PIN" "$STRONG" 1234abcd
