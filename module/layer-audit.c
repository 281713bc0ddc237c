/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit layer: who used the token for what, and with what result.
 *
 * It sits on top of the stack, so it sees every call as the application made
 * it and the final result, refusals by the layers below included; it also
 * records the security events those layers report (module/events.h).
 *
 * audit: security records C_Initialize and C_Finalize, logins and logouts,
 * PIN changes and token initialisation, every use of a private or secret key
 * (the sign, decrypt, wrap, unwrap, derive and key generation families, 3.0
 * message variants included) with the key's mechanism, label and id, and
 * every object created, changed or destroyed.  audit: calls adds every other
 * call with handles, mechanisms, attribute types, lengths, result and
 * duration, except those listed in audit-skip.  At the security level only
 * the security-relevant functions are wrapped: NSS's once-a-second polling
 * passes by at no cost.
 *
 * Never recorded: PINs (not even their length), data, signatures,
 * ciphertext, and attribute values other than class, key type, label and id.
 * A record has no field that could hold them (common/audit-format.h).
 */
#include "config.h"
#include "audit-log.h"
#include "compat.h"
#include "constants.h"
#include "events.h"
#include "layer.h"
#include "message.h"
#include "peer-identity.h"
#include "settings-audit.h"
#include "shim.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* ---- Settings ----------------------------------------------------------- */

/* audit, audit-format, audit-file, ...: common/settings-audit.c. */
static const hkp11_audit_settings *const settings = &hkp11_audit_conf;

/* ---- State -------------------------------------------------------------- */

static CK_FUNCTION_LIST_3_0 below;
extern hkp11_layer hkp11_audit_layer;

/* Copied from the settings in start(): the settings are reset at C_Finalize
 * while a late call may still be returning. */
static int level;
static bool deny;
static hkp11_fn_set skip;

/*
 * Which slot each session belongs to, so that records name the slot and the
 * token without asking the backend on every call; and the serial number of
 * the token in each slot.  Guarded by table_lock, never held across a call
 * into the backend.
 */
#define SESSION_SLOTS 1024 /* a power of two */
#define TOKEN_SLOTS 16
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	CK_SESSION_HANDLE session; /* CK_INVALID_HANDLE: free */
	CK_SLOT_ID slot;
} sessions[SESSION_SLOTS];
static size_t n_sessions;
static struct {
	bool used;
	CK_SLOT_ID slot;
	unsigned char serial[16];
} tokens[TOKEN_SLOTS];
static unsigned int next_token;
/* Who is logged in on which slot, so that the end of a login is recorded
 * also when it comes without C_Logout: with the slot's last session. */
static struct {
	bool used;
	CK_SLOT_ID slot;
	CK_USER_TYPE user;
} logins[TOKEN_SLOTS];

static size_t
session_home (CK_SESSION_HANDLE h)
{
	return (size_t)((h * 0x9e3779b97f4a7c15ull) >> 32) & (SESSION_SLOTS - 1);
}

static void
session_add (CK_SESSION_HANDLE h, CK_SLOT_ID slot)
{
	if (h == CK_INVALID_HANDLE)
		return;
	pthread_mutex_lock (&table_lock);
	size_t i = session_home (h);
	while (sessions[i].session != CK_INVALID_HANDLE && sessions[i].session != h)
		i = (i + 1) & (SESSION_SLOTS - 1);
	if (sessions[i].session == h) {
		sessions[i].slot = slot;
	} else if (n_sessions < SESSION_SLOTS * 3 / 4) {
		/* Beyond that, records of further sessions go without a slot. */
		sessions[i].session = h;
		sessions[i].slot = slot;
		n_sessions++;
	}
	pthread_mutex_unlock (&table_lock);
}

static bool
session_find_inlock (CK_SESSION_HANDLE h, size_t *at)
{
	size_t i = session_home (h);
	while (sessions[i].session != CK_INVALID_HANDLE) {
		if (sessions[i].session == h) {
			*at = i;
			return true;
		}
		i = (i + 1) & (SESSION_SLOTS - 1);
	}
	return false;
}

/* Linear probing: close the hole so that later entries stay reachable. */
static void
session_remove_at_inlock (size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & (SESSION_SLOTS - 1);
		if (sessions[j].session == CK_INVALID_HANDLE)
			break;
		size_t k = session_home (sessions[j].session);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		sessions[i] = sessions[j];
		i = j;
	}
	sessions[i].session = CK_INVALID_HANDLE;
	n_sessions--;
}

static void
session_remove (CK_SESSION_HANDLE h)
{
	size_t at;
	pthread_mutex_lock (&table_lock);
	if (session_find_inlock (h, &at))
		session_remove_at_inlock (at);
	pthread_mutex_unlock (&table_lock);
}

static void
session_remove_slot (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	for (size_t i = 0; i < SESSION_SLOTS;) {
		if (sessions[i].session != CK_INVALID_HANDLE && sessions[i].slot == slot)
			session_remove_at_inlock (i); /* may move another entry here */
		else
			i++;
	}
	pthread_mutex_unlock (&table_lock);
}

static void
token_forget (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (tokens[i].used && tokens[i].slot == slot)
			tokens[i].used = false;
	}
	pthread_mutex_unlock (&table_lock);
}

static void
token_remember (CK_SLOT_ID slot, const CK_TOKEN_INFO *info)
{
	pthread_mutex_lock (&table_lock);
	int at = -1;
	for (int i = 0; i < TOKEN_SLOTS && at < 0; i++) {
		if (tokens[i].used && tokens[i].slot == slot)
			at = i;
	}
	if (at < 0)
		at = (int)(next_token++ % TOKEN_SLOTS);
	tokens[at].used = true;
	tokens[at].slot = slot;
	memcpy (tokens[at].serial, info->serialNumber, sizeof tokens[at].serial);
	pthread_mutex_unlock (&table_lock);
}

static bool
token_lookup_inlock (CK_SLOT_ID slot, unsigned char serial[16])
{
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (tokens[i].used && tokens[i].slot == slot) {
			memcpy (serial, tokens[i].serial, 16);
			return true;
		}
	}
	return false;
}

static void
login_set (CK_SLOT_ID slot, CK_USER_TYPE user)
{
	pthread_mutex_lock (&table_lock);
	int at = -1;
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used && logins[i].slot == slot)
			at = i;
		else if (!logins[i].used && at < 0)
			at = i;
	}
	if (at >= 0) {
		logins[at].used = true;
		logins[at].slot = slot;
		logins[at].user = user;
	}
	pthread_mutex_unlock (&table_lock);
}

static bool
login_find_inlock (CK_SLOT_ID slot, CK_USER_TYPE *user)
{
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used && logins[i].slot == slot) {
			*user = logins[i].user;
			return true;
		}
	}
	return false;
}

static void
login_clear (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used && logins[i].slot == slot)
			logins[i].used = false;
	}
	pthread_mutex_unlock (&table_lock);
}

/*
 * Whether closing this session (or, with all, every session of the slot)
 * ends a login: the token logs out with the last session.
 */
