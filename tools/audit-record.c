/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Audit records read back (the writer is common/audit-format.c): for
 * `hkpost-p11 audit show` and for the monitor, which follows the log.
 */
#include "config.h"
#include "audit-record.h"

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

/* Copies the quoted string whose opening quote is at *pp; moves *pp past
 * the closing one. */
static const char *
keep_string (cli_record *r, const char **pp)
{
	const char *p = *pp + 1;
	char *out = r->store + r->used;
	size_t room = sizeof r->store - r->used;
	size_t n = 0;
	while (*p && *p != '"') {
		char c[2];
		size_t k = 1;
		if (p[0] == '\\' && (p[1] == '"' || p[1] == '\\')) {
			c[0] = p[1];
			p += 2;
		} else if (p[0] == '\\' && p[1] != '\0') {
			c[0] = p[0];
			c[1] = p[1];
			k = 2;
			p += 2;
		} else {
			c[0] = *p++;
		}
		if (n + k + 1 > room)
			return NULL;
		memcpy (out + n, c, k);
		n += k;
	}
	if (*p != '"' || n + 1 > room)
		return NULL;
	out[n] = '\0';
	r->used += n + 1;
	*pp = p + 1;
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
cli_record_parse_text (const char *line, cli_record *r)
{
	const char *p = line;
	r->n = 0;
	r->used = 0;
	size_t ts_len = strcspn (p, " ");
	if (p[ts_len] != ' ' || !add (r, "ts", keep (r, p, ts_len)))
		return false;
	p += ts_len;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t key_len = strcspn (p, "= ");
		if (p[key_len] != '=')
			break;
		const char *key = keep (r, p, key_len);
		const char *value;
		p += key_len + 1;
		if (*p == '"') {
			value = keep_string (r, &p);
		} else {
			size_t len = strcspn (p, " ");
			value = keep (r, p, len);
			p += len;
		}
		if (!add (r, key, value))
			return false;
	}
	return cli_record_get (r, "seq") != NULL && cli_record_get (r, "event") != NULL;
}

/* Skips a JSON value that is an array, strings inside included. */
static const char *
skip_array (const char *p)
{
	int depth = 0;
	do {
		if (*p == '"') {
			p++;
			while (*p && *p != '"')
				p += p[0] == '\\' && p[1] ? 2 : 1;
			if (*p == '\0')
				return NULL;
		} else if (*p == '[') {
			depth++;
		} else if (*p == ']') {
			depth--;
		} else if (*p == '\0') {
			return NULL;
		}
		p++;
	} while (depth > 0);
	return p;
}

bool
cli_record_parse_json (const char *line, cli_record *r)
{
	const char *p = line;
	r->n = 0;
	r->used = 0;
	while (*p) {
		if (*p == '{' || *p == '}' || *p == ',' || *p == ' ') {
			p++;
			continue;
		}
		if (*p != '"')
			return false;
		const char *key = keep_string (r, &p);
		if (key == NULL || *p != ':')
			return false;
		p++;
		if (*p == '{')
			continue; /* "args": its fields follow */
		const char *value;
		if (*p == '"') {
			value = keep_string (r, &p);
		} else if (*p == '[') {
			const char *end = skip_array (p);
			if (end == NULL)
				return false;
			value = keep (r, p, (size_t)(end - p));
			p = end;
		} else {
			size_t len = strcspn (p, ",}");
			value = keep (r, p, len);
			p += len;
		}
		if (!add (r, key, value))
			return false;
	}
	return cli_record_get (r, "seq") != NULL && cli_record_get (r, "event") != NULL;
}
