/*
 * The settings the tool shows and applies: the policy (check-pin,
 * change-pin), the lockout counts (status, guard release), the audit
 * destination and the token library.
 *
 * They are read from the file the module reads, with the common parser and
 * the same keys, types and defaults as the layers that own them
 * (module/layer-*.c, shim.c; config/hkpost-p11.conf documents them).  Keys
 * the tool has no use for are skipped here; the module checks them when
 * the tool initialises it, and its message says what is wrong.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "audit-log.h"
#include "compat.h"
#include "conf.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const pin_modes[] = { "enforce", "warn", "off", NULL };
static const char *const audit_levels[] = { "off", "security", "calls", NULL };
static const char *const audit_formats[] = { "text", "json", NULL };
static const char *const audit_failures[] = { "continue", "deny", NULL };
static const char *const labels_modes[] = { "hkpost", "all", "off", NULL };
static const char *const languages[] = { "en", "zh-Hant", NULL };

static const cli_settings defaults = {
	.pin_mode = CLI_PIN_ENFORCE,
	.pin_min_length = 8,
	.pin_max_length = 0,
	.pin_require = HKP11_PIN_ALL_CLASSES,
	.lockout_attempts = 15,
	.lockout_warn = 5,
	.lockout_guard = 1,
	.lockout_warn_label = true,
	.lockout_repeat_guard = true,
	.audit_level = CLI_AUDIT_SECURITY,
	.audit_format = 0,
	.audit_failure = 0,
	.labels_mode = CLI_LABELS_HKPOST,
	.label_language = 0,
};

static bool
parse_require (void *field, const char *value, char *why, size_t why_len)
{
	return hkp11_pin_require_parse (value, field, why, why_len);
}

#define OFF(f) offsetof (cli_settings, f)
static const hkp11_option options[] = {
	{ .key = "backend", .type = HKP11_OPT_STRING, .offset = OFF (backend) },
	{ .key = "pin-policy", .type = HKP11_OPT_CHOICE, .offset = OFF (pin_mode), .choices = pin_modes },
	{ .key = "pin-min-length", .type = HKP11_OPT_UINT, .offset = OFF (pin_min_length), .min = 1, .max = 255 },
	{ .key = "pin-max-length", .type = HKP11_OPT_UINT, .offset = OFF (pin_max_length), .min = 0, .max = 255 },
	{ .key = "pin-require", .type = HKP11_OPT_CUSTOM, .offset = OFF (pin_require), .parse = parse_require },
	{ .key = "lockout-attempts", .type = HKP11_OPT_UINT, .offset = OFF (lockout_attempts), .min = 1, .max = 1000 },
	{ .key = "lockout-warn", .type = HKP11_OPT_UINT, .offset = OFF (lockout_warn), .min = 0, .max = 1000 },
	{ .key = "lockout-guard", .type = HKP11_OPT_UINT, .offset = OFF (lockout_guard), .min = 0, .max = 1000 },
	{ .key = "lockout-warn-label", .type = HKP11_OPT_BOOL, .offset = OFF (lockout_warn_label) },
	{ .key = "lockout-repeat-guard", .type = HKP11_OPT_BOOL, .offset = OFF (lockout_repeat_guard) },
	{ .key = "state-dir", .type = HKP11_OPT_STRING, .offset = OFF (state_dir) },
	{ .key = "audit", .type = HKP11_OPT_CHOICE, .offset = OFF (audit_level), .choices = audit_levels },
	{ .key = "audit-format", .type = HKP11_OPT_CHOICE, .offset = OFF (audit_format), .choices = audit_formats },
	{ .key = "audit-file", .type = HKP11_OPT_STRING, .offset = OFF (audit_file) },
	{ .key = "audit-syslog", .type = HKP11_OPT_BOOL, .offset = OFF (audit_syslog) },
	{ .key = "audit-journald", .type = HKP11_OPT_BOOL, .offset = OFF (audit_journald) },
	{ .key = "audit-failure", .type = HKP11_OPT_CHOICE, .offset = OFF (audit_failure), .choices = audit_failures },
	{ .key = "labels", .type = HKP11_OPT_CHOICE, .offset = OFF (labels_mode), .choices = labels_modes },
	{ .key = "label-language", .type = HKP11_OPT_CHOICE, .offset = OFF (label_language), .choices = languages },
	{ .key = NULL },
};
#undef OFF

static bool
known_key (const char *key, size_t len)
{
	for (const hkp11_option *o = options; o->key; o++) {
		if (strlen (o->key) == len && strncmp (o->key, key, len) == 0)
			return true;
	}
	return false;
}

/* Blanks every line whose key the tool does not read, keeping the line
 * numbers of the rest for messages. */
static void
keep_known_keys (char *text)
{
	char *line = text;
	while (line != NULL && *line) {
		char *next = strchr (line, '\n');
		size_t len = next ? (size_t)(next - line) : strlen (line);
		const char *p = line;
		while (p < line + len && (*p == ' ' || *p == '\t'))
			p++;
		const char *colon = memchr (p, ':', len - (size_t)(p - line));
		if (*p != '#' && colon != NULL) {
			const char *k_end = colon;
			while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
				k_end--;
			if (!known_key (p, (size_t)(k_end - p)))
				memset (line, ' ', len);
		}
		line = next ? next + 1 : NULL;
	}
}

