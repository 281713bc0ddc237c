/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Audit records read back from a log line, in either written form (text or
 * JSON Lines, common/audit-format.h): `hkpost-p11 audit show` prints them,
 * `hkpost-p11 monitor` acts on them.
 */
#ifndef HKP11_TOOL_AUDIT_RECORD_H
#define HKP11_TOOL_AUDIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_RECORD_MAX_FIELDS 40

/* A record's fields; keys and values are copies in store, strings without
 * their quotes and with only \" and \\ undone: other escapes stay.  The
 * fields of a JSON record's "args" object are flattened in. */
typedef struct {
	const char *key[CLI_RECORD_MAX_FIELDS];
	const char *value[CLI_RECORD_MAX_FIELDS];
	size_t n;
	char store[16384];
	size_t used;
} cli_record;

/* The value of key, or NULL. */
const char *cli_record_get (const cli_record *r, const char *key);

/* A text record: "TS key=value key="string" ...".  False when the line is
 * no record (it has no seq and no event). */
bool cli_record_parse_text (const char *line, cli_record *r);

/* A JSON Lines record. */
bool cli_record_parse_json (const char *line, cli_record *r);

#endif
