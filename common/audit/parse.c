/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/parse.h"

#include <ctype.h>
#include <stdio.h>

/* Where a timestamp's digits go. */
static const char ts_shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

static bool
is_hex (const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	}
	return true;
}

static bool
is_timestamp (const char *p, const char *end)
{
	if (end - p < HKP11_AUDIT_TS_LEN)
		return false;
	for (size_t i = 0; i < HKP11_AUDIT_TS_LEN; i++) {
		if (ts_shape[i] == 'd' ? !isdigit ((unsigned char)p[i]) : p[i] != ts_shape[i])
			return false;
	}
	return true;
}

static bool
skip_char (const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool
skip_bytes (const char **p, const char *end, const char *s, size_t n)
{
	if ((size_t)(end - *p) < n || memcmp (*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/* A field's key as the form writes it: "key": in JSON, key= in text
 * (after the space that separates fields). */
static bool
skip_key (const char **p, const char *end, bool json, hkp11_audit_field field)
{
	const char *key = hkp11_audit_field_keys[field];
	size_t n = strlen (key);
	if (json)
		return skip_char (p, end, '"') && skip_bytes (p, end, key, n) &&
		       skip_char (p, end, '"') && skip_char (p, end, ':');
	return skip_char (p, end, ' ') && skip_bytes (p, end, key, n) && skip_char (p, end, '=');
}

bool
hkp11_audit_parse_number (const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;
	uint64_t v = 0;
	while (q < end && isdigit ((unsigned char)*q) && q - *p < 20)
		v = v * 10 + (uint64_t)(*q++ - '0');
	if (q == *p)
		return false;
	*out = v;
	*p = q;
	return true;
}

/* The start of a record in either form, as a shape of digits: the text
 * form to " seq=", the JSON form to ,"seq":. */
static size_t
record_start_shape (bool json, char *buf, size_t len)
{
	const char *seq = hkp11_audit_field_keys[HKP11_AUDIT_F_SEQ];
	const char *ts = hkp11_audit_field_keys[HKP11_AUDIT_F_TS];
	int n = json ? snprintf (buf, len, "{\"%s\":\"%s\",\"%s\":", ts, ts_shape, seq)
		     : snprintf (buf, len, "%s %s=", ts_shape, seq);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

bool
hkp11_audit_is_record_start (const char *line, const char *end)
{
	size_t len = (size_t)(end - line);
	for (int form = 0; form < 2; form++) {
		char shape[64];
		size_t n = record_start_shape (form, shape, sizeof shape);
		size_t i = 0;
		while (i < len && i < n &&
		       (shape[i] == 'd' ? isdigit ((unsigned char)line[i]) : line[i] == shape[i]))
			i++;
		if (i == len || i == n)
			return true;
	}
	return false;
}

const char *
hkp11_audit_find_record (const char *line, const char *end, bool *json)
{
	for (const char *p = line; p < end; p++) {
		const char *q = p;
		if (*p == '{' && skip_char (&q, end, '{') &&
		    skip_key (&q, end, true, HKP11_AUDIT_F_TS) && skip_char (&q, end, '"') &&
		    q < end) {
			*json = true;
			return p;
		}
		q = p + HKP11_AUDIT_TS_LEN;
		if (isdigit ((unsigned char)*p) && is_timestamp (p, end) &&
		    skip_key (&q, end, false, HKP11_AUDIT_F_SEQ) && q < end) {
			*json = false;
			return p;
		}
	}
	return NULL;
}

hkp11_audit_chain_found
hkp11_audit_parse_chain (const char *start, const char *end, bool json, hkp11_audit_chain_fields *f)
{
	const char *p = start;
	const char *name_end;
	if (json) {
		if (!skip_char (&p, end, '{') || !skip_key (&p, end, true, HKP11_AUDIT_F_TS) ||
		    !skip_char (&p, end, '"') || !is_timestamp (p, end))
			return HKP11_AUDIT_CHAIN_NONE;
		p += HKP11_AUDIT_TS_LEN;
		if (!skip_char (&p, end, '"') || !skip_char (&p, end, ',') ||
		    !skip_key (&p, end, true, HKP11_AUDIT_F_SEQ) ||
		    !hkp11_audit_parse_number (&p, end, &f->seq) || !skip_char (&p, end, ',') ||
		    !skip_key (&p, end, true, HKP11_AUDIT_F_CHAIN) || !skip_char (&p, end, '"'))
			return HKP11_AUDIT_CHAIN_NONE;
		f->name = p;
		name_end = memchr (p, '"', (size_t)(end - p));
	} else {
		if (!is_timestamp (p, end))
			return HKP11_AUDIT_CHAIN_NONE;
		p += HKP11_AUDIT_TS_LEN;
		if (!skip_key (&p, end, false, HKP11_AUDIT_F_SEQ) ||
		    !hkp11_audit_parse_number (&p, end, &f->seq) ||
		    !skip_key (&p, end, false, HKP11_AUDIT_F_CHAIN))
			return HKP11_AUDIT_CHAIN_NONE;
		f->name = p;
		name_end = memchr (p, ' ', (size_t)(end - p));
	}
	if (name_end == NULL)
		return HKP11_AUDIT_CHAIN_NONE;
	f->name_len = (size_t)(name_end - p);
	if (f->name_len == 0 || f->seq == 0)
		return HKP11_AUDIT_CHAIN_NONE;
	p = name_end;
	if (json) {
		if (!skip_char (&p, end, '"') || !skip_char (&p, end, ',') ||
		    !skip_key (&p, end, true, HKP11_AUDIT_F_PREV) || !skip_char (&p, end, '"') ||
		    end - p < HKP11_AUDIT_PREV_LEN + 1 || !is_hex (p, HKP11_AUDIT_PREV_LEN) ||
		    p[HKP11_AUDIT_PREV_LEN] != '"')
			return HKP11_AUDIT_CHAIN_PARTIAL;
		f->rest = p + HKP11_AUDIT_PREV_LEN + 1;
	} else {
		if (!skip_key (&p, end, false, HKP11_AUDIT_F_PREV) ||
		    end - p < HKP11_AUDIT_PREV_LEN || !is_hex (p, HKP11_AUDIT_PREV_LEN) ||
		    (end - p > HKP11_AUDIT_PREV_LEN && p[HKP11_AUDIT_PREV_LEN] != ' '))
			return HKP11_AUDIT_CHAIN_PARTIAL;
		f->rest = p + HKP11_AUDIT_PREV_LEN;
	}
	f->prev = p;
	return HKP11_AUDIT_CHAIN_ALL;
}

void
hkp11_audit_cursor_init (hkp11_audit_cursor *c, const char *start, const char *end, bool json)
{
	c->p = start;
	c->end = end;
	c->json = json;
	c->ts_next = !json;
}

void
hkp11_audit_cursor_at (hkp11_audit_cursor *c, const char *p, const char *end, bool json)
{
	hkp11_audit_cursor_init (c, p, end, json);
	c->ts_next = false;
}

/* A quoted string at *p, its escapes skipped; *p moves past its end. */
static bool
skip_string (const char **p, const char *end)
{
	const char *q = *p;
	if (!skip_char (&q, end, '"'))
		return false;
	for (; q < end && *q != '"'; q++) {
		if (*q == '\\' && ++q == end)
			return false;
	}
	if (q == end)
		return false;
	*p = q + 1;
	return true;
}

/* A JSON array at *p, strings inside included. */
static bool
skip_array (const char **p, const char *end)
{
	const char *q = *p;
	int depth = 0;
	while (q < end) {
		if (*q == '"') {
			if (!skip_string (&q, end))
				return false;
			continue;
		}
		if (*q == '[')
			depth++;
		else if (*q == ']' && --depth == 0) {
			*p = q + 1;
			return true;
		}
		q++;
	}
	return false;
}

static int
next_json_field (hkp11_audit_cursor *c, const char **key, size_t *key_len, const char **value,
		 size_t *value_len)
{
	const char *p = c->p, *end = c->end;
	for (;;) {
		while (p < end && (*p == ',' || *p == '{' || *p == '}' || *p == ' '))
			p++;
		if (p == end) {
			c->p = p;
			return 0;
		}
		const char *k = p + 1;
		if (!skip_string (&p, end) || memchr (k, '\\', (size_t)(p - 1 - k)) != NULL ||
		    !skip_char (&p, end, ':'))
			return -1;
		if (p < end && *p == '{')
			continue; /* "args": its fields come next */
		*key = k;
		*key_len = (size_t)(p - 2 - k);
		*value = p;
		if (p < end && *p == '"') {
			if (!skip_string (&p, end))
				return -1;
		} else if (p < end && *p == '[') {
			if (!skip_array (&p, end))
				return -1;
		} else {
			while (p < end && *p != ',' && *p != '}')
				p++;
			if (p == *value || p == end)
				return -1;
		}
		*value_len = (size_t)(p - *value);
		c->p = p;
		return 1;
	}
}

/* The next " key=value" of a text record: the value bare, or a quoted
 * string whose escapes stay as they are. */
static int
next_text_field (hkp11_audit_cursor *c, const char **key, size_t *key_len, const char **value,
		 size_t *value_len)
{
	const char *q = c->p, *end = c->end;
	if (c->ts_next) {
		if (!is_timestamp (q, end))
			return -1;
		c->ts_next = false;
		*key = hkp11_audit_field_keys[HKP11_AUDIT_F_TS];
		*key_len = strlen (*key);
		*value = q;
		*value_len = HKP11_AUDIT_TS_LEN;
		c->p = q + HKP11_AUDIT_TS_LEN;
		return 1;
	}
	if (q == end)
		return 0;
	if (*q != ' ')
		return -1;
	*key = ++q;
	while (q < end && *q != '=' && *q != ' ' && *q != '"')
		q++;
	if (q == end || *q != '=' || q == *key)
		return -1;
	*key_len = (size_t)(q - *key);
	*value = ++q;
	if (q < end && *q == '"') {
		if (!skip_string (&q, end))
			return -1;
	} else {
		while (q < end && *q != ' ')
			q++;
		if (q == *value)
			return -1;
	}
	if (q < end && *q != ' ')
		return -1;
	*value_len = (size_t)(q - *value);
	c->p = q;
	return 1;
}

int
hkp11_audit_next_field (hkp11_audit_cursor *c, const char **key, size_t *key_len,
			const char **value, size_t *value_len)
{
	if (c->json)
		return next_json_field (c, key, key_len, value, value_len);
	return next_text_field (c, key, key_len, value, value_len);
}
