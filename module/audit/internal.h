/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the audit layer's files share; nothing outside module/audit/
 * includes it.
 *
 *   layer.c        life cycle: the settings snapshot, the log opened and
 *                  closed, other layers' events, the two wrap tables;
 *   calls.h        the one table of what is wrapped and in which shape;
 *   record.c       building a record: the call's slot, token and session,
 *                  the objects it names, the result and duration;
 *   tokens.c       the serial number of the token in each slot (which
 *                  slot a session is in, and who is logged in, the
 *                  session registry says: core/sessions.h);
 *   wrap-shapes.c  the wrappers made from calls.h's shapes;
 *   wrap-*.c       the wrappers written by hand, by kind of call.
 *
 * A wrapper begins a record (call_begin; false lets the call pass with no
 * record at all), adds what it knows before the call, asks call_permit
 * for a call that audit-failure: deny guards, calls below, adds what the
 * call returned and ends the record (call_end).
 */
#ifndef HKP11_AUDIT_INTERNAL_H
#define HKP11_AUDIT_INTERNAL_H

#include "audit/log.h"
#include "core/sessions.h"
#include "p11/p11.h"
#include "settings/audit.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* The next function down for every function (layer.c). */
extern CK_FUNCTION_LIST_3_0 audit_below;

/* The settings as start() found them: they are reset at C_Finalize while
 * a late call may still be returning. */
typedef struct {
	int level;         /* HKP11_AUDIT_LEVEL_* */
	bool deny;         /* audit-failure: deny */
	hkp11_fn_set skip; /* audit-skip */
} audit_snapshot;
extern audit_snapshot audit_now;

/* Security-relevance of a call. */
enum {
	SEC_NONE = 0,
	SEC_RECORD = 1, /* a security record, written before the call returns */
	SEC_GUARD = 3,  /* also refused under audit-failure: deny when unloggable */
};

/* One call's record in the making. */
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

/* Starts a record when the call deserves one; false lets the call pass.
 * Inline: every wrapper begins here, most of them to pass. */
static inline bool
call_begin (call *c, hkp11_function_id fn, int sec)
{
	if (sec == SEC_NONE &&
	    (audit_now.level != HKP11_AUDIT_LEVEL_CALLS || hkp11_fn_set_has (&audit_now.skip, fn)))
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

/* ---- record.c: what a record says ---------------------------------------- */

/* The slot, and the serial of its token (from the cache, else for a
 * security record from the backend once). */
void call_slot (call *c, CK_SLOT_ID slot);
/* The session, its slot and its token's serial. */
void call_session (call *c, CK_SESSION_HANDLE session);
/* The serial of the token in slot, when known. */
void call_token (call *c, CK_SLOT_ID slot);

void arg_mechanism (call *c, const CK_MECHANISM *mech);
/* An output length, when the call wrote one. */
void arg_out_len (call *c, const char *key, const CK_ULONG *len, CK_RV rv);
/* A template's attribute types and lengths, never its values. */
void arg_template (call *c, const char *key, const CK_ATTRIBUTE *tmpl, CK_ULONG count);
/* After a login: the token's own view of the PIN's tries. */
void arg_pin_state (call *c, CK_USER_TYPE user);

/*
 * What a record says about an object: its class, label and id, read from
 * the token or taken from a template.  Only these three (and a key's
 * type) are ever read.
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

void object_read (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, object_info *oi);
void object_from_template (const CK_ATTRIBUTE *tmpl, CK_ULONG count, object_info *oi);

/* The keys an object's fields go under: the object a call acts on, the key
 * an operation uses, or what a call makes of it. */
typedef struct {
	const char *klass, *key_type, *label, *id;
} object_keys;
static const object_keys OBJECT = { "class", "key_type", "label", "id" };
static const object_keys KEY = { "key_class", "key_type", "key_label", "key_id" };
static const object_keys NEW = { "new_class", "new_key_type", "new_label", "new_id" };
void arg_object (call *c, const object_info *oi, const object_keys *keys);

/* Under audit-failure: deny, records a guarded call as an attempt first;
 * returns CKR_FUNCTION_FAILED (the call is not made) when even that
 * cannot be written. */
CK_RV call_permit (call *c);
/* Adds the result and duration and writes the record. */
void call_end (call *c, CK_RV rv);

/* ---- tokens.c: the serial of the token in each slot ----------------------- */

void tokens_reset (void);
void tokens_clear (void);
/* The serial of the token in slot, as last seen; false when unknown. */
bool token_serial (CK_SLOT_ID slot, unsigned char serial[16]);
/* The same, for a caller inside an epoch read section. */
bool token_serial_in_section (CK_SLOT_ID slot, unsigned char serial[16]);
void token_remember (CK_SLOT_ID slot, const CK_TOKEN_INFO *info);
/* The token in slot came, went or was initialised: its serial may change. */
void token_forget (CK_SLOT_ID slot);
/* Whether closing this session (or, with all, every session of slot) ends
 * a login, and whose: the token logs out with the last session. */
bool close_ends_login (CK_SESSION_HANDLE session, bool all, CK_SLOT_ID *slot, CK_USER_TYPE *user);

/* ---- the wrappers --------------------------------------------------------- */

/* audit_C_Login and the like, for every function of the API; calls.h
 * says which are defined, and where. */
#define AUDIT_DECLARE(kind, name, params, args) CK_RV audit_##name params;
HKP11_FUNCTIONS_2_40 (AUDIT_DECLARE)
HKP11_FUNCTIONS_3_0 (AUDIT_DECLARE)
#undef AUDIT_DECLARE

/* A call that passes with no record, unchanged. */
#define PASS(name, args) return audit_below.name args

#endif
