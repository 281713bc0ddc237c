/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/format.h"
#include "base/debug.h"
#include "audit/fields.h"
#include "p11/constants.h"

static const char *const kind_names[] = {
	[HKP11_AUDIT_KIND_SECURITY] = "security",
	[HKP11_AUDIT_KIND_CALL] = "call",
	[HKP11_AUDIT_KIND_EVENT] = "event",
};

#define ADD_LIT(b, s) hkp11_buf_add ((b), s, sizeof s - 1)
#define KEY(id) HKP11_AUDIT_KEY (id)

static void
add_string (hkp11_buf *b, hkp11_audit_format format, const void *bytes, size_t n)
{
	if (format == HKP11_AUDIT_JSON)
		hkp11_buf_add_json_string (b, bytes, n);
	else
		hkp11_buf_add_text_string (b, bytes, n);
}

/* Starts a field: ,"key": in JSON (no comma first in an object), a space
 * and key= in text.  Inlined so that the length of a literal key is known
 * when compiling: this runs a dozen times a record. */
static inline __attribute__ ((always_inline)) void
add_key (hkp11_buf *b, hkp11_audit_format format, const char *key)
{
	size_t n = strlen (key);
	/* One bounds check for the lot: this runs a dozen times a record. */
	if (b->cap - b->len < n + 4) {
		b->overflow = true;
		b->len = b->cap;
		return;
	}
	char *p = b->data + b->len;
	if (format == HKP11_AUDIT_JSON) {
		if (b->len == 0 || p[-1] != '{')
			*p++ = ',';
		*p++ = '"';
		memcpy (p, key, n);
		p += n;
		*p++ = '"';
		*p++ = ':';
	} else {
		*p++ = ' ';
		memcpy (p, key, n);
		p += n;
		*p++ = '=';
	}
	b->len = (size_t)(p - b->data);
}

/* A constant's name, or its number when the table has none.  Inlined so
 * that the length of a literal name is known when compiling. */
static inline __attribute__ ((always_inline)) void
add_name (hkp11_buf *b, hkp11_audit_format format, const char *name, CK_ULONG value)
{
	bool json = format == HKP11_AUDIT_JSON;
	if (json)
		hkp11_buf_add_char (b, '"');
	if (name)
		hkp11_buf_add_str (b, name);
	else
		hkp11_buf_add_hexnum (b, value);
	if (json)
		hkp11_buf_add_char (b, '"');
}

/* A word the module made (a chain's name, a hash in hex): quoted in JSON,
 * bare in text, never escaped. */
static inline __attribute__ ((always_inline)) void
add_word (hkp11_buf *b, hkp11_audit_format format, const char *word)
{
	bool json = format == HKP11_AUDIT_JSON;
	if (json)
		hkp11_buf_add_char (b, '"');
	hkp11_buf_add_str (b, word);
	if (json)
		hkp11_buf_add_char (b, '"');
}

static void
add_template (hkp11_buf *b, hkp11_audit_format format, const CK_ATTRIBUTE *attrs, size_t n)
{
	bool json = format == HKP11_AUDIT_JSON;
	size_t shown = n < HKP11_AUDIT_MAX_TEMPLATE ? n : HKP11_AUDIT_MAX_TEMPLATE;
	hkp11_buf_add_char (b, json ? '[' : '"');
	for (size_t i = 0; attrs != NULL && i < shown; i++) {
		if (i > 0)
			hkp11_buf_add_char (b, ',');
		if (json)
			hkp11_buf_add_char (b, '"');
		const char *name = hkp11_attribute_name (attrs[i].type);
		if (name)
			hkp11_buf_add_str (b, name);
		else
			hkp11_buf_add_hexnum (b, attrs[i].type);
		/* The length only: the value may be a private key part. */
		if (attrs[i].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
			hkp11_buf_add_char (b, ':');
			hkp11_buf_add_ulong (b, attrs[i].ulValueLen);
		}
		if (json)
			hkp11_buf_add_char (b, '"');
	}
	if (shown < n) {
		hkp11_buf_add_str (b, json ? ",\"+" : ",+");
		hkp11_buf_add_ulong (b, n - shown);
		if (json)
			hkp11_buf_add_char (b, '"');
	}
	hkp11_buf_add_char (b, json ? ']' : '"');
}

