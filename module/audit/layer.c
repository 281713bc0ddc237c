/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit layer: who used the token for what, and with what result.
 *
 * It sits on top of the stack, so it sees every call as the application made
 * it and the final result, refusals by the layers below included; it also
 * records the security events those layers report (module/core/events.h).
 *
 * audit: security records C_Initialize and C_Finalize, logins and logouts,
 * PIN changes and token initialisation, every use of a private or secret key
 * (the sign, decrypt, wrap, unwrap, derive and key generation families, 3.0
 * message variants included) with the key's mechanism, label and id, and
 * every object created, changed or destroyed, and the end of a login
 * whose token was pulled out, when that is seen.  audit: calls adds every other
 * call with handles, mechanisms, attribute types, lengths, result and
 * duration, except those listed in audit-skip.  At the security level only
 * the security-relevant functions are wrapped: NSS's once-a-second polling
 * passes by at no cost.
 *
 * Never recorded: PINs (not even their length), data, signatures,
 * ciphertext, and attribute values other than class, key type, label and id.
 * A record has no field that could hold them (common/audit/format.h).
 *
 * This file is the layer's life cycle; internal.h says where the rest is.
 */
#include "config.h"
#include "internal.h"
#include "calls.h"
#include "audit/fields.h"
#include "core/events.h"
#include "core/layer.h"
#include "base/message.h"
#include "audit/peer-identity.h"
#include "core/shim.h"

#include <string.h>
#include <syslog.h>

/* audit, audit-format, audit-file, ...: common/settings/audit.c. */
static const hkp11_audit_settings *const settings = &hkp11_audit_conf;

CK_FUNCTION_LIST_3_0 audit_below;
audit_snapshot audit_now;

/* ---- What is wrapped at each level ------------------------------------- */

/* Every function of the API has its line in calls.h: one left out would
 * silently go unaudited, so it does not compile. */
#define LISTED(level, name, shape, args) listed_##name = 1,
enum { HKP11_AUDIT_CALLS (LISTED) };
#define CHECK_LISTED(kind, name, params, args) \
	_Static_assert(listed_##name, #name " has no line in module/audit/calls.h");
HKP11_FUNCTIONS_2_40 (CHECK_LISTED)
HKP11_FUNCTIONS_3_0 (CHECK_LISTED)

/* audit: security wraps the security level's lines only. */
#define SECURITY_FIELD(level, name, shape, args) SECURITY_FIELD_##level (name)
#define SECURITY_FIELD_security(name) .name = audit_##name,
#define SECURITY_FIELD_calls(name)
#define SECURITY_FIELD_none(name)
static const CK_FUNCTION_LIST_3_0 security_wraps = { HKP11_AUDIT_CALLS (SECURITY_FIELD) };

/* audit: calls wraps every line but the shim's own entry points. */
#define CALLS_FIELD(level, name, shape, args) CALLS_FIELD_##level (name)
#define CALLS_FIELD_security(name) .name = audit_##name,
#define CALLS_FIELD_calls(name) .name = audit_##name,
#define CALLS_FIELD_none(name)
static const CK_FUNCTION_LIST_3_0 calls_wraps = { HKP11_AUDIT_CALLS (CALLS_FIELD) };

/* ---- Events of other layers -------------------------------------------- */

static void
audit_event (const hkp11_event *e)
{
	static const char *const severities[] = { "info", "warning", "error" };
	static const int priorities[] = { LOG_NOTICE, LOG_WARNING, LOG_ERR };
	int sev = e->level >= HKP11_EVENT_INFO && e->level <= HKP11_EVENT_ERROR ? (int)e->level : 0;
	call c;
	c.sec = SEC_RECORD;
	memset (&c.rec, 0, sizeof c.rec);
	c.rec.kind = HKP11_AUDIT_KIND_EVENT;
	c.rec.event = e->name ? e->name : "event";
	c.rec.has_priority = true;
	c.rec.priority = priorities[sev];
	if (e->session != CK_INVALID_HANDLE) {
		c.rec.has_session = true;
		c.rec.session = e->session;
	}
	c.rec.has_slot = true;
	c.rec.slot = e->slot;
	/* From the cache only: the reporting layer is in the middle of a call. */
	if (token_serial (e->slot, c.serial)) {
		c.rec.token = c.serial;
		c.rec.token_len = sizeof c.serial;
	}
	arg_bytes (&c, HKP11_AUDIT_KEY (SEVERITY), HKP11_ARG_STRING, severities[sev], 0);
	if (e->function)
		arg_bytes (&c, HKP11_AUDIT_KEY (FUNCTION), HKP11_ARG_STRING, e->function, 0);
	if (e->tries_left >= 0)
		arg_num (&c, HKP11_AUDIT_KEY (TRIES_LEFT), HKP11_ARG_ULONG,
			 (CK_ULONG)e->tries_left);
	if (e->reasons)
		arg_bytes (&c, HKP11_AUDIT_KEY (REASONS), HKP11_ARG_STRING, e->reasons, 0);
	if (e->detail)
		arg_bytes (&c, HKP11_AUDIT_KEY (DETAIL), HKP11_ARG_TEXT, e->detail,
			   strlen (e->detail));
	c.rec.has_result = true;
	c.rec.result = e->result;
	hkp11_audit_log_write (&c.rec, true);
}

/* A login ended because its token was seen gone (core/sessions.h): one
 * record then, not when the program closes its dead session or ends. */
static void
audit_login_ended (CK_SLOT_ID slot, hkp11_login login, const char *function,
		   CK_SESSION_HANDLE session, CK_RV rv)
{
	call c;
	c.sec = SEC_RECORD;
	memset (&c.rec, 0, sizeof c.rec);
	c.rec.kind = HKP11_AUDIT_KIND_EVENT;
	c.rec.event = "login-ended";
	c.rec.has_priority = true;
	c.rec.priority = LOG_NOTICE;
	c.rec.has_slot = true;
	c.rec.slot = slot;
	if (session != CK_INVALID_HANDLE) {
		c.rec.has_session = true;
		c.rec.session = session;
	}
	/* The serial as last seen: the token is not there to ask. */
	if (token_serial (slot, c.serial)) {
		c.rec.token = c.serial;
		c.rec.token_len = sizeof c.serial;
	}
	arg_bytes (&c, HKP11_AUDIT_KEY (SEVERITY), HKP11_ARG_STRING, "info", 0);
	arg_bytes (&c, HKP11_AUDIT_KEY (FUNCTION), HKP11_ARG_STRING, function, 0);
	arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, hkp11_login_user_type (login));
	arg_bytes (&c, HKP11_AUDIT_KEY (REASONS), HKP11_ARG_STRING, "token-removed", 0);
	c.rec.has_result = true;
	c.rec.result = rv;
	hkp11_audit_log_write (&c.rec, true);
}