static bool
close_ends_login (CK_SESSION_HANDLE session, bool all, CK_SLOT_ID *slot, CK_USER_TYPE *user)
{
	size_t at;
	bool ends = false;
	pthread_mutex_lock (&table_lock);
	if (all || session_find_inlock (session, &at)) {
		if (!all)
			*slot = sessions[at].slot;
		if (login_find_inlock (*slot, user)) {
			size_t others = 0;
			for (size_t i = 0; i < SESSION_SLOTS && !all && others < 2; i++)
				others += sessions[i].session != CK_INVALID_HANDLE && sessions[i].slot == *slot;
			ends = all || others == 1;
		}
	}
	pthread_mutex_unlock (&table_lock);
	return ends;
}

static void
tables_reset (void)
{
	pthread_mutex_init (&table_lock, NULL);
	memset (sessions, 0, sizeof sessions);
	n_sessions = 0;
	memset (tokens, 0, sizeof tokens);
	next_token = 0;
	memset (logins, 0, sizeof logins);
}

/* ---- Building records --------------------------------------------------- */

/* Security-relevance of a call. */
enum {
	SEC_NONE = 0,
	SEC_RECORD = 1, /* a security record, written before the call returns */
	SEC_GUARD = 3,	/* also refused under audit-failure: deny when unloggable */
};

typedef struct {
	hkp11_audit_record rec;
	int sec;
	uint64_t t0;
	unsigned char serial[16];
} call;

/* Wall-clock microseconds: one clock serves both the record's timestamp
 * and the call's duration, so a call costs two clock reads, not three. */
static inline uint64_t
now_us (void)
{
	struct timespec ts;
	clock_gettime (CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Starts a record when the call deserves one; false lets the call pass. */
static inline bool
call_begin (call *c, hkp11_function_id fn, int sec)
{
	if (sec == SEC_NONE && (level != HKP11_AUDIT_LEVEL_CALLS || hkp11_fn_set_has (&skip, fn)))
		return false;
	c->sec = sec;
	c->rec.kind = sec ? HKP11_AUDIT_KIND_SECURITY : HKP11_AUDIT_KIND_CALL;
	c->rec.event = hkp11_function_name (fn);
	c->rec.phase = NULL;
	c->rec.has_slot = false;
	c->rec.has_session = false;
	c->rec.has_result = false;
	c->rec.has_duration = false;
	c->rec.has_priority = false;
	c->rec.token = NULL;
	c->rec.n_args = 0;
	c->rec.when_us = 0;
	c->t0 = now_us ();
	return true;
}

/* The serial of the token in the slot: from the cache, else (for security
 * records only) from the backend once. */
static void
call_token (call *c, CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	bool known = token_lookup_inlock (slot, c->serial);
	pthread_mutex_unlock (&table_lock);
	if (!known && c->sec) {
		CK_TOKEN_INFO info;
		if (below.C_GetTokenInfo (slot, &info) == CKR_OK) {
			token_remember (slot, &info);
			memcpy (c->serial, info.serialNumber, sizeof c->serial);
			known = true;
		}
	}
	if (known) {
		c->rec.token = c->serial;
		c->rec.token_len = sizeof c->serial;
	}
}

static void
call_slot (call *c, CK_SLOT_ID slot)
{
	c->rec.has_slot = true;
	c->rec.slot = slot;
	call_token (c, slot);
}

static void
call_session (call *c, CK_SESSION_HANDLE session)
{
	size_t at;
	c->rec.has_session = true;
	c->rec.session = session;
	/* Slot and serial under one lock: this runs on every call. */
	pthread_mutex_lock (&table_lock);
	bool known = session_find_inlock (session, &at);
	CK_SLOT_ID slot = known ? sessions[at].slot : 0;
	bool serial = known && token_lookup_inlock (slot, c->serial);
	pthread_mutex_unlock (&table_lock);
	if (!known)
		return;
	c->rec.has_slot = true;
	c->rec.slot = slot;
	if (serial) {
		c->rec.token = c->serial;
		c->rec.token_len = sizeof c->serial;
	} else if (c->sec) {
		call_token (c, slot);
	}
}

static inline void
arg_num (call *c, const char *key, hkp11_audit_arg_kind kind, CK_ULONG num)
{
	hkp11_audit_arg_num (&c->rec, key, kind, num);
}

static inline void
arg_bytes (call *c, const char *key, hkp11_audit_arg_kind kind, const void *p, size_t len)
{
	hkp11_audit_arg_bytes (&c->rec, key, kind, p, len);
}

static void
arg_mechanism (call *c, const CK_MECHANISM *mech)
{
	if (mech != NULL)
		arg_num (c, "mechanism", HKP11_ARG_MECHANISM, mech->mechanism);
}

/* An output length, when the call wrote one. */
static void
arg_out_len (call *c, const char *key, const CK_ULONG *len, CK_RV rv)
{
	if (len != NULL && (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) &&
	    *len != CK_UNAVAILABLE_INFORMATION)
		arg_num (c, key, HKP11_ARG_ULONG, *len);
}

static void
arg_template (call *c, const char *key, const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	if (tmpl != NULL || count == 0)
		arg_bytes (c, key, HKP11_ARG_TEMPLATE, tmpl, count);
}

/*
 * What a record says about an object: its class, label and id, read from
 * the token or taken from a template.  Only these three are ever read.
 */
typedef struct {
	bool has_class;
	CK_OBJECT_CLASS klass;
	bool has_key_type;
	CK_KEY_TYPE key_type;
	const void *label;
	size_t label_len;
	const void *id;
	size_t id_len;
	unsigned char label_buf[HKP11_AUDIT_MAX_TEXT];
	unsigned char id_buf[HKP11_AUDIT_MAX_TEXT / 2];
} object_info;

static void
object_read (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, object_info *oi)
{
	CK_OBJECT_CLASS klass = 0;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_LABEL, oi->label_buf, sizeof oi->label_buf },
		{ CKA_ID, oi->id_buf, sizeof oi->id_buf },
	};
	oi->has_class = oi->has_key_type = false;
	oi->label = oi->id = NULL;
	/* Nothing the backend did not write may reach the log: one that fails
	 * without answering leaves the lengths as they were given. */
	memset (oi->label_buf, 0, sizeof oi->label_buf);
	memset (oi->id_buf, 0, sizeof oi->id_buf);
	CK_RV rv = below.C_GetAttributeValue (session, object, tmpl, 3);
	/* Whatever could be read: a label that does not fit is left out, and
	 * after an error so is one still at the buffer's size (not answered). */
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
	    rv != CKR_BUFFER_TOO_SMALL)
		return;
	CK_ULONG full_ok = rv == CKR_OK ? 1 : 0; /* a full buffer, answered */
	if (tmpl[0].ulValueLen == sizeof klass) {
		oi->has_class = true;
		oi->klass = klass;
	}
	if (tmpl[1].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
	    tmpl[1].ulValueLen < sizeof oi->label_buf + full_ok) {
		oi->label = oi->label_buf;
		oi->label_len = tmpl[1].ulValueLen;
	}
	if (tmpl[2].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
	    tmpl[2].ulValueLen < sizeof oi->id_buf + full_ok) {
		oi->id = oi->id_buf;
		oi->id_len = tmpl[2].ulValueLen;
	}
}

