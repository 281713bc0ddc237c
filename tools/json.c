/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON writer for --json: objects, arrays, strings, numbers and
 * booleans, one document on standard output.  Strings from a token or a
 * certificate are escaped whatever they hold: control and format
 * characters as \uXXXX, invalid UTF-8 as U+FFFD.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/text.h"

#include <stdlib.h>
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

/* Escaped as the audit log's JSON is: control and format characters as
 * \uXXXX, so that no terminal acts on them; invalid UTF-8 as \ufffd. */
static void
put_string (FILE *out, const char *s)
{
	size_t n = strlen (s);
	/* At most 6 bytes out per byte in, and the quotes. */
	size_t cap = 6 * n + 2;
	char *mem = malloc (cap);
	hkp11_buf b;
	if (mem == NULL) {
		fputs ("\"\"", out);
		return;
	}
	hkp11_buf_init (&b, mem, cap);
	hkp11_buf_add_json_string (&b, s, n);
	fwrite (b.data, 1, b.len, out);
	free (mem);
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