static void
add_label (hkp11_buf *b, hkp11_audit_format format, const hkp11_audit_arg *a)
{
	size_t len = a->len < HKP11_AUDIT_MAX_TEXT ? a->len : HKP11_AUDIT_MAX_TEXT;
	add_key (b, format, a->key);
	if (format == HKP11_AUDIT_TEXT) {
		hkp11_buf_add_text_string (b, a->ptr, len);
	} else if (!hkp11_buf_add_json_string (b, a->ptr, len)) {
		/* JSON strings are Unicode: keep the exact bytes beside them. */
		ADD_LIT (b, ",\"");
		hkp11_buf_add_str (b, a->key);
		ADD_LIT (b, "_hex\":\"");
		hkp11_buf_add_hex (b, a->ptr, len);
		hkp11_buf_add_char (b, '"');
	}
	if (len < a->len) {
		/* Cut short: say how long it really was. */
		hkp11_buf_add_str (b, format == HKP11_AUDIT_JSON ? ",\"" : " ");
		hkp11_buf_add_str (b, a->key);
		hkp11_buf_add_str (b, format == HKP11_AUDIT_JSON ? "_len\":" : "_len=");
		hkp11_buf_add_ulong (b, a->len);
	}
}

static void
add_arg (hkp11_buf *b, hkp11_audit_format format, const hkp11_audit_arg *a)
{
	bool json = format == HKP11_AUDIT_JSON;
	if (a->kind == HKP11_ARG_LABEL) {
		add_label (b, format, a);
		return;
	}
	add_key (b, format, a->key);
	switch (a->kind) {
	case HKP11_ARG_ULONG:
		hkp11_buf_add_ulong (b, a->num);
		break;
	case HKP11_ARG_HEXNUM:
		if (json)
			hkp11_buf_add_char (b, '"');
		hkp11_buf_add_hexnum (b, a->num);
		if (json)
			hkp11_buf_add_char (b, '"');
		break;
	case HKP11_ARG_MECHANISM:
		add_name (b, format, hkp11_mechanism_name (a->num), a->num);
		break;
	case HKP11_ARG_CLASS:
		add_name (b, format, hkp11_class_name (a->num), a->num);
		break;
	case HKP11_ARG_KEY_TYPE:
		add_name (b, format, hkp11_key_type_name (a->num), a->num);
		break;
	case HKP11_ARG_USER_TYPE:
		add_name (b, format, hkp11_user_type_name (a->num), a->num);
		break;
	case HKP11_ARG_RV:
		add_name (b, format, hkp11_rv_name (a->num), a->num);
		break;
	case HKP11_ARG_BOOL:
		hkp11_buf_add_str (b, a->num ? "true" : "false");
		break;
	case HKP11_ARG_STRING:
		add_string (b, format, a->ptr ? a->ptr : "", a->ptr ? strlen (a->ptr) : 0);
		break;
	case HKP11_ARG_TEXT:
		add_string (b, format, a->ptr,
			    a->len < HKP11_AUDIT_MAX_TEXT ? a->len : HKP11_AUDIT_MAX_TEXT);
		break;
	case HKP11_ARG_HEX:
		hkp11_buf_add_char (b, '"');
		hkp11_buf_add_hex (b, a->ptr,
				   a->len < HKP11_AUDIT_MAX_TEXT / 2 ? a->len
								     : HKP11_AUDIT_MAX_TEXT / 2);
		hkp11_buf_add_char (b, '"');
		break;
	case HKP11_ARG_TEMPLATE:
		add_template (b, format, a->ptr, a->len);
		break;
	case HKP11_ARG_LABEL:
		break;
	}
}

