/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lockout layer: no e-Cert token lost to its last wrong PIN.
 *
 * Tries left come from the token when it tells (SafeNet's ETCKA_RETRY_USER
 * on its ETCKH_TOKEN_OBJECT), else from the shim's own count of
 * CKR_PIN_INCORRECT answers, kept per token in the state store and shared
 * by every process of the user.  From lockout-warn tries left the user is
 * warned on every channel once a PIN went wrong: an event for the audit
 * log, a line on a terminal's stderr, syslog (audit-syslog), the token
 * flags, and the token label (the one text NSS shows in its password
 * dialog).  At lockout-guard tries left a user login or PIN change is refused with
 * CKR_PIN_LOCKED before the token is asked, until the user releases the
 * guard on purpose, for one try.  Where the shim counts, a count that has
 * run out makes the token read as locked, and every user login and PIN
 * change is refused so, whatever lockout-guard says: a right PIN on a
 * released try is the one way back.  A wrong PIN
 * already refused in this process in the last ten minutes is refused again
 * without asking the token: applications retry cached PINs.
 *
 * Only the user PIN is counted; SO logins and SO PIN changes pass.  The
 * settings are common/settings/lockout.c's.
 *
 * This file is the layer's life cycle; internal.h says where the rest is.
 */
#include "config.h"
#include "internal.h"
#include "core/layer.h"
#include "base/compat.h"
#include "base/message.h"

#include <pthread.h>

hkp11_lockout_settings lockout_now;
CK_FUNCTION_LIST_3_0 lockout_below;
pthread_mutex_t lockout_lock = PTHREAD_MUTEX_INITIALIZER;
bool lockout_label_here;

static bool
lockout_enabled (void)
{
	return hkp11_lockout_enabled (&hkp11_lockout_conf);
}

static CK_RV
lockout_start (void)
{
	/* In a forked child the parent's lock may be held by a thread that
	 * is gone, and its store with it: start from nothing. */
	pthread_mutex_init (&lockout_lock, NULL);
	lockout_now = hkp11_lockout_conf;
	lockout_now.state_dir = NULL; /* used here only */
	lockout_label_here =
		lockout_now.warn_label &&
		hkp11_program_listed (&lockout_now.label_programs, hkp11_program_name ());
	repeat_forget ();
	if (!tries_start (hkp11_lockout_conf.state_dir))
		return CKR_HOST_MEMORY;
	if (lockout_now.guard >= lockout_now.attempts)
		hkp11_message (HKP11_MSG_WARNING,
			       "lockout-guard (%u) is not below lockout-attempts (%u): every user "
			       "login to a token the shim counts for will be refused",
			       lockout_now.guard, lockout_now.attempts);
	repeat_start ();
	return CKR_OK;
}

static void
lockout_stop (void)
{
	pthread_mutex_lock (&lockout_lock);
	repeat_forget ();
	tries_forget (true);
	pthread_mutex_unlock (&lockout_lock);
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetTokenInfo = lockout_C_GetTokenInfo,
	.C_InitPIN = lockout_C_InitPIN,
	.C_SetPIN = lockout_C_SetPIN,
	.C_Login = lockout_C_Login,
	.C_LoginUser = lockout_C_LoginUser,
};

hkp11_layer hkp11_lockout_layer = {
	.name = "lockout",
	.wraps = &wraps,
	.below = &lockout_below,
	.options = &hkp11_lockout_group,
	.enabled = lockout_enabled,
	.start = lockout_start,
	.stop = lockout_stop,
};
