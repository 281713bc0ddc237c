/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading SafeNet's hardware-feature objects (common/p11/etoken.h): the token's
 * own retry counter and its own password policy.  Each read opens a
 * read-only session of its own, so it never disturbs a search or an
 * operation the application has going on its sessions.
 */
#ifndef HKP11_ETOKEN_OBJECTS_H
#define HKP11_ETOKEN_OBJECTS_H

#include "p11/p11.h"
#include "policy/pin-policy.h"

#include <stdbool.h>

typedef enum {
	HKP11_ETOKEN_FOUND,  /* read */
	HKP11_ETOKEN_ABSENT, /* the token has no such object or attribute */
	HKP11_ETOKEN_FAILED, /* could not ask (no session, device error): try later */
} hkp11_etoken_result;

/* User PIN tries left and the maximum, from ETCKH_TOKEN_OBJECT. */
hkp11_etoken_result hkp11_etoken_read_retries (const CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot,
					       unsigned long *left, unsigned long *max);

/* The token's password policy from ETCKH_PIN_POLICY, as rules to merge. */
hkp11_etoken_result hkp11_etoken_read_pin_policy (const CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot,
						  hkp11_pin_rules *rules);

#endif
