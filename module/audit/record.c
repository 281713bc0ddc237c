/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building a record: what the call names (slot, token, session, objects,
 * keys), its result and its duration.  Objects are described by class,
 * key type, label and id only: no other attribute is ever read.
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"

#include <string.h>

/* The serial of the token in the slot: from the cache, else (for security
 * records only) from the backend once. */
void
call_token (call *c, CK_SLOT_ID slot)
{
	bool known = token_serial (slot, c->serial);
	if (!known && c->sec) {
		CK_TOKEN_INFO info;
		if (audit_below.C_GetTokenInfo (slot, &info) == CKR_OK) {
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

void
call_slot (call *c, CK_SLOT_ID slot)
{
	c->rec.has_slot = true;
	c->rec.slot = slot;
	call_token (c, slot);
}

void
call_session (call *c, CK_SESSION_HANDLE session)
{
	c->rec.has_session = true;
	c->rec.session = session;
	/* The session's slot and its token's serial in one read section:
	 * this runs on every call. */
	CK_SLOT_ID slot = 0;
	bool known, serial = false;
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	if (r != NULL) {
		const hkp11_session *s = hkp11_session_get (session);
		known = s != NULL;
		if (known) {
			slot = s->slot;
			serial = token_serial_in_section (slot, c->serial);
		}
		hkp11_epoch_exit (r);
	} else {
		/* No read section for this thread (out of memory): the slow way. */
		known = hkp11_session_find (session, &slot, NULL);
		serial = known && token_serial (slot, c->serial);
	}
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

void
arg_mechanism (call *c, const CK_MECHANISM *mech)
{
	if (mech != NULL)
		arg_num (c, "mechanism", HKP11_ARG_MECHANISM, mech->mechanism);
}

void
arg_out_len (call *c, const char *key, const CK_ULONG *len, CK_RV rv)
{
	if (len != NULL && (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) &&
	    *len != CK_UNAVAILABLE_INFORMATION)
		arg_num (c, key, HKP11_ARG_ULONG, *len);
}

void
arg_template (call *c, const char *key, const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	if (tmpl != NULL || count == 0)
		arg_bytes (c, key, HKP11_ARG_TEMPLATE, tmpl, count);
}

void
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
	CK_RV rv = audit_below.C_GetAttributeValue (session, object, tmpl, 3);
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
void
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

void
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

CK_RV
call_permit (call *c)
{
	if (!audit_now.deny || c->sec != SEC_GUARD)
		return CKR_OK;
	c->rec.phase = "attempt";
	bool written = hkp11_audit_log_write (&c->rec, true);
	c->rec.phase = NULL;
	if (written)
		return CKR_OK;
	arg_num (c, "refused_by_audit", HKP11_ARG_BOOL, 1);
	return CKR_FUNCTION_FAILED;
}

void
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

void
arg_pin_state (call *c, CK_USER_TYPE user)
{
	CK_TOKEN_INFO info;
	if (!c->rec.has_slot || audit_below.C_GetTokenInfo (c->rec.slot, &info) != CKR_OK)
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