/* Class, key type, label and id as a template gives them; nothing else. */
static void
object_from_template (const CK_ATTRIBUTE *tmpl, CK_ULONG count, object_info *oi)
{
	oi->has_class = oi->has_key_type = false;
	oi->label = oi->id = NULL;
	for (CK_ULONG i = 0; tmpl != NULL && i < count; i++) {
		const CK_ATTRIBUTE *a = &tmpl[i];
		if (a->pValue == NULL || a->ulValueLen == CK_UNAVAILABLE_INFORMATION)
			continue;
		switch (a->type) {
		case CKA_CLASS:
			if (a->ulValueLen == sizeof (CK_OBJECT_CLASS)) {
				oi->has_class = true;
				memcpy (&oi->klass, a->pValue, sizeof oi->klass);
			}
			break;
		case CKA_KEY_TYPE:
			if (a->ulValueLen == sizeof (CK_KEY_TYPE)) {
				oi->has_key_type = true;
				memcpy (&oi->key_type, a->pValue, sizeof oi->key_type);
			}
			break;
		case CKA_LABEL:
			oi->label = a->pValue;
			oi->label_len = a->ulValueLen;
			break;
		case CKA_ID:
			oi->id = a->pValue;
			oi->id_len = a->ulValueLen;
			break;
		default:
			break;
		}
	}
}

typedef struct {
	const char *klass, *key_type, *label, *id;
} object_keys;

static const object_keys OBJECT = { "class", "key_type", "label", "id" };
static const object_keys KEY = { "key_class", "key_type", "key_label", "key_id" };
static const object_keys NEW = { "new_class", "new_key_type", "new_label", "new_id" };

static void
arg_object (call *c, const object_info *oi, const object_keys *keys)
{
	if (oi->has_class)
		arg_num (c, keys->klass, HKP11_ARG_CLASS, oi->klass);
	if (oi->has_key_type)
		arg_num (c, keys->key_type, HKP11_ARG_KEY_TYPE, oi->key_type);
	if (oi->label)
		arg_bytes (c, keys->label, HKP11_ARG_LABEL, oi->label, oi->label_len);
	if (oi->id)
		arg_bytes (c, keys->id, HKP11_ARG_HEX, oi->id, oi->id_len);
}

/*
 * Under audit-failure: deny, a guarded call is first recorded as an attempt;
 * when even that cannot be written, the call is refused, not performed.
 */
static CK_RV
call_permit (call *c)
{
	if (!deny || c->sec != SEC_GUARD)
		return CKR_OK;
	c->rec.phase = "attempt";
	bool written = hkp11_audit_log_write (&c->rec, true);
	c->rec.phase = NULL;
	if (written)
		return CKR_OK;
	arg_num (c, "refused_by_audit", HKP11_ARG_BOOL, 1);
	return CKR_FUNCTION_FAILED;
}

static void
call_end (call *c, CK_RV rv)
{
	c->rec.has_result = true;
	c->rec.result = rv;
	c->rec.when_us = now_us ();
	c->rec.has_duration = true;
	/* A clock stepped back (NTP) must not read as a huge duration. */
	c->rec.duration_us = c->rec.when_us >= c->t0 ? c->rec.when_us - c->t0 : 0;
	hkp11_audit_log_write (&c->rec, c->sec != SEC_NONE);
}

/* ---- Wrappers: shapes shared by many functions -------------------------- */

#define PASS(name, args) return below.name args

/* (hSession) */
#define WRAP_SESSION(name, sec) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession)); \
		call_session (&c, hSession); \
		CK_RV rv = below.name (hSession); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, pMechanism, hKey): the Init of an operation with a key.  For
 * the private and secret key families, the key's class, label and id. */
#define WRAP_MECH_KEY(name, sec) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
				   CK_OBJECT_HANDLE hKey) \
	{ \
		call c; \
		object_info key; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pMechanism, hKey)); \
		call_session (&c, hSession); \
		arg_mechanism (&c, pMechanism); \
		arg_num (&c, "key", HKP11_ARG_ULONG, hKey); \
		if (sec) { \
			object_read (hSession, hKey, &key); \
			arg_object (&c, &key, &KEY); \
		} \
		CK_RV rv = call_permit (&c); \
		if (rv == CKR_OK) \
			rv = below.name (hSession, pMechanism, hKey); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, in, in_len, out, out_len).  A completing call of a key
 * family (C_Sign, C_Decrypt) is a security record unless it only asks for
 * the output length. */
#define WRAP_IN_OUT(name, in_key, out_key, completes) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen, \
				   CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pIn, ulInLen, pOut, pulOutLen)); \
		call_session (&c, hSession); \
		arg_num (&c, in_key, HKP11_ARG_ULONG, ulInLen); \
		CK_RV rv = below.name (hSession, pIn, ulInLen, pOut, pulOutLen); \
		arg_out_len (&c, out_key, pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, out, out_len): the Final of an operation. */
#define WRAP_OUT(name, out_key, completes) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pOut, pulOutLen)); \
		call_session (&c, hSession); \
		CK_RV rv = below.name (hSession, pOut, pulOutLen); \
		arg_out_len (&c, out_key, pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, in, in_len) */
#define WRAP_IN(name, in_key) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pIn, ulInLen)); \
		call_session (&c, hSession); \
		arg_num (&c, in_key, HKP11_ARG_ULONG, ulInLen); \
		CK_RV rv = below.name (hSession, pIn, ulInLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, aad, aad_len): a 3.0 message begins. */
#define WRAP_MESSAGE_BEGIN(name) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
				   CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
				   CK_ULONG ulAssociatedDataLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pAssociatedData, \
				     ulAssociatedDataLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "aad_len", HKP11_ARG_ULONG, ulAssociatedDataLen); \
		CK_RV rv = below.name (hSession, pParameter, ulParameterLen, pAssociatedData, \
				       ulAssociatedDataLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, aad, aad_len, in, in_len, out, out_len) */
#define WRAP_MESSAGE(name, completes) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
				   CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
				   CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pIn, CK_ULONG ulInLen, \
				   CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pAssociatedData, \
				     ulAssociatedDataLen, pIn, ulInLen, pOut, pulOutLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "aad_len", HKP11_ARG_ULONG, ulAssociatedDataLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulInLen); \
		CK_RV rv = below.name (hSession, pParameter, ulParameterLen, pAssociatedData, \
				       ulAssociatedDataLen, pIn, ulInLen, pOut, pulOutLen); \
		arg_out_len (&c, "out_len", pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, in, in_len, out, out_len, flags): a part;
 * the last part (CKF_END_OF_MESSAGE) completes a decryption. */
