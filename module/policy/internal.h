/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the PIN policy layer's files share; nothing outside module/policy/
 * includes it.
 *
 *   layer.c  life cycle, the settings, C_GetTokenInfo's minimum length;
 *   check.c  a new user PIN (C_SetPIN, C_InitPIN) against the rules;
 *   weak.c   a weak PIN in use, noted once per token after a login.
 *
 * The check itself is pure: common/policy/pin-policy.h.
 */
#ifndef HKP11_POLICY_INTERNAL_H
#define HKP11_POLICY_INTERNAL_H

#include "core/events.h"
#include "core/sessions.h"
#include "p11/p11.h"
#include "policy/pin-policy.h"
#include "settings/policy.h"
#include "token/token-id.h"

#include <stdbool.h>

/* The settings as start() found them (common/settings/policy.c): they are
 * reset at C_Finalize while a late call may still be returning. */
extern hkp11_policy_settings policy_now;
extern CK_FUNCTION_LIST_3_0 policy_below;

/* The rules for the token in slot, and its identity for messages. */
void rules_for_slot (CK_SLOT_ID slot, hkp11_pin_rules *rules, hkp11_token_id *id);

void weak_start (void);
void weak_stop (void);

#define POLICY_DECLARE(kind, name, params, args) CK_RV policy_##name params;
HKP11_FUNCTIONS_2_40 (POLICY_DECLARE)
HKP11_FUNCTIONS_3_0 (POLICY_DECLARE)
#undef POLICY_DECLARE

#endif
