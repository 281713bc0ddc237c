/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: audit escaping, record formatting and the verifier.
 *
 * Audit records carry text a token or an application chose: labels,
 * serials, user names.  The first byte picks what the rest feeds:
 *   0  the escapers, into a buffer of a size the input picks: nothing
 *      written past it, no control character, line break or bidi mark
 *      raw in the output, and (not cut short) the escaped text reads back
 *      to exactly the input (text form) or to its valid UTF-8 (JSON);
 *   1  a whole record, built from the input, in both forms, as the log
 *      writer formats it: one line, valid JSON, never longer than a record
 *      may be once cut;
 *   2  the chain verifier, reading the input as a log file.
 */
#include "config.h"
#include "base/text.h"
#include "audit/format.h"
#include "audit/log.h"
#include "audit/verify.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A broken promise: say which, then crash so that libFuzzer keeps the input. */
#define FAIL() (fprintf (stderr, "%s: check at line %d failed\n", __FILE__, __LINE__), abort ())

/* ---- reading output back ------------------------------------------------- */

static int
hex_value (char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t
put_utf8 (uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (unsigned char)(0xe0 | (cp >> 12));
	out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp & 0x3f));
	return 3;
}

/* Decodes one quoted string at s (len bytes); returns the bytes taken, 0
 * when it is not a well-formed string of this form.  *out gets the text. */
