/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Audit records read back from a log line, in either written form (text or
 * JSON Lines), through the module's one record parser (common/audit/
 * parse.h): `hkpost-p11 audit show` prints them, `hkpost-p11 monitor` acts
 * on them.
 */
#ifndef HKP11_TOOL_AUDIT_RECORD_H
#define HKP11_TOOL_AUDIT_RECORD_H

#include "audit/fields.h"

#include <stdbool.h>
#include <stddef.h>

#define CLI_RECORD_MAX_FIELDS 40

/* A record's fields; keys and values are copies in store, strings without
 * their quotes and with only \" and \\ undone: other escapes stay.  The
 * fields of a JSON record's "args" object come one by one, as in text. */
typedef struct {
	const char *key[CLI_RECORD_MAX_FIELDS];
	const char *value[CLI_RECORD_MAX_FIELDS];
	size_t n;
	char store[16384];
	size_t used;
} cli_record;

/* The value of key, or NULL. */
const char *cli_record_get (const cli_record *r, const char *key);

/* The value of one of the record's fields (audit/fields.h), or NULL. */
#define cli_record_field(r, id) cli_record_get ((r), hkp11_audit_field_keys[HKP11_AUDIT_F_##id])

/* The record in [line, end), in either form, after a syslog prefix or
 * none.  False when the line holds no record (no seq or no event). */
bool cli_record_parse (const char *line, const char *end, cli_record *r);

#endif
