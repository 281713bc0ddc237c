/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Audit records read back (the writer is common/audit/format.c), for
 * `hkpost-p11 audit show` and for the monitor, which follows the log.  The
 * fields come from the module's own parser; this only copies them out.
 */
#include "config.h"
#include "audit-record.h"
#include "audit/parse.h"

#include <string.h>

const char *
cli_record_get (const cli_record *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp (r->key[i], key) == 0)
			return r->value[i];
	}
	return NULL;
}

/* Copies len bytes of raw text; NULL when the store is full. */
static const char *
keep (cli_record *r, const char *p, size_t len)
{
	if (r->used + len + 1 > sizeof r->store)
		return NULL;
	char *out = r->store + r->used;
	memcpy (out, p, len);
	out[len] = '\0';
	r->used += len + 1;
	return out;
}

/* Copies a quoted string without its quotes, with only \" and \\ undone;
 * NULL when the store is full. */
static const char *
keep_string (cli_record *r, const char *p, size_t len)
{
	char *out = r->store + r->used;
	size_t room = sizeof r->store - r->used;
	size_t n = 0;
	const char *end = p + len - 1;
	for (p++; p < end;) {
		size_t k = p[0] == '\\' && p + 1 < end ? 2 : 1;
		if (k == 2 && (p[1] == '"' || p[1] == '\\')) {
			p++;
			k = 1;
		}
		if (n + k + 1 > room)
			return NULL;
		memcpy (out + n, p, k);
		n += k;
		p += k;
	}
	out[n] = '\0';
	r->used += n + 1;
	return out;
}

static bool
add (cli_record *r, const char *key, const char *value)
{
	if (key == NULL || value == NULL || r->n >= CLI_RECORD_MAX_FIELDS)
		return false;
	r->key[r->n] = key;
	r->value[r->n++] = value;
	return true;
}

bool
cli_record_parse (const char *line, const char *end, cli_record *r)
{
	hkp11_audit_cursor c;
	const char *key, *value;
	size_t key_len, value_len;
	bool json = false;

	r->n = 0;
	r->used = 0;
	const char *start = hkp11_audit_find_record (line, end, &json);
	if (start == NULL)
		return false;
	/* A line cut short keeps the fields before the cut. */
	hkp11_audit_cursor_init (&c, start, end, json);
	while (hkp11_audit_next_field (&c, &key, &key_len, &value, &value_len) == 1) {
		const char *k = keep (r, key, key_len);
		const char *v = value_len >= 2 && value[0] == '"'
					? keep_string (r, value, value_len)
					: keep (r, value, value_len);
		if (!add (r, k, v))
			return false;
	}
	return cli_record_field (r, SEQ) != NULL && cli_record_field (r, EVENT) != NULL;
}