#define WRAP_MESSAGE_NEXT(name, completes) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
				   CK_ULONG ulParameterLen, CK_BYTE_PTR pIn, CK_ULONG ulInLen, \
				   CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen, CK_FLAGS flags) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL && (flags & CKF_END_OF_MESSAGE) ? SEC_RECORD \
										      : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pIn, ulInLen, pOut, \
				     pulOutLen, flags)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulInLen); \
		arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags); \
		CK_RV rv = below.name (hSession, pParameter, ulParameterLen, pIn, ulInLen, pOut, \
				       pulOutLen, flags); \
		arg_out_len (&c, "out_len", pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len) */
#define WRAP_PARAM(name) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
				   CK_ULONG ulParameterLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pParameter, ulParameterLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		CK_RV rv = below.name (hSession, pParameter, ulParameterLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, data, data_len, sig, sig_len) */
#define WRAP_VERIFY_MESSAGE(name) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
				   CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
				   CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pData, ulDataLen, \
				     pSignature, ulSignatureLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulDataLen); \
		arg_num (&c, "signature_len", HKP11_ARG_ULONG, ulSignatureLen); \
		CK_RV rv = below.name (hSession, pParameter, ulParameterLen, pData, ulDataLen, \
				       pSignature, ulSignatureLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, data, data_len, sig, sig_len_ptr): signing a
 * message; C_SignMessageNext signs when given somewhere to put it. */
#define WRAP_SIGN_MESSAGE(name) \
	static CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
				   CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
				   CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) \
	{ \
		call c; \
		int sec = pSignature != NULL && pulSignatureLen != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pData, ulDataLen, \
				     pSignature, pulSignatureLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulDataLen); \
		CK_RV rv = below.name (hSession, pParameter, ulParameterLen, pData, ulDataLen, \
				       pSignature, pulSignatureLen); \
		arg_out_len (&c, "signature_len", pulSignatureLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

WRAP_SESSION (C_FindObjectsFinal, SEC_NONE)
WRAP_SESSION (C_GetFunctionStatus, SEC_NONE)
WRAP_SESSION (C_CancelFunction, SEC_NONE)
WRAP_SESSION (C_MessageEncryptFinal, SEC_NONE)
WRAP_SESSION (C_MessageDecryptFinal, SEC_NONE)
WRAP_SESSION (C_MessageSignFinal, SEC_NONE)
WRAP_SESSION (C_MessageVerifyFinal, SEC_NONE)

WRAP_MECH_KEY (C_EncryptInit, SEC_NONE)
WRAP_MECH_KEY (C_DecryptInit, SEC_GUARD)
WRAP_MECH_KEY (C_SignInit, SEC_GUARD)
WRAP_MECH_KEY (C_SignRecoverInit, SEC_GUARD)
WRAP_MECH_KEY (C_VerifyInit, SEC_NONE)
WRAP_MECH_KEY (C_VerifyRecoverInit, SEC_NONE)
WRAP_MECH_KEY (C_MessageEncryptInit, SEC_NONE)
WRAP_MECH_KEY (C_MessageDecryptInit, SEC_GUARD)
WRAP_MECH_KEY (C_MessageSignInit, SEC_GUARD)
WRAP_MECH_KEY (C_MessageVerifyInit, SEC_NONE)

WRAP_IN_OUT (C_Encrypt, "data_len", "out_len", false)
WRAP_IN_OUT (C_EncryptUpdate, "data_len", "out_len", false)
WRAP_IN_OUT (C_Decrypt, "data_len", "out_len", true)
WRAP_IN_OUT (C_DecryptUpdate, "data_len", "out_len", false)
WRAP_IN_OUT (C_Digest, "data_len", "digest_len", false)
WRAP_IN_OUT (C_Sign, "data_len", "signature_len", true)
WRAP_IN_OUT (C_SignRecover, "data_len", "signature_len", true)
WRAP_IN_OUT (C_VerifyRecover, "signature_len", "data_len", false)
WRAP_IN_OUT (C_DigestEncryptUpdate, "data_len", "out_len", false)
WRAP_IN_OUT (C_DecryptDigestUpdate, "data_len", "out_len", false)
WRAP_IN_OUT (C_SignEncryptUpdate, "data_len", "out_len", false)
WRAP_IN_OUT (C_DecryptVerifyUpdate, "data_len", "out_len", false)

WRAP_OUT (C_GetOperationState, "state_len", false)
WRAP_OUT (C_EncryptFinal, "out_len", false)
WRAP_OUT (C_DecryptFinal, "out_len", true)
WRAP_OUT (C_DigestFinal, "digest_len", false)
WRAP_OUT (C_SignFinal, "signature_len", true)

WRAP_IN (C_DigestUpdate, "data_len")
WRAP_IN (C_SignUpdate, "data_len")
WRAP_IN (C_VerifyUpdate, "data_len")
WRAP_IN (C_VerifyFinal, "signature_len")
WRAP_IN (C_SeedRandom, "seed_len")
WRAP_IN (C_GenerateRandom, "random_len")

WRAP_MESSAGE_BEGIN (C_EncryptMessageBegin)
WRAP_MESSAGE_BEGIN (C_DecryptMessageBegin)
WRAP_MESSAGE (C_EncryptMessage, false)
WRAP_MESSAGE (C_DecryptMessage, true)
WRAP_MESSAGE_NEXT (C_EncryptMessageNext, false)
WRAP_MESSAGE_NEXT (C_DecryptMessageNext, true)
WRAP_PARAM (C_SignMessageBegin)
WRAP_PARAM (C_VerifyMessageBegin)
WRAP_SIGN_MESSAGE (C_SignMessage)
WRAP_SIGN_MESSAGE (C_SignMessageNext)
WRAP_VERIFY_MESSAGE (C_VerifyMessage)
WRAP_VERIFY_MESSAGE (C_VerifyMessageNext)

/* ---- Wrappers: general-purpose and slot calls --------------------------- */

static CK_RV
audit_C_GetInfo (CK_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetInfo, SEC_NONE))
		PASS (C_GetInfo, (pInfo));
	CK_RV rv = below.C_GetInfo (pInfo);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetSlotList (CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetSlotList, SEC_NONE))
		PASS (C_GetSlotList, (tokenPresent, pSlotList, pulCount));
	arg_num (&c, "token_present", HKP11_ARG_BOOL, tokenPresent);
	CK_RV rv = below.C_GetSlotList (tokenPresent, pSlotList, pulCount);
	arg_out_len (&c, "count", pulCount, rv);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetSlotInfo (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetSlotInfo, SEC_NONE))
		PASS (C_GetSlotInfo, (slotID, pInfo));
	call_slot (&c, slotID);
	CK_RV rv = below.C_GetSlotInfo (slotID, pInfo);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetTokenInfo, SEC_NONE))
		PASS (C_GetTokenInfo, (slotID, pInfo));
	CK_RV rv = below.C_GetTokenInfo (slotID, pInfo);
	/* The application's answer keeps the serial cache fresh for free. */
	if (rv == CKR_OK && pInfo != NULL)
		token_remember (slotID, pInfo);
	else if (rv == CKR_TOKEN_NOT_PRESENT)
		token_forget (slotID);
	call_slot (&c, slotID);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetMechanismList (CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
			  CK_ULONG_PTR pulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetMechanismList, SEC_NONE))
		PASS (C_GetMechanismList, (slotID, pMechanismList, pulCount));
	call_slot (&c, slotID);
	CK_RV rv = below.C_GetMechanismList (slotID, pMechanismList, pulCount);
	arg_out_len (&c, "count", pulCount, rv);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetMechanismInfo (CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetMechanismInfo, SEC_NONE))
		PASS (C_GetMechanismInfo, (slotID, type, pInfo));
	call_slot (&c, slotID);
	arg_num (&c, "mechanism", HKP11_ARG_MECHANISM, type);
	CK_RV rv = below.C_GetMechanismInfo (slotID, type, pInfo);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	call c;
	bool recording = call_begin (&c, HKP11_FN_C_WaitForSlotEvent, SEC_NONE);
	if (recording)
		arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags);
	CK_RV rv = below.C_WaitForSlotEvent (flags, pSlot, pReserved);
	/* A token came or went: its serial may have changed. */
	if (rv == CKR_OK && pSlot != NULL)
		token_forget (*pSlot);
	if (recording) {
		if (rv == CKR_OK && pSlot != NULL) {
			c.rec.has_slot = true;
			c.rec.slot = *pSlot;
		}
		call_end (&c, rv);
	}
	return rv;
}

