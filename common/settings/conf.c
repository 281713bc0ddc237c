/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/conf.h"
#include "base/paths.h"
#include "base/text.h"
#include "base/compat.h"
#include "base/safe-copy.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How the pReserved settings are named in messages. */
#define INIT_RESERVED_ORIGIN "C_Initialize pReserved"

/* Longest line of a configuration file. */
#define LINE_MAX_LEN 4096

/* Most bytes of a key or value quoted in a message; the rest is "...". */
#define QUOTE_MAX 64
/* Room for QUOTE_MAX bytes escaped (\u001b: 6 each), quotes and "...". */
#define QUOTE_SIZE (QUOTE_MAX * 6 + 8)

static void set_error (hkp11_error *err, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

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
	hkp11_text_escape (err->text, sizeof err->text, raw);
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

/*
 * Where each key was last set, for messages about two keys that disagree:
 * one entry per option of every group, in the order lookup walks them.
 */
typedef struct {
	const char *origin; /* NULL: not set, the default applies */
	const char *unit;
	unsigned int number;
	unsigned int order; /* later settings have higher numbers */
} set_at;

typedef struct {
	set_at *at;
	size_t n;
	unsigned int order;
} set_places;

static bool
places_init (set_places *places, const hkp11_option_group *groups, size_t n_groups)
{
	size_t n = 0;
	for (size_t i = 0; i < n_groups; i++) {
		for (const hkp11_option *opt = groups[i].options; opt->key; opt++)
			n++;
	}
	places->n = n;
	places->order = 0;
	places->at = calloc (n ? n : 1, sizeof *places->at);
	return places->at != NULL;
}

/* The entry of key, or NULL. */
static set_at *
place_of (const set_places *places, const hkp11_option_group *groups, size_t n_groups,
	  const char *key)
{
	size_t i = 0;
	if (places == NULL)
		return NULL;
	for (size_t g = 0; g < n_groups; g++) {
		for (const hkp11_option *opt = groups[g].options; opt->key; opt++, i++) {
			if (strcmp (opt->key, key) == 0)
				return i < places->n ? &places->at[i] : NULL;
		}
	}
	return NULL;
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
apply (const hkp11_option_group *group, const hkp11_option *opt, const char *value, char *why,
       size_t why_len)
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
		snprintf (why, why_len, "expected a whole number from %u to %u", opt->min,
			  opt->max);
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
hkp11_conf_absolute (const char *value, char *why, size_t why_len)
{
	if (value[0] == '/')
		return true;
	snprintf (why, why_len, "expected an absolute path");
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
parse_item (const hkp11_option_group *groups, size_t n_groups, char *item, const char *origin,
	    const char *unit, unsigned int number, set_places *places, hkp11_error *err)
{
	char *line = trim (item);
	if (line[0] == '\0' || line[0] == '#')
		return true;

	char *colon = strchr (line, ':');
	if (colon == NULL) {
		set_error (err, "%s, %s %u: expected 'key: value', found no ':'", origin, unit,
			   number);
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
	set_at *at = place_of (places, groups, n_groups, key);
	if (at != NULL)
		*at = (set_at){ origin, unit, number, ++places->order };
	return true;
}

static bool
parse_text (const hkp11_option_group *groups, size_t n_groups, const char *text, const char *origin,
	    bool semicolons, set_places *places, hkp11_error *err)
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
			set_error (err, "%s, %s %u: longer than %d characters", origin, unit,
				   number, LINE_MAX_LEN);
			ok = false;
			break;
		}
		ok = parse_item (groups, n_groups, item, origin, unit, number, places, err);
		item = next;
		number++;
	}
	free (copy);
	return ok;
}

bool
hkp11_config_parse (const hkp11_option_group *groups, size_t n_groups, const char *text,
		    const char *origin, bool semicolons, hkp11_error *err)
{
	return parse_text (groups, n_groups, text, origin, semicolons, NULL, err);
}

/* "FILE, line N", or "its default" for a key never set. */
static void
describe_place (const set_at *at, char *buf, size_t len)
{
	if (at == NULL || at->origin == NULL)
		snprintf (buf, len, "its default");
	else
		snprintf (buf, len, "%s, %s %u", at->origin, at->unit, at->number);
}

/*
 * Values that are each valid may still contradict each other (a shortest
 * password longer than the longest): each group's agree() decides, once
 * every source is read.  The message names the key set last of the two,
 * where it was set, and where the other one was.
 */
static bool
check_agreement (const hkp11_option_group *groups, size_t n_groups, const set_places *places,
		 hkp11_error *err)
{
	for (size_t i = 0; i < n_groups; i++) {
		const char *key = NULL, *other = NULL;
		char why[512] = "";
		if (groups[i].agree == NULL ||
		    groups[i].agree (groups[i].settings, &key, &other, why, sizeof why))
			continue;
		const set_at *a = place_of (places, groups, n_groups, key);
		const set_at *b = place_of (places, groups, n_groups, other);
		if (b != NULL && b->origin != NULL &&
		    (a == NULL || a->origin == NULL || b->order > a->order)) {
			const char *k = key;
			const set_at *t = a;
			key = other;
			a = b;
			other = k;
			b = t;
		}
		char other_place[4200];
		describe_place (b, other_place, sizeof other_place);
		if (a != NULL && a->origin != NULL)
			set_error (err, "%s, %s %u: key '%s' contradicts '%s' (%s): %s", a->origin,
				   a->unit, a->number, key, other, other_place, why);
		else
			set_error (err, "the defaults of '%s' and '%s' contradict each other: %s",
				   key, other, why);
		if (err)
			err->in_init_reserved = a != NULL && a->origin != NULL &&
						strcmp (a->origin, INIT_RESERVED_ORIGIN) == 0;
		return false;
	}
	return true;
}

static bool
file_exists (const char *path)
{
	struct stat st;
	return stat (path, &st) == 0;
}

/* The system-wide file, the only one a secure-mode program reads. */
static bool
system_file (char *path, size_t path_len)
{
	int n = snprintf (path, path_len, "%s/hkpost-p11/%s", hkp11_system_config_dir (),
			  HKP11_CONFIG_NAME);
	return n > 0 && (size_t)n < path_len && file_exists (path);
}

bool
hkp11_config_find (char *path, size_t path_len, bool *must_exist)
{
	*must_exist = false;

	/* Set-uid, set-gid or with capabilities: a user's file would choose
	 * the library that runs with rights the user does not have. */
	if (hkp11_secure_mode ())
		return system_file (path, path_len);

	const char *env = hkp11_getenv (HKP11_ENV_CONF);
	if (env != NULL && env[0] != '\0') {
		*must_exist = true;
		return hkp11_strlcpy (path, env, path_len) < path_len;
	}

	if (hkp11_xdg_config_path ("hkpost-p11/" HKP11_CONFIG_NAME, path, path_len) &&
	    file_exists (path))
		return true;

	return system_file (path, path_len);
}

/* In a secure-mode program the file must be root's (or the program's own
 * user's) and writable by no one else: whoever can change it chooses the
 * library that runs with the program's rights. */
static bool
trusted_by_secure_program (FILE *f, const char *path, hkp11_error *err)
{
	struct stat st;
	if (fstat (fileno (f), &st) != 0 || !S_ISREG (st.st_mode)) {
		set_error (err, "%s: not a regular file", path);
		return false;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid ()) || (st.st_mode & 022) != 0) {
		set_error (
			err,
			"%s is not used by a set-uid, set-gid or privileged program: it must "
			"belong to root and be writable by no one else (owner uid %lu, mode %03o)",
			path, (unsigned long)st.st_uid, (unsigned int)(st.st_mode & 0777));
		return false;
	}
	return true;
}

