/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "conf.h"
#include "audit-escape.h"
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Longest line of a configuration file. */
#define LINE_MAX_LEN 4096

/* Most bytes of a key or value quoted in a message; the rest is "...". */
#define QUOTE_MAX 64
/* Room for QUOTE_MAX bytes escaped (\u001b: 6 each), quotes and "...". */
#define QUOTE_SIZE (QUOTE_MAX * 6 + 8)

static void
set_error (hkp11_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/*
 * Messages quote paths, keys, values and what a check said of them, all from
 * a file or a pReserved string someone else may have written: escaped here
 * once, so that none of it reaches a terminal, a log or `hkpost-p11 status`
 * as control characters or a forged line.
 */
static void
set_error (hkp11_error *err, const char *fmt, ...)
{
	char raw[sizeof err->text];
	va_list ap;
	if (err == NULL)
		return;
	va_start (ap, fmt);
	vsnprintf (raw, sizeof raw, fmt, ap);
	va_end (ap);
	hkp11_text_sanitize (err->text, sizeof err->text, raw);
}

/*
 * text in double quotes, escaped as the audit text format does (\u001b,
 * \r, \xff) and cut after QUOTE_MAX bytes with "...", so that a long value
 * cannot push file, line and key out of the message.
 */
static const char *
quote (char out[QUOTE_SIZE], const char *text)
{
	hkp11_buf b;
	size_t len = strlen (text);
	bool cut = len > QUOTE_MAX;
	if (cut) {
		/* Not within a UTF-8 sequence, which would show as \xNN. */
		len = QUOTE_MAX;
		for (int i = 0; i < 3 && ((unsigned char)text[len] & 0xc0) == 0x80; i++)
			len--;
	}
	hkp11_buf_init (&b, out, QUOTE_SIZE - 1);
	hkp11_buf_add_text_string (&b, text, len);
	if (cut) {
		b.len--; /* the closing quote */
		hkp11_buf_add_str (&b, "...\"");
	}
	out[b.len] = '\0';
	return out;
}

/* Whether a value holds a control character other than a tab. */
static bool
has_control (const char *value)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return true;
	}
	return false;
}

static void *
field_of (const hkp11_option_group *group, const hkp11_option *opt)
{
	return (char *)group->settings + opt->offset;
}

static void
release_group (const hkp11_option_group *group)
{
	for (const hkp11_option *opt = group->options; opt->key; opt++) {
		void *field = field_of (group, opt);
		if (opt->type == HKP11_OPT_STRING) {
			free (*(char **)field);
			*(char **)field = NULL;
		} else if (opt->type == HKP11_OPT_CUSTOM && opt->release) {
			opt->release (field);
		}
	}
}

void
hkp11_config_reset (const hkp11_option_group *groups, size_t n_groups)
{
	for (size_t i = 0; i < n_groups; i++) {
		release_group (&groups[i]);
		memcpy (groups[i].settings, groups[i].defaults, groups[i].size);
	}
}

static const hkp11_option *
lookup (const hkp11_option_group *groups, size_t n_groups, const char *key,
	const hkp11_option_group **group)
{
	for (size_t i = 0; i < n_groups; i++) {
		for (const hkp11_option *opt = groups[i].options; opt->key; opt++) {
			if (strcmp (opt->key, key) == 0) {
				*group = &groups[i];
				return opt;
			}
		}
	}
	return NULL;
}

