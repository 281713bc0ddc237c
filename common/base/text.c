/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/text.h"
#include "base/debug.h"

#include <stdint.h>

static const char hex_digits[] = "0123456789abcdef";

size_t
hkp11_utf8_decode (const void *bytes, size_t n, uint32_t *cp)
{
	const unsigned char *p = bytes;
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

bool
hkp11_utf8_valid (const void *bytes, size_t n)
{
	const unsigned char *p = bytes;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t len = hkp11_utf8_decode (p + i, n - i, &cp);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

bool
hkp11_unicode_is_control (uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

bool
hkp11_unicode_is_format (uint32_t cp)
{
	/* Unicode 15's category Cf, range by range. */
	static const struct {
		uint32_t first, last;
	} cf[] = {
		{ 0x00ad, 0x00ad },   { 0x0600, 0x0605 },   { 0x061c, 0x061c },
		{ 0x06dd, 0x06dd },   { 0x070f, 0x070f },   { 0x0890, 0x0891 },
		{ 0x08e2, 0x08e2 },   { 0x180e, 0x180e },   { 0x200b, 0x200f },
		{ 0x202a, 0x202e },   { 0x2060, 0x2064 },   { 0x2066, 0x206f },
		{ 0xfeff, 0xfeff },   { 0xfff9, 0xfffb },   { 0x110bd, 0x110bd },
		{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 },
		{ 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
	};
	if (cp < 0xad)
		return false;
	for (size_t i = 0; i < sizeof cf / sizeof cf[0] && cp >= cf[i].first; i++) {
		if (cp <= cf[i].last)
			return true;
	}
	return false;
}

/* Code points that must not appear raw in a log line: controls, line
 * breaks that some viewers honour, and marks that reorder what is shown. */
static bool
needs_escape (uint32_t cp)
{
	return hkp11_unicode_is_control (cp) || hkp11_unicode_is_format (cp);
}

static void
add_u4 (hkp11_buf *b, uint32_t unit)
{
	char tmp[6] = { '\\', 'u' };
	for (int i = 0; i < 4; i++)
		tmp[2 + i] = hex_digits[(unit >> (4 * (3 - i))) & 0xf];
	hkp11_buf_add (b, tmp, sizeof tmp);
}

/* \uXXXX, or the surrogate pair JSON writes above U+FFFF (the tags). */
static void
add_u_escape (hkp11_buf *b, uint32_t cp)
{
	if (cp <= 0xffff) {
		add_u4 (b, cp);
		return;
	}
	cp -= 0x10000;
	add_u4 (b, 0xd800 | (cp >> 10));
	add_u4 (b, 0xdc00 | (cp & 0x3ff));
}

/* The short escapes both formats share; false when c has none. */
static bool
add_short_escape (hkp11_buf *b, uint32_t c)
{
	const char *esc;
	switch (c) {
	case '"':
		esc = "\\\"";
		break;
	case '\\':
		esc = "\\\\";
		break;
	case '\n':
		esc = "\\n";
		break;
	case '\r':
		esc = "\\r";
		break;
	case '\t':
		esc = "\\t";
		break;
	default:
		return false;
	}
	hkp11_buf_add (b, esc, 2);
	return true;
}

typedef enum {
	ESCAPE_JSON,
	ESCAPE_TEXT,
	/* As TEXT, without quotes, and quotes and backslashes kept. */
	ESCAPE_PLAIN,
} escape_mode;

static bool
add_escaped (hkp11_buf *b, const void *bytes, size_t n, escape_mode mode)
{
	const unsigned char *p = bytes;
	bool json = mode == ESCAPE_JSON, quoted = mode != ESCAPE_PLAIN;
	bool exact = true;
	size_t i = 0;
	if (quoted)
		hkp11_buf_add_char (b, '"');
	while (i < n && !b->overflow) {
		/* Runs of plain ASCII are copied in one go. */
		size_t run = i;
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		       ((p[run] != '"' && p[run] != '\\') || !quoted))
			run++;
		if (run > i) {
			hkp11_buf_add (b, p + i, run - i);
			i = run;
			continue;
		}
		/* An escape or a character either fits whole or is left out, so
		 * that text cut short still shows nothing half-written. */
		size_t mark = b->len;
		uint32_t cp;
		size_t len = hkp11_utf8_decode (p + i, n - i, &cp);
		if (len == 0) {
			exact = false;
			if (json) {
				hkp11_buf_add (b, "\\ufffd", 6);
			} else {
				char tmp[4] = { '\\', 'x', hex_digits[p[i] >> 4],
						hex_digits[p[i] & 0xf] };
				hkp11_buf_add (b, tmp, sizeof tmp);
			}
			i++;
		} else if (add_short_escape (b, cp)) {
			i += len;
		} else if (needs_escape (cp)) {
			add_u_escape (b, cp);
			i += len;
		} else {
			hkp11_buf_add (b, p + i, len);
			i += len;
		}
		if (b->overflow)
			b->len = mark;
	}
	if (quoted)
		hkp11_buf_add_char (b, '"');
	return exact;
}

bool
hkp11_buf_add_json_string (hkp11_buf *b, const void *bytes, size_t n)
{
	return add_escaped (b, bytes, n, ESCAPE_JSON);
}

void
hkp11_buf_add_text_string (hkp11_buf *b, const void *bytes, size_t n)
{
	add_escaped (b, bytes, n, ESCAPE_TEXT);
}

void
hkp11_buf_add_plain_text (hkp11_buf *b, const void *bytes, size_t n)
{
	add_escaped (b, bytes, n, ESCAPE_PLAIN);
}

void
hkp11_text_escape (char *out, size_t out_size, const char *text)
{
	hkp11_buf b;
	if (out_size == 0)
		return;
	hkp11_buf_init (&b, out, out_size - 1);
	hkp11_buf_add_plain_text (&b, text, strlen (text));
	out[b.len] = '\0';
}

const hkp11_sanitise_rules hkp11_sanitise_label = {
	.invalid = "\xef\xbf\xbd", /* U+FFFD */
	.control = " ",
	.format = "",
	.colon = "\xef\xbc\x9a", /* U+FF1A */
};

const hkp11_sanitise_rules hkp11_sanitise_field = {
	.invalid = "\xef\xbf\xbd",
	.control = " ",
	.format = "",
	.colon = NULL,
};

const hkp11_sanitise_rules hkp11_sanitise_terminal = {
	.invalid = "?",
	.control = "?",
	.format = "?",
	.colon = NULL,
};

size_t
hkp11_text_sanitise (const char *in, size_t in_len, char *buf, size_t buf_len,
		     const hkp11_sanitise_rules *rules)
{
	hkp11_return_val_if_fail (buf != NULL && rules != NULL, 0);
	hkp11_return_val_if_fail (in != NULL || in_len == 0, 0);
	const unsigned char *s = (const unsigned char *)in;
	size_t out = 0;

	if (buf_len == 0)
		return 0;
	for (size_t i = 0; i < in_len;) {
		uint32_t cp = 0;
		size_t n = hkp11_utf8_decode (s + i, in_len - i, &cp);
		const char *put;
		if (n == 0) {
			put = rules->invalid;
			n = 1;
		} else if (cp == ':' && rules->colon != NULL) {
			put = rules->colon;
		} else if (hkp11_unicode_is_control (cp)) {
			put = rules->control;
		} else if (hkp11_unicode_is_format (cp)) {
			put = rules->format;
		} else {
			put = NULL;
		}
		size_t put_len = put != NULL ? strlen (put) : n;
		if (out + put_len >= buf_len)
			break;
		/* In place, what is kept moves down (never up). */
		memmove (buf + out, put != NULL ? put : in + i, put_len);
		out += put_len;
		i += n;
	}
	buf[out] = '\0';
	return out;
}

size_t
hkp11_padded_len (const void *field, size_t size)
{
	const unsigned char *p = field;
	const unsigned char *nul = memchr (p, '\0', size);
	size_t len = nul ? (size_t)(nul - p) : size;
	while (len > 0 && p[len - 1] == ' ')
		len--;
	return len;
}
