/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading audit records back, in both forms (audit/fields.h): the one
 * parser that the chain verifier (audit/verify.c) and `hkpost-p11 audit
 * show` share.  It never allocates and never writes: it points into the
 * line it is given, which need not end in a NUL.
 */
#ifndef HKP11_AUDIT_PARSE_H
#define HKP11_AUDIT_PARSE_H

#include "audit/fields.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length of a timestamp, "2024-05-01T10:00:00.123456Z". */
#define HKP11_AUDIT_TS_LEN 27
/* Length of prev, the previous record's SHA-256 in hex. */
#define HKP11_AUDIT_PREV_LEN 64

/* Where the record in [line, end) starts: at once, or after a syslog
 * prefix; NULL when the line holds none.  *json tells the form. */
const char *hkp11_audit_find_record (const char *line, const char *end, bool *json);

/* Whether [line, end) is the beginning of a record and nothing more: what
 * a write cut short in its first bytes leaves. */
bool hkp11_audit_is_record_start (const char *line, const char *end);

/* How much of a record's chain fields a line holds. */
typedef enum {
	HKP11_AUDIT_CHAIN_NONE,    /* not even seq and the chain's name */
	HKP11_AUDIT_CHAIN_PARTIAL, /* seq and the chain's name, not all of prev */
	HKP11_AUDIT_CHAIN_ALL,
} hkp11_audit_chain_found;

typedef struct {
	uint64_t seq;
	const char *name; /* the chain's name */
	size_t name_len;
	const char *prev; /* HKP11_AUDIT_PREV_LEN hex digits, when ALL */
	const char *rest; /* where the fields after prev begin, when ALL */
} hkp11_audit_chain_fields;

/* The chain fields of the record at start: seq, chain and prev, first and
 * in a fixed place in either form. */
hkp11_audit_chain_found hkp11_audit_parse_chain (const char *start, const char *end, bool json,
						 hkp11_audit_chain_fields *f);

/* A walk over a record's fields. */
typedef struct {
	const char *p, *end;
	bool json;
	bool ts_next; /* text: the timestamp that begins the line comes first */
} hkp11_audit_cursor;

/* From the start of a record, or (at) from where a field begins within
 * one, such as the chain fields' rest. */
void hkp11_audit_cursor_init (hkp11_audit_cursor *c, const char *start, const char *end, bool json);
void hkp11_audit_cursor_at (hkp11_audit_cursor *c, const char *p, const char *end, bool json);

/*
 * The next field: 1 with its key and its value as written (a string with
 * its quotes and escapes, a template with its brackets); the text form's
 * leading timestamp comes as "ts", and the JSON form's "args" come one by
 * one, as in text.  0 at the end; -1 when what follows is not a whole
 * field (a line cut short, or no record).
 */
int hkp11_audit_next_field (hkp11_audit_cursor *c, const char **key, size_t *key_len,
			    const char **value, size_t *value_len);

/* Whether a key is the field's. */
static inline bool
hkp11_audit_key_is (const char *key, size_t len, hkp11_audit_field field)
{
	const char *want = hkp11_audit_field_keys[field];
	return strlen (want) == len && memcmp (want, key, len) == 0;
}

/* A decimal number at *p, at most 20 digits; moves *p past it. */
bool hkp11_audit_parse_number (const char **p, const char *end, uint64_t *out);

#endif