static void
arg_peer (call *c, const hkp11_peer *peer)
{
	if (peer->has_socket_peer) {
		arg_num (c, "peer_pid", HKP11_ARG_ULONG, (CK_ULONG)peer->pid);
		arg_num (c, "peer_uid", HKP11_ARG_ULONG, peer->uid);
		if (peer->user[0])
			arg_bytes (c, "peer_user", HKP11_ARG_TEXT, peer->user, strlen (peer->user));
		if (peer->program[0])
			arg_bytes (c, "peer_program", HKP11_ARG_TEXT, peer->program,
				   strlen (peer->program));
	}
	if (peer->ssh_connection[0])
		arg_bytes (c, "ssh_connection", HKP11_ARG_TEXT, peer->ssh_connection,
			   strlen (peer->ssh_connection));
}

/* ---- Life cycle ------------------------------------------------------- */

static bool
audit_enabled (void)
{
	return settings->level != HKP11_AUDIT_LEVEL_OFF;
}

/* At the security level only the security-relevant calls are wrapped:
 * NSS's once-a-second polling passes by at no cost. */
static const CK_FUNCTION_LIST_3_0 *
audit_wraps (void)
{
	return settings->level == HKP11_AUDIT_LEVEL_CALLS ? &calls_wraps : &security_wraps;
}

static CK_RV
audit_start (void)
{
	audit_now.level = settings->level;
	audit_now.deny = settings->failure == HKP11_AUDIT_DENY;
	audit_now.skip = settings->skip;
	tokens_reset ();

	hkp11_audit_options opts = {
		.format = (hkp11_audit_format)settings->format,
		.failure = audit_now.deny ? HKP11_AUDIT_DENY : HKP11_AUDIT_CONTINUE,
		.file = settings->file,
		.syslog = settings->syslog,
		.journald = settings->journald,
	};
	if (!hkp11_audit_log_open (&opts)) {
		hkp11_message (HKP11_MSG_ERROR, "audit log: libcrypto offers no SHA-256%s",
			       audit_now.deny
				       ? "; refusing to start unaudited (audit-failure: deny)"
				       : "");
		if (audit_now.deny)
			return CKR_FUNCTION_FAILED;
	}

	/* Who loaded the module: the identity fields of every record name
	 * the program, pid and uid; this one adds what it talks to. */
	call c;
	call_begin (&c, HKP11_FN_C_Initialize, SEC_RECORD);
	arg_bytes (&c, "backend", HKP11_ARG_STRING, hkp11_shim_backend_path (), 0);
	arg_bytes (&c, "module_version", HKP11_ARG_STRING, PACKAGE_VERSION, 0);
	arg_bytes (&c, "audit", HKP11_ARG_STRING, hkp11_audit_levels[audit_now.level], 0);
	/* Behind p11-kit's remoting: who is at the other end (peer-identity.h). */
	hkp11_peer peer;
	if (hkp11_peer_identify (&peer))
		arg_peer (&c, &peer);
	c.rec.has_result = true;
	c.rec.result = CKR_OK;
	hkp11_audit_log_write (&c.rec, true);

	hkp11_event_subscribe (audit_event);
	hkp11_sessions_watch_logins (audit_login_ended);
	return CKR_OK;
}

static void
audit_stop (void)
{
	hkp11_event_subscribe (NULL);
	hkp11_sessions_watch_logins (NULL);
	call c;
	call_begin (&c, HKP11_FN_C_Finalize, SEC_RECORD);
	/* A login still open ends here. */
	CK_SLOT_ID slot;
	hkp11_login login;
	if (hkp11_login_any (&slot, &login)) {
		c.rec.has_slot = true;
		c.rec.slot = slot;
		arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, hkp11_login_user_type (login));
	}
	hkp11_audit_log_write (&c.rec, true);
	hkp11_audit_log_close ();
	tokens_clear ();
}

hkp11_layer hkp11_audit_layer = {
	.name = "audit",
	.wraps = &security_wraps,
	.choose_wraps = audit_wraps,
	.below = &audit_below,
	.options = &hkp11_audit_group,
	.enabled = audit_enabled,
	.start = audit_start,
	.stop = audit_stop,
};
