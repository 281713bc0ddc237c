/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON writer for --json: objects, arrays, strings, numbers and
 * booleans, one document on standard output.  Strings from a token or a
 * certificate are escaped whatever they hold; invalid UTF-8 becomes U+FFFD.
 */
#include "config.h"
#include "hkpost-p11.h"

#include <string.h>

void
cli_json_init (cli_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma = false;
}

static void
indent (cli_json *j)
{
	fprintf (j->out, "\n%*s", 2 * j->depth, "");
}

/* Length of the UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t
utf8_len (const unsigned char *p, size_t n)
{
	size_t len;
	unsigned int min;
	unsigned int cp;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void
put_string (FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen (s);
	fputc ('"', out);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			fputc ('\\', out);
			fputc (c, out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf (out, "\\u%04x", c);
			i++;
		} else {
			size_t len = utf8_len (p + i, n - i);
			if (len == 0) {
				fputs ("\\ufffd", out);
				i++;
			} else {
				fwrite (p + i, 1, len, out);
				i += len;
			}
		}
	}
	fputc ('"', out);
}

static void
begin_value (cli_json *j, const char *key)
{
	if (j->need_comma)
		fputc (',', j->out);
	if (j->depth > 0)
		indent (j);
	if (key != NULL) {
		put_string (j->out, key);
		fputs (": ", j->out);
	}
	j->need_comma = true;
}

void
cli_json_object (cli_json *j, const char *key)
{
	begin_value (j, key);
	fputc ('{', j->out);
	j->depth++;
	j->need_comma = false;
}

void
cli_json_array (cli_json *j, const char *key)
{
	begin_value (j, key);
	fputc ('[', j->out);
	j->depth++;
	j->need_comma = false;
}

static void
end (cli_json *j, char c)
{
	bool empty = !j->need_comma;
	j->depth--;
	if (!empty)
		indent (j);
	fputc (c, j->out);
	j->need_comma = true;
}

void
cli_json_end_object (cli_json *j)
{
	end (j, '}');
}

void
cli_json_end_array (cli_json *j)
{
	end (j, ']');
}

void
cli_json_string (cli_json *j, const char *key, const char *value)
{
	begin_value (j, key);
	if (value == NULL)
		fputs ("null", j->out);
	else
		put_string (j->out, value);
}

void
cli_json_int (cli_json *j, const char *key, long long value)
{
	begin_value (j, key);
	fprintf (j->out, "%lld", value);
}

void
cli_json_bool (cli_json *j, const char *key, bool value)
{
	begin_value (j, key);
	fputs (value ? "true" : "false", j->out);
}

void
cli_json_null (cli_json *j, const char *key)
{
	begin_value (j, key);
	fputs ("null", j->out);
}

void
cli_json_finish (cli_json *j)
{
	fputc ('\n', j->out);
	fflush (j->out);
}