/* ---- Wrappers: tokens, sessions, logins and PINs ------------------------ */

static CK_RV
audit_C_InitToken (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
	call c;
	call_begin (&c, HKP11_FN_C_InitToken, SEC_GUARD);
	call_slot (&c, slotID);
	/* The label is 32 blank-padded bytes with no terminator. */
	if (pLabel != NULL)
		arg_bytes (&c, "token_label", HKP11_ARG_LABEL, pLabel, hkp11_padded_len (pLabel, 32));
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_InitToken (slotID, pPin, ulPinLen, pLabel);
	/* A new token: a new serial, perhaps, and no sessions left. */
	token_forget (slotID);
	if (rv == CKR_OK) {
		session_remove_slot (slotID);
		login_clear (slotID);
	}
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_InitPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	call c;
	call_begin (&c, HKP11_FN_C_InitPIN, SEC_GUARD);
	call_session (&c, hSession);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_InitPIN (hSession, pPin, ulPinLen);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_SetPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	call c;
	CK_SESSION_INFO info;
	call_begin (&c, HKP11_FN_C_SetPIN, SEC_GUARD);
	call_session (&c, hSession);
	/* Whose PIN: the SO's when the session is logged in as SO. */
	if (below.C_GetSessionInfo (hSession, &info) == CKR_OK)
		arg_num (&c, "user", HKP11_ARG_USER_TYPE,
			 info.state == CKS_RW_SO_FUNCTIONS ? CKU_SO : CKU_USER);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_SetPIN (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_OpenSession (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		     CK_SESSION_HANDLE_PTR phSession)
{
	call c;
	bool recording = call_begin (&c, HKP11_FN_C_OpenSession, SEC_NONE);
	CK_RV rv = below.C_OpenSession (slotID, flags, pApplication, Notify, phSession);
	if (rv == CKR_OK && phSession != NULL)
		session_add (*phSession, slotID);
	if (recording) {
		call_slot (&c, slotID);
		arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags);
		if (rv == CKR_OK && phSession != NULL) {
			c.rec.has_session = true;
			c.rec.session = *phSession;
		}
		call_end (&c, rv);
	}
	return rv;
}

/* Closing the last session of a slot logs out: a security record then. */
static CK_RV
audit_C_CloseSession (CK_SESSION_HANDLE hSession)
{
	call c;
	CK_SLOT_ID slot = 0;
	CK_USER_TYPE user = CKU_USER;
	bool ends = close_ends_login (hSession, false, &slot, &user);
	bool recording = call_begin (&c, HKP11_FN_C_CloseSession, ends ? SEC_RECORD : SEC_NONE);
	if (recording) {
		call_session (&c, hSession);
		if (ends)
			arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, user);
	}
	CK_RV rv = below.C_CloseSession (hSession);
	if (rv == CKR_OK || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED)
		session_remove (hSession);
	if (rv == CKR_OK && ends)
		login_clear (slot);
	if (recording)
		call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_CloseAllSessions (CK_SLOT_ID slotID)
{
	call c;
	CK_SLOT_ID slot = slotID;
	CK_USER_TYPE user = CKU_USER;
	bool ends = close_ends_login (CK_INVALID_HANDLE, true, &slot, &user);
	bool recording = call_begin (&c, HKP11_FN_C_CloseAllSessions, ends ? SEC_RECORD : SEC_NONE);
	if (recording) {
		call_slot (&c, slotID);
		if (ends)
			arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, user);
	}
	CK_RV rv = below.C_CloseAllSessions (slotID);
	if (rv == CKR_OK) {
		session_remove_slot (slotID);
		login_clear (slotID);
	}
	if (recording)
		call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_Logout (CK_SESSION_HANDLE hSession)
{
	call c;
	call_begin (&c, HKP11_FN_C_Logout, SEC_RECORD);
	call_session (&c, hSession);
	CK_RV rv = below.C_Logout (hSession);
	if (rv == CKR_OK && c.rec.has_slot)
		login_clear (c.rec.slot);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetSessionInfo (CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetSessionInfo, SEC_NONE))
		PASS (C_GetSessionInfo, (hSession, pInfo));
	call_session (&c, hSession);
	CK_RV rv = below.C_GetSessionInfo (hSession, pInfo);
	if (rv == CKR_OK && pInfo != NULL)
		arg_num (&c, "state", HKP11_ARG_ULONG, pInfo->state);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_SetOperationState (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			   CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
			   CK_OBJECT_HANDLE hAuthenticationKey)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_SetOperationState, SEC_NONE))
		PASS (C_SetOperationState, (hSession, pOperationState, ulOperationStateLen,
					    hEncryptionKey, hAuthenticationKey));
	call_session (&c, hSession);
	arg_num (&c, "state_len", HKP11_ARG_ULONG, ulOperationStateLen);
	arg_num (&c, "encryption_key", HKP11_ARG_ULONG, hEncryptionKey);
	arg_num (&c, "authentication_key", HKP11_ARG_ULONG, hAuthenticationKey);
	CK_RV rv = below.C_SetOperationState (hSession, pOperationState, ulOperationStateLen,
					      hEncryptionKey, hAuthenticationKey);
	call_end (&c, rv);
	return rv;
}

