/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PIN policy layer: a new user PIN that is too weak never reaches the
 * token, so a refusal costs no try.
 *
 * It checks C_SetPIN (the user's own PIN, not the SO's) and C_InitPIN
 * against pin-min-length, pin-max-length (else the token's ulMaxPinLen),
 * pin-require and whatever stricter rules a SafeNet token carries in its
 * ETCKH_PIN_POLICY object.  A length failure answers CKR_PIN_LEN_RANGE, any
 * other CKR_PIN_INVALID.  Logging in is not a change: the 8-digit envelope
 * PIN still opens the token, and the layer only notes once per token and
 * process that a weak PIN is in use.  C_GetTokenInfo reports ulMinPinLen
 * as at least pin-min-length, so that clients check before they ask.
 * The settings are common/settings/policy.c's.
 *
 * What it reports says nothing of a PIN but the names of the rules it
 * breaks (too-short, missing-class, ...): the audit log, syslog and a
 * stderr that is no terminal get those only.  How the PIN falls short (its
 * length, the kinds of character it lacks) goes to a terminal alone.
 *
 * This file is the layer's life cycle; check.c checks a new PIN, weak.c
 * notes a weak PIN in use.
 */
#include "config.h"
#include "internal.h"
#include "core/layer.h"

hkp11_policy_settings policy_now;
CK_FUNCTION_LIST_3_0 policy_below;

CK_RV
policy_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = policy_below.C_GetTokenInfo (slotID, pInfo);
	/* Clients check the length before asking the token (NSS does). */
	if (rv == CKR_OK && (pInfo->ulMinPinLen == CK_UNAVAILABLE_INFORMATION ||
			     pInfo->ulMinPinLen < policy_now.min_length))
		pInfo->ulMinPinLen = policy_now.min_length;
	return rv;
}

static bool
policy_enabled (void)
{
	return hkp11_policy_conf.mode != HKP11_PIN_MODE_OFF;
}

static CK_RV
policy_start (void)
{
	policy_now = hkp11_policy_conf;
	weak_start ();
	return CKR_OK;
}

static void
policy_stop (void)
{
	weak_stop ();
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetTokenInfo = policy_C_GetTokenInfo,
	.C_InitPIN = policy_C_InitPIN,
	.C_SetPIN = policy_C_SetPIN,
	.C_Login = policy_C_Login,
	.C_LoginUser = policy_C_LoginUser,
};

hkp11_layer hkp11_policy_layer = {
	.name = "policy",
	.wraps = &wraps,
	.below = &policy_below,
	.options = &hkp11_policy_group,
	.enabled = policy_enabled,
	.start = policy_start,
	.stop = policy_stop,
};