/* Bytes that may appear in a word (below). */
static const bool word_byte[256] = {
	['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
	['_'] = true,         ['-'] = true,         ['.'] = true,
};

/* The length of s when it is a name that reads unambiguously without quotes
 * in the text format, else 0: one pass instead of a check and a strlen. */
static size_t
word_len (const char *s)
{
	size_t n = 0;
	while (word_byte[(unsigned char)s[n]])
		n++;
	return s[n] == '\0' ? n : 0;
}

void
hkp11_audit_format_identity (hkp11_buf *out, hkp11_audit_format format, const char *host, long pid,
			     unsigned long uid, const char *program)
{
	add_key (out, format, KEY (HOST));
	add_string (out, format, host, strlen (host));
	add_key (out, format, KEY (PID));
	hkp11_buf_add_ulong (out, (unsigned long)pid);
	add_key (out, format, KEY (UID));
	hkp11_buf_add_ulong (out, uid);
	add_key (out, format, KEY (PROGRAM));
	add_string (out, format, program, strlen (program));
}

void
hkp11_audit_format_record (hkp11_buf *out, hkp11_audit_format format,
			   const hkp11_audit_stamp *stamp, const hkp11_audit_record *rec)
{
	hkp11_return_if_fail (out != NULL && stamp != NULL && rec != NULL);
	bool json = format == HKP11_AUDIT_JSON;

	/* The chain fields come first, in a fixed order, so that the verifier
	 * finds them without parsing the rest of the record. */
	if (json) {
		hkp11_buf_add_char (out, '{');
		add_key (out, format, KEY (TS));
		hkp11_buf_add_char (out, '"');
		hkp11_buf_add_str (out, stamp->ts);
		hkp11_buf_add_char (out, '"');
	} else {
		/* The text form's timestamp has no key: it begins the line. */
		hkp11_buf_add_str (out, stamp->ts);
	}
	add_key (out, format, KEY (SEQ));
	hkp11_buf_add_ulong (out, stamp->seq);
	add_key (out, format, KEY (CHAIN));
	add_word (out, format, stamp->chain);
	add_key (out, format, KEY (PREV));
	add_word (out, format, stamp->prev_hex);
	hkp11_buf_add (out, stamp->identity, stamp->identity_len);

	add_key (out, format, KEY (KIND));
	add_name (out, format, kind_names[rec->kind], rec->kind);
	/* Event names are the module's own: plain words need no escaping. */
	add_key (out, format, KEY (EVENT));
	size_t event_len = word_len (rec->event);
	if (event_len > 0) {
		if (json)
			hkp11_buf_add_char (out, '"');
		hkp11_buf_add (out, rec->event, event_len);
		if (json)
			hkp11_buf_add_char (out, '"');
	} else {
		add_string (out, format, rec->event, strlen (rec->event));
	}
	if (rec->phase) {
		add_key (out, format, KEY (PHASE));
		add_name (out, format, rec->phase, 0);
	}
	if (rec->has_slot) {
		add_key (out, format, KEY (SLOT));
		hkp11_buf_add_ulong (out, rec->slot);
	}
	size_t token_len = rec->token ? hkp11_padded_len (rec->token, rec->token_len) : 0;
	if (token_len > 0) {
		add_key (out, format, KEY (TOKEN));
		add_string (out, format, rec->token, token_len);
	}
	if (rec->has_session) {
		add_key (out, format, KEY (SESSION));
		hkp11_buf_add_ulong (out, rec->session);
	}

	if (json) {
		add_key (out, format, KEY (ARGS));
		hkp11_buf_add_char (out, '{');
		for (size_t i = 0; i < rec->n_args; i++)
			add_arg (out, format, &rec->args[i]);
		hkp11_buf_add_char (out, '}');
	} else {
		for (size_t i = 0; i < rec->n_args; i++)
			add_arg (out, format, &rec->args[i]);
	}

	if (rec->has_result) {
		add_key (out, format, KEY (RESULT));
		/* Nearly every call succeeds: no table search for that. */
		if (rec->result == CKR_OK)
			add_name (out, format, "CKR_OK", CKR_OK);
		else
			add_name (out, format, hkp11_rv_name (rec->result), rec->result);
	}
	if (rec->has_duration) {
		add_key (out, format, KEY (DURATION));
		hkp11_buf_add_ulong (out, rec->duration_us);
	}
	if (json)
		hkp11_buf_add_char (out, '}');
}