static char *
read_text (const char *path, char *why, size_t why_len)
{
	FILE *f = fopen (path, "re");
	char *buf = NULL;
	size_t len = 0;
	if (f == NULL) {
		snprintf (why, why_len, _("cannot read the configuration file %s: %s"), path,
			  strerror (errno));
		return NULL;
	}
	FILE *mem = open_memstream (&buf, &len);
	char chunk[4096];
	size_t got;
	while (mem != NULL && (got = fread (chunk, 1, sizeof chunk, f)) > 0)
		fwrite (chunk, 1, got, mem);
	fclose (f);
	if (mem == NULL || fclose (mem) != 0) {
		free (buf);
		snprintf (why, why_len, _("out of memory"));
		return NULL;
	}
	if (strlen (buf) != len) {
		free (buf);
		snprintf (why, why_len, _("%s is not a text file (it contains a NUL byte)"), path);
		return NULL;
	}
	return buf;
}

bool
cli_settings_load (cli_settings *s, char *why, size_t why_len)
{
	hkp11_option_group group = {
		.name = "tool",
		.options = options,
		.settings = s,
		.defaults = &defaults,
		.size = sizeof *s,
	};
	char path[4096];
	bool must_exist = false;
	hkp11_error err;

	memcpy (s, &defaults, sizeof *s);
	why[0] = '\0';
	if (!hkp11_config_find (path, sizeof path, &must_exist))
		return true;

	char *text = read_text (path, why, why_len);
	if (text == NULL)
		return false;
	keep_known_keys (text);
	bool ok = hkp11_config_parse (&group, 1, text, path, false, &err);
	free (text);
	if (!ok) {
		hkp11_strlcpy (why, err.text, why_len);
		hkp11_config_reset (&group, 1);
		return false;
	}
	hkp11_strlcpy (s->file, path, sizeof s->file);
	s->named_by_env = must_exist;
	return true;
}

void
cli_settings_free (cli_settings *s)
{
	free (s->backend);
	free (s->state_dir);
	free (s->audit_file);
	s->backend = s->state_dir = s->audit_file = NULL;
}

void
cli_settings_rules (const cli_settings *s, hkp11_pin_rules *rules)
{
	hkp11_pin_rules_default (rules);
	rules->min_length = s->pin_min_length;
	rules->max_length = s->pin_max_length;
	rules->require = s->pin_require;
}

bool
cli_settings_lockout_on (const cli_settings *s)
{
	/* As the lockout layer decides whether it is in the stack. */
	return s->lockout_warn > 0 || s->lockout_guard > 0 || s->lockout_repeat_guard;
}

void
cli_settings_audit_file (const cli_settings *s, char *buf, size_t len)
{
	buf[0] = '\0';
	if (s->audit_level == CLI_AUDIT_OFF)
		return;
	if (s->audit_file != NULL) {
		if (strcmp (s->audit_file, "none") != 0)
			hkp11_strlcpy (buf, s->audit_file, len);
		return;
	}
	if (!hkp11_audit_log_default_path (buf, len))
		buf[0] = '\0';
}

/* Where SafeNet Authentication Client installs its library: the list
 * module/backend.c searches, in its order. */
static const char *const default_backends[] = {
#ifdef __APPLE__
	"/usr/local/lib/libeTPkcs11.dylib",
#else
	"/usr/lib64/pkcs11/libeTPkcs11.so",
	"/usr/lib64/libeTPkcs11.so",
	"/usr/lib64/libeToken.so",
	"/usr/lib/pkcs11/libeTPkcs11.so",
	"/usr/lib/pkcs11/libeToken.so",
	"/usr/lib/libeTPkcs11.so",
	"/usr/lib/libeToken.so",
#endif
	NULL,
};

void
cli_settings_backend (const cli_settings *s, cli_backend_choice *c)
{
	memset (c, 0, sizeof *c);
	const char *env = hkp11_getenv ("HKPOST_P11_BACKEND");
	if (env != NULL && env[0] != '\0') {
		c->found = true;
		hkp11_strlcpy (c->path, env, sizeof c->path);
		snprintf (c->chosen_by, sizeof c->chosen_by, _("from HKPOST_P11_BACKEND"));
		return;
	}
	if (s->backend != NULL) {
		c->found = true;
		hkp11_strlcpy (c->path, s->backend, sizeof c->path);
		snprintf (c->chosen_by, sizeof c->chosen_by, _("from 'backend' in %s"), s->file);
		return;
	}
	size_t used = 0;
	for (int i = 0; default_backends[i]; i++) {
		if (access (default_backends[i], F_OK) == 0) {
			c->found = true;
			hkp11_strlcpy (c->path, default_backends[i], sizeof c->path);
			snprintf (c->chosen_by, sizeof c->chosen_by, _("the default SafeNet location"));
			return;
		}
		int n = snprintf (c->tried + used, sizeof c->tried - used, "%s%s", i ? ", " : "",
				  default_backends[i]);
		if (n > 0 && (size_t)n < sizeof c->tried - used)
			used += (size_t)n;
	}
}
