/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One audit record and its two written forms: a readable text line and a
 * JSON Lines object with fixed field names (listed in README.md).
 *
 * A record only ever holds numbers, names of constants, lengths, labels and
 * ids.  There is no argument kind for a PIN, for data or for an attribute
 * value other than a label or an id: what cannot be described cannot leak.
 */
#ifndef HKP11_AUDIT_FORMAT_H
#define HKP11_AUDIT_FORMAT_H

#include "p11/p11.h"
#include "base/text.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	HKP11_AUDIT_TEXT,
	HKP11_AUDIT_JSON,
} hkp11_audit_format;

typedef enum {
	HKP11_AUDIT_KIND_SECURITY, /* a security-relevant call */
	HKP11_AUDIT_KIND_CALL,     /* any other call (level calls) */
	HKP11_AUDIT_KIND_EVENT,    /* reported by a layer: policy, lockout, guard */
} hkp11_audit_kind;

typedef enum {
	HKP11_ARG_ULONG,     /* num, in decimal */
	HKP11_ARG_HEXNUM,    /* num as 0x%08lx: flags */
	HKP11_ARG_MECHANISM, /* num: CKM_ name */
	HKP11_ARG_CLASS,     /* num: CKO_ name */
	HKP11_ARG_KEY_TYPE,  /* num: CKK_ name */
	HKP11_ARG_USER_TYPE, /* num: CKU_ name */
	HKP11_ARG_RV,        /* num: CKR_ name */
	HKP11_ARG_BOOL,      /* num: true / false */
	HKP11_ARG_STRING,    /* ptr: a NUL-terminated string the module chose */
	HKP11_ARG_TEXT,      /* ptr, len: outside text (a detail, a user name) */
	HKP11_ARG_LABEL,     /* ptr, len: a label; JSON adds key_hex when not UTF-8 */
	HKP11_ARG_HEX,       /* ptr, len: bytes in hex (CKA_ID) */
	HKP11_ARG_TEMPLATE,  /* ptr, len: CK_ATTRIBUTE[len], types and lengths only */
} hkp11_audit_arg_kind;

typedef struct {
	const char *key;
	hkp11_audit_arg_kind kind;
	CK_ULONG num;
	const void *ptr;
	size_t len;
} hkp11_audit_arg;

#define HKP11_AUDIT_MAX_ARGS 16
/* Longest label or text written; longer ones are cut (the length is logged). */
#define HKP11_AUDIT_MAX_TEXT 256
/* Most attributes of a template listed. */
#define HKP11_AUDIT_MAX_TEMPLATE 32

typedef struct {
	hkp11_audit_kind kind;
	const char *event; /* "C_Login", or a layer's event name */
	/* "attempt" for the record written before a call under audit-failure
	 * deny, NULL otherwise. */
	const char *phase;
	bool has_slot, has_session, has_result, has_duration;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	const unsigned char *token; /* serial number, blank-padded */
	size_t token_len;
	CK_RV result;
	uint64_t duration_us;
	/* When the call returned, as CLOCK_REALTIME; 0 for "now", read by the
	 * writer.  Saves a clock read per call at the calls level. */
	uint64_t when_us;
	/* syslog priority for syslog and the journal; without it, derived from
	 * kind and result. */
	bool has_priority;
	int priority;
	size_t n_args;
	hkp11_audit_arg args[HKP11_AUDIT_MAX_ARGS];
} hkp11_audit_record;

/* What the chain and the process contribute to every record. */
typedef struct {
	const char *ts; /* "2024-05-01T10:00:00.123456Z" */
	uint64_t seq;
	const char *chain;
	const char *prev_hex; /* 64 hex digits */
	/* host, pid, uid and program, preformatted by hkp11_audit_format_identity */
	const char *identity;
	size_t identity_len;
} hkp11_audit_stamp;

/* The fields that identify the process, in the given format. */
void hkp11_audit_format_identity (hkp11_buf *out, hkp11_audit_format format, const char *host,
				  long pid, unsigned long uid, const char *program);

/* Appends the record, without a newline.  Cuts it short (out->overflow)
 * rather than write past out's capacity. */
void hkp11_audit_format_record (hkp11_buf *out, hkp11_audit_format format,
				const hkp11_audit_stamp *stamp, const hkp11_audit_record *rec);

/* Helpers for filling a record. */
static inline hkp11_audit_arg *
hkp11_audit_arg_add (hkp11_audit_record *rec, const char *key, hkp11_audit_arg_kind kind)
{
	if (rec->n_args >= HKP11_AUDIT_MAX_ARGS)
		return NULL;
	hkp11_audit_arg *a = &rec->args[rec->n_args++];
	a->key = key;
	a->kind = kind;
	a->num = 0;
	a->ptr = NULL;
	a->len = 0;
	return a;
}

static inline void
hkp11_audit_arg_num (hkp11_audit_record *rec, const char *key, hkp11_audit_arg_kind kind,
		     CK_ULONG num)
{
	hkp11_audit_arg *a = hkp11_audit_arg_add (rec, key, kind);
	if (a)
		a->num = num;
}

static inline void
hkp11_audit_arg_bytes (hkp11_audit_record *rec, const char *key, hkp11_audit_arg_kind kind,
		       const void *ptr, size_t len)
{
	hkp11_audit_arg *a = hkp11_audit_arg_add (rec, key, kind);
	if (a) {
		a->ptr = ptr;
		a->len = len;
	}
}

#endif