static bool
read_file (const char *path, char **text, hkp11_error *err)
{
	FILE *f = fopen (path, "re");
	if (f == NULL) {
		set_error (err,
			   "cannot read configuration file %s: %s (unset %s or create the file)",
			   path, strerror (errno), HKP11_ENV_CONF);
		return false;
	}
	if (hkp11_secure_mode () && !trusted_by_secure_program (f, path, err)) {
		fclose (f);
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

/*
 * pReserved is whatever the host put there: never read it directly.  A
 * pointer into the first page, memory that cannot be read, or no end
 * within the limit is the caller's error, CKR_ARGUMENTS_BAD, not a crash.
 */
static bool
parse_init_reserved (const hkp11_option_group *groups, size_t n_groups, const void *init_reserved,
		     set_places *places, hkp11_error *err)
{
	char *text = NULL;
	hkp11_copy_result copied =
		hkp11_safe_copy_string (init_reserved, HKP11_INIT_RESERVED_MAX, &text);
	bool ok;
	if (copied == HKP11_COPY_OK) {
		ok = parse_text (groups, n_groups, text, INIT_RESERVED_ORIGIN, true, places, err);
		free (text);
		if (!ok && err)
			err->in_init_reserved = true;
		return ok;
	}
	set_error (err, "%s: not a settings string of at most %d bytes: %s", INIT_RESERVED_ORIGIN,
		   HKP11_INIT_RESERVED_MAX, hkp11_copy_result_text (copied));
	/* Only a fault of this system is not the caller's. */
	if (err)
		err->in_init_reserved =
			copied != HKP11_COPY_NO_MEMORY && copied != HKP11_COPY_NO_WAY;
	return false;
}

bool
hkp11_config_load (const hkp11_option_group *groups, size_t n_groups, const void *init_reserved,
		   hkp11_config_sources *sources, hkp11_error *err)
{
	char path[4096];
	bool must_exist = false;
	bool ok = true;
	set_places places;

	if (err) {
		err->text[0] = '\0';
		err->in_init_reserved = false;
	}
	if (sources)
		memset (sources, 0, sizeof *sources);
	hkp11_config_reset (groups, n_groups);
	if (!places_init (&places, groups, n_groups)) {
		set_error (err, "reading the settings: out of memory");
		return false;
	}

	if (hkp11_config_find (path, sizeof path, &must_exist)) {
		char *text = NULL;
		ok = read_file (path, &text, err);
		if (ok) {
			ok = parse_text (groups, n_groups, text, path, false, &places, err);
			free (text);
		}
		if (ok && sources)
			hkp11_strlcpy (sources->file, path, sizeof sources->file);
	} else if (must_exist) {
		set_error (err, "configuration file named by %s is too long a path",
			   HKP11_ENV_CONF);
		ok = false;
	}

	if (ok && init_reserved != NULL) {
		ok = parse_init_reserved (groups, n_groups, init_reserved, &places, err);
		if (ok && sources)
			sources->init_reserved = true;
	}

	if (ok)
		ok = check_agreement (groups, n_groups, &places, err);
	free (places.at);
	if (!ok)
		hkp11_config_reset (groups, n_groups);
	return ok;
}