/* After a login: the token's own view of the PIN's tries. */
static void
arg_pin_state (call *c, CK_USER_TYPE user)
{
	CK_TOKEN_INFO info;
	if (!c->rec.has_slot || below.C_GetTokenInfo (c->rec.slot, &info) != CKR_OK)
		return;
	token_remember (c->rec.slot, &info);
	memcpy (c->serial, info.serialNumber, sizeof c->serial);
	c->rec.token = c->serial;
	c->rec.token_len = sizeof c->serial;
	CK_FLAGS f = info.flags;
	bool so = user == CKU_SO;
	const char *state = NULL;
	if (f & (so ? CKF_SO_PIN_LOCKED : CKF_USER_PIN_LOCKED))
		state = "locked";
	else if (f & (so ? CKF_SO_PIN_FINAL_TRY : CKF_USER_PIN_FINAL_TRY))
		state = "final-try";
	else if (f & (so ? CKF_SO_PIN_COUNT_LOW : CKF_USER_PIN_COUNT_LOW))
		state = "count-low";
	if (state)
		arg_bytes (c, "pin_state", HKP11_ARG_STRING, state, 0);
}

static CK_RV
audit_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
	       CK_ULONG ulPinLen)
{
	call c;
	call_begin (&c, HKP11_FN_C_Login, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "user", HKP11_ARG_USER_TYPE, userType);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv == CKR_OK && c.rec.has_slot)
		login_set (c.rec.slot, userType);
	else if (rv != CKR_FUNCTION_FAILED)
		arg_pin_state (&c, userType);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		   CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	call c;
	call_begin (&c, HKP11_FN_C_LoginUser, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "user", HKP11_ARG_USER_TYPE, userType);
	if (pUsername != NULL)
		arg_bytes (&c, "username", HKP11_ARG_TEXT, pUsername, ulUsernameLen);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
	if (rv == CKR_OK && c.rec.has_slot)
		login_set (c.rec.slot, userType);
	else if (rv != CKR_OK && rv != CKR_FUNCTION_FAILED)
		arg_pin_state (&c, userType);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_SessionCancel (CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_SessionCancel, SEC_NONE))
		PASS (C_SessionCancel, (hSession, flags));
	call_session (&c, hSession);
	arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags);
	CK_RV rv = below.C_SessionCancel (hSession, flags);
	call_end (&c, rv);
	return rv;
}

/* ---- Wrappers: objects -------------------------------------------------- */

static CK_RV
audit_C_CreateObject (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		      CK_OBJECT_HANDLE_PTR phObject)
{
	call c;
	object_info oi;
	call_begin (&c, HKP11_FN_C_CreateObject, SEC_GUARD);
	call_session (&c, hSession);
	object_from_template (pTemplate, ulCount, &oi);
	arg_object (&c, &oi, &OBJECT);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_CreateObject (hSession, pTemplate, ulCount, phObject);
	if (rv == CKR_OK && phObject != NULL)
		arg_num (&c, "object", HKP11_ARG_ULONG, *phObject);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_CopyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
		    CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	call c;
	object_info oi, changes;
	call_begin (&c, HKP11_FN_C_CopyObject, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	object_read (hSession, hObject, &oi);
	arg_object (&c, &oi, &OBJECT);
	object_from_template (pTemplate, ulCount, &changes);
	arg_object (&c, &changes, &NEW);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_CopyObject (hSession, hObject, pTemplate, ulCount, phNewObject);
	if (rv == CKR_OK && phNewObject != NULL)
		arg_num (&c, "new_object", HKP11_ARG_ULONG, *phNewObject);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_DestroyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	call c;
	object_info oi;
	call_begin (&c, HKP11_FN_C_DestroyObject, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	/* Read before it is gone. */
	object_read (hSession, hObject, &oi);
	arg_object (&c, &oi, &OBJECT);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_DestroyObject (hSession, hObject);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_SetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	call c;
	object_info oi, changes;
	call_begin (&c, HKP11_FN_C_SetAttributeValue, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	object_read (hSession, hObject, &oi);
	arg_object (&c, &oi, &OBJECT);
	object_from_template (pTemplate, ulCount, &changes);
	arg_object (&c, &changes, &NEW);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_SetAttributeValue (hSession, hObject, pTemplate, ulCount);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetObjectSize (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetObjectSize, SEC_NONE))
		PASS (C_GetObjectSize, (hSession, hObject, pulSize));
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	CK_RV rv = below.C_GetObjectSize (hSession, hObject, pulSize);
	arg_out_len (&c, "size", pulSize, rv);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetAttributeValue, SEC_NONE))
		PASS (C_GetAttributeValue, (hSession, hObject, pTemplate, ulCount));
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	CK_RV rv = below.C_GetAttributeValue (hSession, hObject, pTemplate, ulCount);
	/* Types and the lengths the token answered; never the values. */
	arg_template (&c, "template", pTemplate, ulCount);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_FindObjectsInit (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_FindObjectsInit, SEC_NONE))
		PASS (C_FindObjectsInit, (hSession, pTemplate, ulCount));
	call_session (&c, hSession);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = below.C_FindObjectsInit (hSession, pTemplate, ulCount);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_FindObjects (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		     CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_FindObjects, SEC_NONE))
		PASS (C_FindObjects, (hSession, phObject, ulMaxObjectCount, pulObjectCount));
	call_session (&c, hSession);
	arg_num (&c, "max", HKP11_ARG_ULONG, ulMaxObjectCount);
	CK_RV rv = below.C_FindObjects (hSession, phObject, ulMaxObjectCount, pulObjectCount);
	arg_out_len (&c, "count", pulObjectCount, rv);
	call_end (&c, rv);
	return rv;
}

/* ---- Wrappers: keys ----------------------------------------------------- */