static bool
parse_uint (const char *value, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	if (!isdigit ((unsigned char)value[0]))
		return false;
	errno = 0;
	unsigned long v = strtoul (value, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

static bool
parse_bool (const char *value, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	for (int i = 0; yes[i]; i++) {
		if (strcasecmp (value, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp (value, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static void
describe_choices (const char *const *choices, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; choices[i] && used < len; i++) {
		int n = snprintf (buf + used, len - used, "%s%s", i ? ", " : "", choices[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Applies one key/value pair; why describes a bad value. */
static bool
apply (const hkp11_option_group *group, const hkp11_option *opt, const char *value,
       char *why, size_t why_len)
{
	void *field = field_of (group, opt);
	char choices[256];

	switch (opt->type) {
	case HKP11_OPT_STRING: {
		if (opt->check != NULL) {
			if (!opt->check (value, why, why_len))
				return false;
		} else if (value[0] == '\0') {
			snprintf (why, why_len, "a value is required");
			return false;
		}
		char *copy = strdup (value);
		if (copy == NULL) {
			snprintf (why, why_len, "out of memory");
			return false;
		}
		free (*(char **)field);
		*(char **)field = copy;
		return true;
	}
	case HKP11_OPT_UINT:
		if (parse_uint (value, opt->min, opt->max, field))
			return true;
		snprintf (why, why_len, "expected a whole number from %u to %u", opt->min, opt->max);
		return false;
	case HKP11_OPT_BOOL:
		if (parse_bool (value, field))
			return true;
		snprintf (why, why_len, "expected yes or no");
		return false;
	case HKP11_OPT_CHOICE:
		for (int i = 0; opt->choices[i]; i++) {
			if (strcmp (value, opt->choices[i]) == 0) {
				*(int *)field = i;
				return true;
			}
		}
		describe_choices (opt->choices, choices, sizeof choices);
		snprintf (why, why_len, "expected one of: %s", choices);
		return false;
	case HKP11_OPT_CUSTOM:
		return opt->parse (field, value, why, why_len);
	}
	snprintf (why, why_len, "unsupported option type");
	return false;
}

bool
hkp11_conf_absolute_or_none (const char *value, char *why, size_t why_len)
{
	if (value[0] == '/' || strcmp (value, "none") == 0)
		return true;
	snprintf (why, why_len, "expected an absolute path or none");
	return false;
}

static char *
trim (char *s)
{
	while (isspace ((unsigned char)*s))
		s++;
	size_t len = strlen (s);
	while (len > 0 && isspace ((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* Parses one item; an empty item or a comment is fine. */
static bool
parse_item (const hkp11_option_group *groups, size_t n_groups, char *item,
	    const char *origin, const char *unit, unsigned int number, hkp11_error *err)
{
	char *line = trim (item);
	if (line[0] == '\0' || line[0] == '#')
		return true;

	char *colon = strchr (line, ':');
	if (colon == NULL) {
		set_error (err, "%s, %s %u: expected 'key: value', found no ':'", origin, unit, number);
		return false;
	}
	*colon = '\0';
	char *key = trim (line);
	char *value = trim (colon + 1);

	/* Keys are short identifiers: each one known is printed as it is. */
	char quoted[QUOTE_SIZE];
	size_t key_len = strspn (key, "abcdefghijklmnopqrstuvwxyz0123456789-_");
	if (key[0] == '\0' || key[key_len] != '\0' || key_len > 64) {
		set_error (err, "%s, %s %u: %s is not a valid key", origin, unit, number,
			   quote (quoted, key));
		return false;
	}

	const hkp11_option_group *group = NULL;
	const hkp11_option *opt = lookup (groups, n_groups, key, &group);
	if (opt == NULL) {
		set_error (err, "%s, %s %u: unknown key '%s'", origin, unit, number, key);
		return false;
	}

	/* No setting wants them, and a CR in a value is a damaged file. */
	char why[512] = "";
	bool ok;
	if (has_control (value)) {
		snprintf (why, sizeof why, "control characters are not allowed");
		ok = false;
	} else {
		ok = apply (group, opt, value, why, sizeof why);
	}
	if (!ok) {
		if (value[0] == '\0')
			set_error (err, "%s, %s %u: bad value for key '%s': %s", origin, unit,
				   number, key, why);
		else
			set_error (err, "%s, %s %u: bad value for key '%s': %s (found %s)", origin,
				   unit, number, key, why, quote (quoted, value));
		return false;
	}
	return true;
}

bool
hkp11_config_parse (const hkp11_option_group *groups, size_t n_groups, const char *text,
		    const char *origin, bool semicolons, hkp11_error *err)
{
	char *copy = strdup (text);
	if (copy == NULL) {
		set_error (err, "%s: out of memory", origin);
		return false;
	}

	const char *separators = semicolons ? "\n;" : "\n";
	const char *unit = semicolons ? "item" : "line";
	unsigned int number = 1;
	bool ok = true;
	char *item = copy;
	while (ok && item != NULL) {
		char *next = item + strcspn (item, separators);
		if (*next != '\0')
			*next++ = '\0';
		else
			next = NULL;
		if (strlen (item) > LINE_MAX_LEN) {
			set_error (err, "%s, %s %u: longer than %d characters", origin, unit, number,
				   LINE_MAX_LEN);
			ok = false;
			break;
		}
		ok = parse_item (groups, n_groups, item, origin, unit, number, err);
		item = next;
		number++;
	}
	free (copy);
	return ok;
}

static bool
file_exists (const char *path)
{
	struct stat st;
	return stat (path, &st) == 0;
}

bool
hkp11_config_find (char *path, size_t path_len, bool *must_exist)
{
	*must_exist = false;

	const char *env = hkp11_getenv (HKP11_ENV_CONF);
	if (env != NULL && env[0] != '\0') {
		*must_exist = true;
		return hkp11_strlcpy (path, env, path_len) < path_len;
	}

	const char *xdg = hkp11_getenv ("XDG_CONFIG_HOME");
	int n = -1;
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf (path, path_len, "%s/hkpost-p11/%s", xdg, HKP11_CONFIG_NAME);
	} else {
		const char *home = hkp11_home_dir ();
		if (home != NULL)
			n = snprintf (path, path_len, "%s/.config/hkpost-p11/%s", home,
				      HKP11_CONFIG_NAME);
	}
	if (n > 0 && (size_t)n < path_len && file_exists (path))
		return true;

	n = snprintf (path, path_len, "%s/hkpost-p11/%s", SYSCONFDIR, HKP11_CONFIG_NAME);
	return n > 0 && (size_t)n < path_len && file_exists (path);
}

static bool
read_file (const char *path, char **text, hkp11_error *err)
{
	FILE *f = fopen (path, "re");
	if (f == NULL) {
		set_error (err, "cannot read configuration file %s: %s (unset %s or create the file)",
			   path, strerror (errno), HKP11_ENV_CONF);
		return false;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream (&buf, &len);
	bool ok = mem != NULL;
	char chunk[4096];
	size_t got;
	while (ok && (got = fread (chunk, 1, sizeof chunk, f)) > 0) {
		if (memchr (chunk, '\0', got) != NULL) {
			set_error (err, "%s: not a text file (contains a NUL byte)", path);
			ok = false;
		} else if (fwrite (chunk, 1, got, mem) != got) {
			ok = false;
		}
	}
	if (ok && ferror (f)) {
		set_error (err, "cannot read configuration file %s: %s", path, strerror (errno));
		ok = false;
	}
	fclose (f);
	if (mem != NULL)
		fclose (mem);
	if (!ok) {
		if (err && err->text[0] == '\0')
			set_error (err, "%s: out of memory", path);
		free (buf);
		return false;
	}
	*text = buf;
	return true;
}

bool
hkp11_config_load (const hkp11_option_group *groups, size_t n_groups, const char *init_reserved,
		   hkp11_config_sources *sources, hkp11_error *err)
{
	char path[4096];
	bool must_exist = false;
	bool ok = true;

	if (err) {
		err->text[0] = '\0';
		err->in_init_reserved = false;
	}
	if (sources)
		memset (sources, 0, sizeof *sources);
	hkp11_config_reset (groups, n_groups);

	if (hkp11_config_find (path, sizeof path, &must_exist)) {
		char *text = NULL;
		ok = read_file (path, &text, err);
		if (ok) {
			ok = hkp11_config_parse (groups, n_groups, text, path, false, err);
			free (text);
		}
		if (ok && sources)
			hkp11_strlcpy (sources->file, path, sizeof sources->file);
	} else if (must_exist) {
		set_error (err, "configuration file named by %s is too long a path", HKP11_ENV_CONF);
		ok = false;
	}

	if (ok && init_reserved != NULL) {
		if (strnlen (init_reserved, HKP11_INIT_RESERVED_MAX + 1) > HKP11_INIT_RESERVED_MAX) {
			set_error (err, "C_Initialize pReserved: not a settings string of at most %d bytes",
				   HKP11_INIT_RESERVED_MAX);
			if (err)
				err->in_init_reserved = true;
			ok = false;
		} else {
			ok = hkp11_config_parse (groups, n_groups, init_reserved,
						 "C_Initialize pReserved", true, err);
			if (!ok && err)
				err->in_init_reserved = true;
			if (ok && sources)
				sources->init_reserved = true;
		}
	}

	if (!ok)
		hkp11_config_reset (groups, n_groups);
	return ok;
}