static size_t
unquote (const char *s, size_t len, bool json, unsigned char *out, size_t *out_len)
{
	size_t i = 1, o = 0;
	if (len < 2 || s[0] != '"')
		return 0;
	while (i < len && s[i] != '"') {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0; /* a control character raw */
		if (c != '\\') {
			out[o++] = c;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return 0;
		char e = s[i + 1];
		i += 2;
		switch (e) {
		case '"':
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'x': {
			if (json || i + 2 > len || hex_value (s[i]) < 0 || hex_value (s[i + 1]) < 0)
				return 0;
			out[o++] = (unsigned char)(hex_value (s[i]) << 4 | hex_value (s[i + 1]));
			i += 2;
			break;
		}
		case 'u': {
			uint32_t cp = 0;
			if (i + 4 > len)
				return 0;
			for (int k = 0; k < 4; k++) {
				int h = hex_value (s[i + k]);
				if (h < 0)
					return 0;
				cp = cp << 4 | (uint32_t)h;
			}
			i += 4;
			o += put_utf8 (cp, out + o);
			break;
		}
		default:
			return 0;
		}
	}
	if (i >= len)
		return 0;
	*out_len = o;
	return i + 1;
}

/* Raw code points a log line must never carry. */
static void
check_line (const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			FAIL ();
		/* C1 controls, U+2028/9, bidi marks and overrides, BOM */
		if (i + 1 < len && p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			FAIL ();
		if (i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    ((p[i + 2] >= 0x8e && p[i + 2] <= 0x8f) ||
		     (p[i + 2] >= 0xa8 && p[i + 2] <= 0xae)))
			FAIL ();
		if (i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 &&
		    p[i + 2] <= 0xa9)
			FAIL ();
		if (i + 2 < len && p[i] == 0xef && p[i + 1] == 0xbb && p[i + 2] == 0xbf)
			FAIL ();
	}
}

/* ---- a minimal JSON checker --------------------------------------------- */

static size_t json_value (const char *s, size_t len, int depth);

static size_t
skip_ws (const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static size_t
json_string (const char *s, size_t len)
{
	static unsigned char scratch[65536];
	size_t out_len;
	if (len > sizeof scratch)
		len = sizeof scratch;
	return unquote (s, len, true, scratch, &out_len);
}

static size_t
json_value (const char *s, size_t len, int depth)
{
	size_t i = skip_ws (s, len, 0);
	if (i >= len || depth > 8)
		return 0;
	if (s[i] == '"') {
		size_t n = json_string (s + i, len - i);
		return n ? i + n : 0;
	}
	if (s[i] == '{' || s[i] == '[') {
		bool object = s[i] == '{';
		char close = object ? '}' : ']';
		i = skip_ws (s, len, i + 1);
		if (i < len && s[i] == close)
			return i + 1;
		for (;;) {
			if (object) {
				size_t n = json_string (s + i, len - i);
				if (n == 0)
					return 0;
				i = skip_ws (s, len, i + n);
				if (i >= len || s[i] != ':')
					return 0;
				i++;
			}
			size_t n = json_value (s + i, len - i, depth + 1);
			if (n == 0)
				return 0;
			i = skip_ws (s, len, i + n);
			if (i < len && s[i] == ',') {
				i = skip_ws (s, len, i + 1);
				continue;
			}
			if (i < len && s[i] == close)
				return i + 1;
			return 0;
		}
	}
	size_t start = i;
	while (i < len &&
	       ((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || (s[i] >= 'a' && s[i] <= 'z')))
		i++;
	if (i == start)
		return 0;
	return i;
}

/* ---- the three inputs ------------------------------------------------------ */

static void
fuzz_escape (const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t cap = data[0] * 8u;
	bool json = data[1] & 1;
	const uint8_t *text = data + 2;
	size_t n = size - 2;
	char *mem = malloc (cap ? cap : 1); /* exactly cap: ASan sees a write past it */
	unsigned char *back = malloc (n * 4 + 16);
	hkp11_buf b;
	if (mem == NULL || back == NULL)
		FAIL ();

	hkp11_buf_init (&b, mem, cap);
	bool exact = true;
	if (json)
		exact = hkp11_buf_add_json_string (&b, text, n);
	else
		hkp11_buf_add_text_string (&b, text, n);
	if (b.len > cap)
		FAIL ();
	if (!b.overflow) {
		size_t back_len;
		check_line (mem, b.len);
		if (unquote (mem, b.len, json, back, &back_len) != b.len)
			FAIL ();
		/* Text loses nothing; JSON keeps valid UTF-8 and says when not. */
		if (json && exact != hkp11_utf8_valid (text, n))
			FAIL ();
		if ((!json || exact) && (back_len != n || memcmp (back, text, n) != 0))
			FAIL ();
	}
	/* Cut short or not, what was written is whole characters and escapes. */
	check_line (mem, b.len);
	if (!hkp11_utf8_valid (mem, b.len))
		FAIL ();
	if (hkp11_padded_len (text, n) > n)
		FAIL ();

	/* The unquoted form diagnostics use: one printable line, whatever fits. */
	char *in = malloc (n + 1), *plain = malloc (cap + 1);
	if (in == NULL || plain == NULL)
		FAIL ();
	memcpy (in, text, n);
	in[n] = '\0';
	hkp11_text_escape (plain, cap + 1, in);
	size_t plain_len = strlen (plain);
	if (plain_len > cap)
		FAIL ();
	check_line (plain, plain_len);
	if (!hkp11_utf8_valid (plain, plain_len))
		FAIL ();
	free (in);
	free (plain);
	free (mem);
	free (back);
}

/* Cuts the input into the pieces of a record. */
typedef struct {
	const uint8_t *p;
	size_t left;
} cursor;

static uint8_t
take_byte (cursor *c)
{
	if (c->left == 0)
		return 0;
	c->left--;
	return *c->p++;
}

static CK_ULONG
take_ulong (cursor *c)
{
	CK_ULONG v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | take_byte (c);
	return v;
}

static const void *
take_bytes (cursor *c, size_t *len)
{
	size_t want = take_byte (c);
	want = want << 2 | (take_byte (c) & 3);
	if (want > c->left)
		want = c->left;
	const void *p = c->p;
	c->p += want;
	c->left -= want;
	*len = want;
	return p;
}

static void
fuzz_record (const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "label",    "key_label", "username", "detail",   "id",
					    "template", "mechanism", "flags",    "weird key" };
	static char strings[HKP11_AUDIT_MAX_ARGS][64];
	static CK_ATTRIBUTE attrs[HKP11_AUDIT_MAX_ARGS][40];
	cursor c = { data, size };
	hkp11_audit_record rec;
	unsigned char serial[16];

	memset (&rec, 0, sizeof rec);
	rec.kind = (hkp11_audit_kind)(take_byte (&c) % 3);
	rec.event = (take_byte (&c) & 1) ? "C_Login" : "lockout-warning";
	rec.has_slot = take_byte (&c) & 1;
	rec.slot = take_ulong (&c);
	rec.has_session = take_byte (&c) & 1;
	rec.session = take_ulong (&c);
	rec.has_result = true;
	rec.result = take_ulong (&c);
	for (int i = 0; i < 16; i++)
		serial[i] = take_byte (&c);
	rec.token = serial;
	rec.token_len = sizeof serial;
	size_t n_args = take_byte (&c) % (HKP11_AUDIT_MAX_ARGS + 1);
	for (size_t i = 0; i < n_args && c.left > 0; i++) {
		hkp11_audit_arg_kind kind =
			(hkp11_audit_arg_kind)(take_byte (&c) % (HKP11_ARG_TEMPLATE + 1));
		const char *key = keys[take_byte (&c) % (sizeof keys / sizeof keys[0])];
		size_t len;
		const void *p;
		switch (kind) {
		case HKP11_ARG_STRING:
			p = take_bytes (&c, &len);
			len = len < sizeof strings[i] ? len : sizeof strings[i] - 1;
			memcpy (strings[i], p, len);
			strings[i][len] = '\0';
			hkp11_audit_arg_bytes (&rec, key, kind, strings[i], 0);
			break;
		case HKP11_ARG_TEXT:
		case HKP11_ARG_LABEL:
		case HKP11_ARG_HEX:
			p = take_bytes (&c, &len);
			hkp11_audit_arg_bytes (&rec, key, kind, p, len);
			break;
		case HKP11_ARG_TEMPLATE: {
			size_t n = take_byte (&c) % 40;
			for (size_t k = 0; k < n; k++) {
				attrs[i][k].type = take_ulong (&c);
				attrs[i][k].pValue = NULL;
				attrs[i][k].ulValueLen = take_ulong (&c);
			}
			hkp11_audit_arg_bytes (&rec, key, kind, attrs[i], n);
			break;
		}
		default:
			hkp11_audit_arg_num (&rec, key, kind, take_ulong (&c));
			break;
		}
	}

	for (int json = 0; json < 2; json++) {
		hkp11_audit_format format = json ? HKP11_AUDIT_JSON : HKP11_AUDIT_TEXT;
		char identity[512];
		hkp11_buf id;
		hkp11_buf_init (&id, identity, sizeof identity);
		hkp11_audit_format_identity (&id, format, "host\n\"x", 42, 1000, "prog\x1b[2J");
		hkp11_audit_stamp stamp = {
			"2026-11-26T01:02:03.000004Z", 7, "hostx-42-1", "00ff", identity, id.len
		};
		/* As the writer does: a record too long is written cut. */
		char *line = malloc (HKP11_AUDIT_MAX_RECORD - 1);
		hkp11_buf b;
		if (line == NULL)
			FAIL ();
		hkp11_buf_init (&b, line, HKP11_AUDIT_MAX_RECORD - 1);
		hkp11_audit_format_record (&b, format, &stamp, &rec);
		if (b.overflow) {
			hkp11_audit_record cut = rec;
			cut.n_args = 0;
			hkp11_audit_arg_num (&cut, "truncated", HKP11_ARG_BOOL, 1);
			hkp11_buf_init (&b, line, HKP11_AUDIT_MAX_RECORD - 1);
			hkp11_audit_format_record (&b, format, &stamp, &cut);
			if (b.overflow)
				FAIL ();
		}
		check_line (line, b.len);
		if (json && json_value (line, b.len, 0) != b.len)
			FAIL ();
		free (line);
	}
}

static void
fuzz_verify (const uint8_t *data, size_t size)
{
	static char path[PATH_MAX];
	if (path[0] == '\0') {
		snprintf (path, sizeof path, "%s/hkp11-fuzz-audit-%ld.log",
			  access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid ());
	}
	int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size > 0 && write (fd, data, size) != (ssize_t)size) || close (fd) != 0)
		FAIL ();
	const char *paths[] = { path };
	hkp11_audit_verify_options opts = { .strict = (size & 1) != 0, .out = NULL };
	hkp11_audit_verify_result r;
	hkp11_audit_verify_files (paths, 1, &opts, &r);
	if (r.records > r.lines)
		FAIL ();
	unlink (path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_escape (data + 1, size - 1);
		break;
	case 1:
		fuzz_record (data + 1, size - 1);
		break;
	default:
		fuzz_verify (data + 1, size - 1);
		break;
	}
	return 0;
}