static CK_RV
audit_C_DigestInit (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_DigestInit, SEC_NONE))
		PASS (C_DigestInit, (hSession, pMechanism));
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	CK_RV rv = below.C_DigestInit (hSession, pMechanism);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_DigestKey (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_DigestKey, SEC_NONE))
		PASS (C_DigestKey, (hSession, hKey));
	call_session (&c, hSession);
	arg_num (&c, "key", HKP11_ARG_ULONG, hKey);
	CK_RV rv = below.C_DigestKey (hSession, hKey);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_Verify (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_Verify, SEC_NONE))
		PASS (C_Verify, (hSession, pData, ulDataLen, pSignature, ulSignatureLen));
	call_session (&c, hSession);
	arg_num (&c, "data_len", HKP11_ARG_ULONG, ulDataLen);
	arg_num (&c, "signature_len", HKP11_ARG_ULONG, ulSignatureLen);
	CK_RV rv = below.C_Verify (hSession, pData, ulDataLen, pSignature, ulSignatureLen);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GenerateKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	call c;
	object_info oi;
	call_begin (&c, HKP11_FN_C_GenerateKey, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	object_from_template (pTemplate, ulCount, &oi);
	arg_object (&c, &oi, &OBJECT);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_GenerateKey (hSession, pMechanism, pTemplate, ulCount, phKey);
	if (rv == CKR_OK && phKey != NULL)
		arg_num (&c, "new_key", HKP11_ARG_ULONG, *phKey);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_GenerateKeyPair (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
			 CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
			 CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	call c;
	object_info pub, priv;
	call_begin (&c, HKP11_FN_C_GenerateKeyPair, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	/* The private key's label and id, else the public key's. */
	object_from_template (pPrivateKeyTemplate, ulPrivateKeyAttributeCount, &priv);
	object_from_template (pPublicKeyTemplate, ulPublicKeyAttributeCount, &pub);
	if (priv.label == NULL) {
		priv.label = pub.label;
		priv.label_len = pub.label_len;
	}
	if (priv.id == NULL) {
		priv.id = pub.id;
		priv.id_len = pub.id_len;
	}
	arg_object (&c, &priv, &OBJECT);
	arg_template (&c, "public_template", pPublicKeyTemplate, ulPublicKeyAttributeCount);
	arg_template (&c, "private_template", pPrivateKeyTemplate, ulPrivateKeyAttributeCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_GenerateKeyPair (hSession, pMechanism, pPublicKeyTemplate,
					      ulPublicKeyAttributeCount, pPrivateKeyTemplate,
					      ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
	if (rv == CKR_OK && phPublicKey != NULL && phPrivateKey != NULL) {
		arg_num (&c, "public_key", HKP11_ARG_ULONG, *phPublicKey);
		arg_num (&c, "private_key", HKP11_ARG_ULONG, *phPrivateKey);
	}
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_WrapKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		 CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey,
		 CK_ULONG_PTR pulWrappedKeyLen)
{
	call c;
	object_info key;
	/* Wrapping takes a key off the token: recorded like a use of it. */
	int sec = pWrappedKey != NULL ? SEC_GUARD : SEC_NONE;
	if (!call_begin (&c, HKP11_FN_C_WrapKey, sec))
		PASS (C_WrapKey, (hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen));
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	arg_num (&c, "wrapping_key", HKP11_ARG_ULONG, hWrappingKey);
	arg_num (&c, "key", HKP11_ARG_ULONG, hKey);
	if (sec) {
		object_read (hSession, hKey, &key);
		arg_object (&c, &key, &KEY);
	}
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_WrapKey (hSession, pMechanism, hWrappingKey, hKey, pWrappedKey,
				      pulWrappedKeyLen);
	arg_out_len (&c, "wrapped_len", pulWrappedKeyLen, rv);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_UnwrapKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		   CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen,
		   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	call c;
	object_info key, oi;
	call_begin (&c, HKP11_FN_C_UnwrapKey, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	arg_num (&c, "key", HKP11_ARG_ULONG, hUnwrappingKey);
	object_read (hSession, hUnwrappingKey, &key);
	arg_object (&c, &key, &KEY);
	arg_num (&c, "wrapped_len", HKP11_ARG_ULONG, ulWrappedKeyLen);
	object_from_template (pTemplate, ulAttributeCount, &oi);
	arg_object (&c, &oi, &NEW);
	arg_template (&c, "template", pTemplate, ulAttributeCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_UnwrapKey (hSession, pMechanism, hUnwrappingKey, pWrappedKey,
					ulWrappedKeyLen, pTemplate, ulAttributeCount, phKey);
	if (rv == CKR_OK && phKey != NULL)
		arg_num (&c, "new_key", HKP11_ARG_ULONG, *phKey);
	call_end (&c, rv);
	return rv;
}

static CK_RV
audit_C_DeriveKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
		   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	call c;
	object_info key, oi;
	call_begin (&c, HKP11_FN_C_DeriveKey, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	arg_num (&c, "key", HKP11_ARG_ULONG, hBaseKey);
	object_read (hSession, hBaseKey, &key);
	arg_object (&c, &key, &KEY);
	object_from_template (pTemplate, ulAttributeCount, &oi);
	arg_object (&c, &oi, &NEW);
	arg_template (&c, "template", pTemplate, ulAttributeCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = below.C_DeriveKey (hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount,
					phKey);
	if (rv == CKR_OK && phKey != NULL)
		arg_num (&c, "new_key", HKP11_ARG_ULONG, *phKey);
	call_end (&c, rv);
	return rv;
}

/* ---- Tables: what each level wraps -------------------------------------- */

/* Security-relevant calls, and the session bookkeeping records need. */
#define SECURITY_WRAPS \
	.C_InitToken = audit_C_InitToken, \
	.C_InitPIN = audit_C_InitPIN, \
	.C_SetPIN = audit_C_SetPIN, \
	.C_OpenSession = audit_C_OpenSession, \
	.C_CloseSession = audit_C_CloseSession, \
	.C_CloseAllSessions = audit_C_CloseAllSessions, \
	.C_Login = audit_C_Login, \
	.C_Logout = audit_C_Logout, \
	.C_CreateObject = audit_C_CreateObject, \
	.C_CopyObject = audit_C_CopyObject, \
	.C_DestroyObject = audit_C_DestroyObject, \
	.C_SetAttributeValue = audit_C_SetAttributeValue, \
	.C_DecryptInit = audit_C_DecryptInit, \
	.C_Decrypt = audit_C_Decrypt, \
	.C_DecryptFinal = audit_C_DecryptFinal, \
	.C_SignInit = audit_C_SignInit, \
	.C_Sign = audit_C_Sign, \
	.C_SignFinal = audit_C_SignFinal, \
	.C_SignRecoverInit = audit_C_SignRecoverInit, \
	.C_SignRecover = audit_C_SignRecover, \
	.C_GenerateKey = audit_C_GenerateKey, \
	.C_GenerateKeyPair = audit_C_GenerateKeyPair, \
	.C_WrapKey = audit_C_WrapKey, \
	.C_UnwrapKey = audit_C_UnwrapKey, \
	.C_DeriveKey = audit_C_DeriveKey, \
	.C_LoginUser = audit_C_LoginUser, \
	.C_MessageDecryptInit = audit_C_MessageDecryptInit, \
	.C_DecryptMessage = audit_C_DecryptMessage, \
	.C_DecryptMessageNext = audit_C_DecryptMessageNext, \
	.C_MessageSignInit = audit_C_MessageSignInit, \
	.C_SignMessage = audit_C_SignMessage, \
	.C_SignMessageNext = audit_C_SignMessageNext,

static const CK_FUNCTION_LIST_3_0 security_wraps = { SECURITY_WRAPS };

static const CK_FUNCTION_LIST_3_0 calls_wraps = {
	SECURITY_WRAPS
	.C_GetInfo = audit_C_GetInfo,
	.C_GetSlotList = audit_C_GetSlotList,
	.C_GetSlotInfo = audit_C_GetSlotInfo,
	.C_GetTokenInfo = audit_C_GetTokenInfo,
	.C_GetMechanismList = audit_C_GetMechanismList,
	.C_GetMechanismInfo = audit_C_GetMechanismInfo,
	.C_GetSessionInfo = audit_C_GetSessionInfo,
	.C_GetOperationState = audit_C_GetOperationState,
	.C_SetOperationState = audit_C_SetOperationState,
	.C_GetObjectSize = audit_C_GetObjectSize,
	.C_GetAttributeValue = audit_C_GetAttributeValue,
	.C_FindObjectsInit = audit_C_FindObjectsInit,
	.C_FindObjects = audit_C_FindObjects,
	.C_FindObjectsFinal = audit_C_FindObjectsFinal,
	.C_EncryptInit = audit_C_EncryptInit,
	.C_Encrypt = audit_C_Encrypt,
	.C_EncryptUpdate = audit_C_EncryptUpdate,
	.C_EncryptFinal = audit_C_EncryptFinal,
	.C_DecryptUpdate = audit_C_DecryptUpdate,
	.C_DigestInit = audit_C_DigestInit,
	.C_Digest = audit_C_Digest,
	.C_DigestUpdate = audit_C_DigestUpdate,
	.C_DigestKey = audit_C_DigestKey,
	.C_DigestFinal = audit_C_DigestFinal,
	.C_SignUpdate = audit_C_SignUpdate,
	.C_VerifyInit = audit_C_VerifyInit,
	.C_Verify = audit_C_Verify,
	.C_VerifyUpdate = audit_C_VerifyUpdate,
	.C_VerifyFinal = audit_C_VerifyFinal,
	.C_VerifyRecoverInit = audit_C_VerifyRecoverInit,
	.C_VerifyRecover = audit_C_VerifyRecover,
	.C_DigestEncryptUpdate = audit_C_DigestEncryptUpdate,
	.C_DecryptDigestUpdate = audit_C_DecryptDigestUpdate,
	.C_SignEncryptUpdate = audit_C_SignEncryptUpdate,
	.C_DecryptVerifyUpdate = audit_C_DecryptVerifyUpdate,
	.C_SeedRandom = audit_C_SeedRandom,
	.C_GenerateRandom = audit_C_GenerateRandom,
	.C_GetFunctionStatus = audit_C_GetFunctionStatus,
	.C_CancelFunction = audit_C_CancelFunction,
	.C_WaitForSlotEvent = audit_C_WaitForSlotEvent,
	.C_SessionCancel = audit_C_SessionCancel,
	.C_MessageEncryptInit = audit_C_MessageEncryptInit,
	.C_EncryptMessage = audit_C_EncryptMessage,
	.C_EncryptMessageBegin = audit_C_EncryptMessageBegin,
	.C_EncryptMessageNext = audit_C_EncryptMessageNext,
	.C_MessageEncryptFinal = audit_C_MessageEncryptFinal,
	.C_DecryptMessageBegin = audit_C_DecryptMessageBegin,
	.C_MessageDecryptFinal = audit_C_MessageDecryptFinal,
	.C_SignMessageBegin = audit_C_SignMessageBegin,
	.C_MessageSignFinal = audit_C_MessageSignFinal,
	.C_MessageVerifyInit = audit_C_MessageVerifyInit,
	.C_VerifyMessage = audit_C_VerifyMessage,
	.C_VerifyMessageBegin = audit_C_VerifyMessageBegin,
	.C_VerifyMessageNext = audit_C_VerifyMessageNext,
	.C_MessageVerifyFinal = audit_C_MessageVerifyFinal,
};

/* ---- Events of other layers, and the life cycle ------------------------- */

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
	pthread_mutex_lock (&table_lock);
	if (token_lookup_inlock (e->slot, c.serial)) {
		c.rec.token = c.serial;
		c.rec.token_len = sizeof c.serial;
	}
	pthread_mutex_unlock (&table_lock);
	arg_bytes (&c, "severity", HKP11_ARG_STRING, severities[sev], 0);
	if (e->function)
		arg_bytes (&c, "function", HKP11_ARG_STRING, e->function, 0);
	if (e->tries_left >= 0)
		arg_num (&c, "tries_left", HKP11_ARG_ULONG, (CK_ULONG)e->tries_left);
	if (e->reasons)
		arg_bytes (&c, "reasons", HKP11_ARG_STRING, e->reasons, 0);
	if (e->detail)
		arg_bytes (&c, "detail", HKP11_ARG_TEXT, e->detail, strlen (e->detail));
	c.rec.has_result = true;
	c.rec.result = e->result;
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
			arg_bytes (c, "peer_program", HKP11_ARG_TEXT, peer->program, strlen (peer->program));
	}
	if (peer->ssh_connection[0])
		arg_bytes (c, "ssh_connection", HKP11_ARG_TEXT, peer->ssh_connection,
			   strlen (peer->ssh_connection));
}

static bool
audit_enabled (void)
{
	/* At the security level only the security-relevant calls are wrapped. */
	hkp11_audit_layer.wraps =
		settings->level == HKP11_AUDIT_LEVEL_CALLS ? &calls_wraps : &security_wraps;
	return settings->level != HKP11_AUDIT_LEVEL_OFF;
}

static CK_RV
audit_start (void)
{
	level = settings->level;
	deny = settings->failure == HKP11_AUDIT_DENY;
	skip = settings->skip;
	tables_reset ();

	hkp11_audit_options opts = {
		.format = (hkp11_audit_format)settings->format,
		.failure = deny ? HKP11_AUDIT_DENY : HKP11_AUDIT_CONTINUE,
		.file = settings->file,
		.syslog = settings->syslog,
		.journald = settings->journald,
	};
	if (!hkp11_audit_log_open (&opts)) {
		hkp11_message (HKP11_MSG_ERROR, "audit log: libcrypto offers no SHA-256%s",
			       deny ? "; refusing to start unaudited (audit-failure: deny)" : "");
		if (deny)
			return CKR_FUNCTION_FAILED;
	}

	/* Who loaded the module: the identity fields of every record name
	 * the program, pid and uid; this one adds what it talks to. */
	call c;
	call_begin (&c, HKP11_FN_C_Initialize, SEC_RECORD);
	arg_bytes (&c, "backend", HKP11_ARG_STRING, hkp11_shim_backend_path (), 0);
	arg_bytes (&c, "module_version", HKP11_ARG_STRING, PACKAGE_VERSION, 0);
	arg_bytes (&c, "audit", HKP11_ARG_STRING, hkp11_audit_levels[level], 0);
	/* Behind p11-kit's remoting: who is at the other end (peer-identity.h). */
	hkp11_peer peer;
	if (hkp11_peer_identify (&peer))
		arg_peer (&c, &peer);
	c.rec.has_result = true;
	c.rec.result = CKR_OK;
	hkp11_audit_log_write (&c.rec, true);

	hkp11_event_subscribe (audit_event);
	return CKR_OK;
}

static void
audit_stop (void)
{
	hkp11_event_subscribe (NULL);
	call c;
	call_begin (&c, HKP11_FN_C_Finalize, SEC_RECORD);
	/* A login still open ends here. */
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used) {
			c.rec.has_slot = true;
			c.rec.slot = logins[i].slot;
			arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, logins[i].user);
			break;
		}
	}
	hkp11_audit_log_write (&c.rec, true);
	hkp11_audit_log_close ();
}

hkp11_layer hkp11_audit_layer = {
	.name = "audit",
	.wraps = &security_wraps,
	.below = &below,
	.options = &hkp11_audit_group,
	.enabled = audit_enabled,
	.start = audit_start,
	.stop = audit_stop,
};
