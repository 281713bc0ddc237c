/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The settings groups against their documentation: every key the module and
 * the tool load (common/settings/settings.h) is documented in config/hkpost-p11.conf,
 * every key documented there is known, and each documented "#key: value"
 * is the default, so that neither the code nor the file can drift.
 *
 * The file's convention: a commented "#key: value" gives the default.  Keys
 * that are unset by default (a path, a template, a list: strings default to
 * NULL, audit-skip to no function) show an example instead, which must
 * still be a value the parser takes.
 */
#include "config.h"
#include "settings/conf.h"
#include "settings/settings.h"
#include "settings/programs.h"
#include "p11-test.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_FILE P11T_SRCDIR "/config/hkpost-p11.conf"

static hkp11_option_group groups[HKP11_SETTINGS_MAX_GROUPS];
static size_t n_groups;

/* ---- the documentation -------------------------------------------------- */

typedef struct {
	char key[80];
	char value[512];
	unsigned int line;
} doc_entry;

static doc_entry docs[64];
static size_t n_docs;
static char *doc_text;

static char *
trim (char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen (s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
		s[--len] = '\0';
	return s;
}

/* Collects every "#key: value" line: '#' right before a lower-case key.
 * Prose comments have a blank after the '#'. */
static void
read_docs (void)
{
	FILE *f = fopen (CONF_FILE, "re");
	ck_assert_msg (f != NULL, "cannot read %s", CONF_FILE);
	char *line = NULL;
	size_t cap = 0;
	unsigned int number = 0;
	size_t text_len = 0;

	n_docs = 0;
	doc_text = calloc (1, 1);
	while (getline (&line, &cap, f) > 0) {
		number++;
		size_t len = strlen (line);
		doc_text = realloc (doc_text, text_len + len + 1);
		ck_assert_ptr_nonnull (doc_text);
		memcpy (doc_text + text_len, line, len + 1);
		text_len += len;

		if (line[0] != '#' || line[1] < 'a' || line[1] > 'z')
			continue;
		size_t key_len = strspn (line + 1, "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (line[1 + key_len] != ':')
			continue;
		ck_assert_uint_lt (n_docs, sizeof docs / sizeof docs[0]);
		doc_entry *d = &docs[n_docs++];
		ck_assert_uint_lt (key_len, sizeof d->key);
		memcpy (d->key, line + 1, key_len);
		d->key[key_len] = '\0';
		char *value = trim (line + 2 + key_len);
		ck_assert_uint_lt (strlen (value), sizeof d->value);
		strcpy (d->value, value);
		d->line = number;
	}
	free (line);
	fclose (f);
}

static const doc_entry *
doc_find (const char *key, size_t nth)
{
	for (size_t i = 0; i < n_docs; i++) {
		if (strcmp (docs[i].key, key) == 0 && nth-- == 0)
			return &docs[i];
	}
	return NULL;
}

/* ---- the groups ----------------------------------------------------------- */

static const hkp11_option *
option_find (const char *key, const hkp11_option_group **group)
{
	for (size_t i = 0; i < n_groups; i++) {
		for (const hkp11_option *o = groups[i].options; o->key; o++) {
			if (strcmp (o->key, key) == 0) {
				*group = &groups[i];
				return o;
			}
		}
	}
	return NULL;
}

static const void *
default_of (const hkp11_option_group *g, const hkp11_option *o)
{
	return (const char *)g->defaults + o->offset;
}

/* Keys other than strings whose default is "nothing": documented by example. */
static bool
empty_by_default (const char *key)
{
	if (strcmp (key, "audit-skip") == 0) {
		static const hkp11_fn_set none;
		const hkp11_audit_settings *d = hkp11_audit_group.defaults;
		ck_assert_msg (memcmp (&d->skip, &none, sizeof none) == 0,
			       "audit-skip: the default is no longer the empty set");
		return true;
	}
	return false;
}

static char *tmpdir;

static void
setup (void)
{
	tmpdir = p11t_tmpdir ("settings");
	n_groups = hkp11_settings_groups (groups, HKP11_SETTINGS_MAX_GROUPS);
	hkp11_config_reset (groups, n_groups);
	read_docs ();
}

static void
teardown (void)
{
	hkp11_config_reset (groups, n_groups);
	free (doc_text);
	doc_text = NULL;
	p11t_rmtree (tmpdir);
	free (tmpdir);
}

/* ---- tests ---------------------------------------------------------------- */

START_TEST (test_groups_are_sound)
{
	ck_assert_uint_ge (n_groups, 5);
	ck_assert_uint_lt (n_groups, HKP11_SETTINGS_MAX_GROUPS + 1);
	for (size_t i = 0; i < n_groups; i++) {
		const hkp11_option_group *g = &groups[i];
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne (g->name, groups[j].name);
		for (const hkp11_option *o = g->options; o->key; o++) {
			const hkp11_option_group *first;
			/* A key in two groups would silently go to the first. */
			ck_assert_ptr_eq (option_find (o->key, &first), o);
			ck_assert_uint_lt (o->offset, g->size);
			const void *def = default_of (g, o);
			switch (o->type) {
			case HKP11_OPT_STRING:
				/* Strings are freed on reset: a default can only be NULL. */
				ck_assert_msg (*(char *const *)def == NULL, "%s: default not NULL",
					       o->key);
				break;
			case HKP11_OPT_UINT:
				ck_assert_uint_le (o->min, o->max);
				ck_assert_msg (*(const unsigned int *)def >= o->min &&
						       *(const unsigned int *)def <= o->max,
					       "%s: default %u outside %u..%u", o->key,
					       *(const unsigned int *)def, o->min, o->max);
				break;
			case HKP11_OPT_CHOICE: {
				ck_assert_ptr_nonnull (o->choices);
				int n = 0;
				while (o->choices[n])
					n++;
				int index = *(const int *)def;
				ck_assert_msg (index >= 0 && index < n, "%s: default is no choice",
					       o->key);
				break;
			}
			case HKP11_OPT_CUSTOM:
				ck_assert_ptr_nonnull (o->parse);
				break;
			case HKP11_OPT_BOOL:
				break;
			}
		}
	}
}
END_TEST

START_TEST (test_empty_file_gives_defaults)
{
	hkp11_error err;
	setenv ("HKPOST_P11_CONF", "/dev/null", 1);
	ck_assert_msg (hkp11_config_load (groups, n_groups, NULL, NULL, &err), "%s", err.text);
	for (size_t i = 0; i < n_groups; i++)
		ck_assert_msg (memcmp (groups[i].settings, groups[i].defaults, groups[i].size) == 0,
			       "group %s", groups[i].name);
	/* What the layers and the tool read. */
	ck_assert_ptr_null (hkp11_core_conf.backend);
	ck_assert_int_eq (hkp11_policy_conf.mode, HKP11_PIN_MODE_ENFORCE);
	ck_assert_uint_eq (hkp11_lockout_conf.attempts, 15);
	ck_assert_int_eq (hkp11_audit_conf.level, HKP11_AUDIT_LEVEL_SECURITY);
	ck_assert_int_eq (hkp11_labels_conf.mode, HKP11_LABELS_HKPOST);
}
END_TEST

START_TEST (test_documented_keys_are_known)
{
	ck_assert_uint_ge (n_docs, 20);
	for (size_t i = 0; i < n_docs; i++) {
		const hkp11_option_group *g;
		char text[700];
		hkp11_error err;
		ck_assert_msg (option_find (docs[i].key, &g) != NULL,
			       "config/hkpost-p11.conf, line %u: '%s' is no key the module knows",
			       docs[i].line, docs[i].key);
		snprintf (text, sizeof text, "%s: %s", docs[i].key, docs[i].value);
		ck_assert_msg (hkp11_config_parse (groups, n_groups, text, "doc", false, &err),
			       "config/hkpost-p11.conf, line %u: %s", docs[i].line, err.text);
		hkp11_config_reset (groups, n_groups);
	}
}
END_TEST

START_TEST (test_every_key_is_documented)
{
	for (size_t i = 0; i < n_groups; i++) {
		for (const hkp11_option *o = groups[i].options; o->key; o++)
			ck_assert_msg (doc_find (o->key, 0) != NULL,
				       "config/hkpost-p11.conf does not document '%s'", o->key);
	}
}
END_TEST

START_TEST (test_documented_values_are_the_defaults)
{
	for (size_t i = 0; i < n_docs; i++) {
		const hkp11_option_group *g;
		const hkp11_option *o = option_find (docs[i].key, &g);
		char text[700];
		hkp11_error err;
		ck_assert_ptr_nonnull (o);
		if (o->type == HKP11_OPT_STRING || empty_by_default (o->key))
			continue; /* unset by default: the file shows an example */

		snprintf (text, sizeof text, "%s: %s", docs[i].key, docs[i].value);
		ck_assert (hkp11_config_parse (groups, n_groups, text, "doc", false, &err));
		ck_assert_msg (memcmp (g->settings, g->defaults, g->size) == 0,
			       "config/hkpost-p11.conf, line %u: '#%s' is not the default",
			       docs[i].line, text);
		hkp11_config_reset (groups, n_groups);
	}
}
END_TEST

START_TEST (test_label_templates_documented)
{
	/* "The default for en is:" and "and for zh-Hant:", in that order. */
	const doc_entry *en = doc_find ("label-template", 0);
	const doc_entry *zh = doc_find ("label-template", 1);
	ck_assert_ptr_nonnull (en);
	ck_assert_ptr_nonnull (zh);
	ck_assert_str_eq (en->value, hkp11_label_default_template (HKP11_LANG_EN));
	ck_assert_str_eq (zh->value, hkp11_label_default_template (HKP11_LANG_ZH_HANT));
}
END_TEST

START_TEST (test_default_backends_documented)
{
	size_t n = 0;
	for (; hkp11_default_backends[n]; n++)
		ck_assert_msg (strstr (doc_text, hkp11_default_backends[n]) != NULL,
			       "config/hkpost-p11.conf does not list %s",
			       hkp11_default_backends[n]);
	ck_assert_uint_gt (n, 0);
}
END_TEST

/* Settings each valid but unworkable: named with file, line and key. */
static const char *
load_conf_fails (const char *text)
{
	static hkp11_error err;
	char path[4200];
	snprintf (path, sizeof path, "%s/unworkable.conf", tmpdir);
	FILE *f = fopen (path, "w");
	ck_assert_ptr_nonnull (f);
	fputs (text, f);
	fclose (f);
	setenv ("HKPOST_P11_CONF", path, 1);
	ck_assert_msg (!hkp11_config_load (groups, n_groups, NULL, NULL, &err), "accepted: %s",
		       text);
	ck_assert_msg (strstr (err.text, path) != NULL, "%s", err.text);
	/* Nothing of it stays. */
	ck_assert_uint_eq (hkp11_policy_conf.min_length, 8);
	ck_assert_ptr_null (hkp11_lockout_conf.state_dir);
	return err.text;
}

#define ck_assert_contains(hay, needle) \
	ck_assert_msg (strstr ((hay), (needle)) != NULL, "'%s' does not contain '%s'", (hay), \
		       (needle))

START_TEST (test_relative_state_dir_refused)
{
	const char *why = load_conf_fails ("# counts\nstate-dir: relstate\n");
	ck_assert_contains (why,
			    "line 2: bad value for key 'state-dir': expected an absolute path");
	why = load_conf_fails ("state-dir: ~/state\n");
	ck_assert_contains (why, "line 1: bad value for key 'state-dir'");
	/* From pReserved too, and blamed on it. */
	hkp11_error err;
	setenv ("HKPOST_P11_CONF", "/dev/null", 1);
	ck_assert (!hkp11_config_load (groups, n_groups, "state-dir: .", NULL, &err));
	ck_assert (err.in_init_reserved);
	ck_assert_contains (err.text, "item 1: bad value for key 'state-dir'");
	ck_assert_msg (hkp11_config_load (groups, n_groups, "state-dir: /var/lib/x", NULL, &err),
		       "%s", err.text);
	ck_assert_str_eq (hkp11_lockout_conf.state_dir, "/var/lib/x");
	hkp11_config_reset (groups, n_groups);
}
END_TEST

/* lockout-label-programs: which host programs' token label counts down. */
START_TEST (test_label_programs)
{
	hkp11_error err;
	const hkp11_program_list *l = &hkp11_lockout_conf.label_programs;

	/* The default: the browsers, under Debian's names too; not
	 * Thunderbird, nor any program that selects a token by its label. */
	setenv ("HKPOST_P11_CONF", "/dev/null", 1);
	ck_assert_msg (hkp11_config_load (groups, n_groups, NULL, NULL, &err), "%s", err.text);
	ck_assert (hkp11_program_listed (l, "firefox"));
	ck_assert (hkp11_program_listed (l, "firefox-esr"));
	ck_assert (hkp11_program_listed (l, "chromium"));
	ck_assert (hkp11_program_listed (l, "chromium-browser"));
	const char *never[] = { "thunderbird", "p11tool", "pkcs11-tool",
				"openssl",     "gpgsm",   "gnupg-pkcs11-scd",
				"certutil",    "ssh",     "firefoxy",
				"fire",        "",        NULL };
	for (int i = 0; never[i]; i++)
		ck_assert_msg (!hkp11_program_listed (l, never[i]), "%s", never[i]);
	ck_assert (!hkp11_program_listed (l, NULL));

	ck_assert_msg (hkp11_config_load (groups, n_groups,
					  "lockout-label-programs: thunderbird, pkcs11-tool", NULL,
					  &err),
		       "%s", err.text);
	ck_assert_uint_eq (l->n, 2);
	ck_assert (hkp11_program_listed (l, "thunderbird"));
	ck_assert (hkp11_program_listed (l, "pkcs11-tool"));
	ck_assert (!hkp11_program_listed (l, "pkcs11"));
	ck_assert (!hkp11_program_listed (l, "firefox-esr"));
	ck_assert_msg (
		hkp11_config_load (groups, n_groups, "lockout-label-programs: none", NULL, &err),
		"%s", err.text);
	ck_assert_uint_eq (l->n, 0);
	ck_assert (!hkp11_program_listed (l, "firefox"));
	hkp11_config_reset (groups, n_groups);

	/* Bad values: named with file, line and key, and why. */
	const char *why = load_conf_fails ("\nlockout-label-programs: /usr/bin/firefox\n");
	ck_assert_contains (why, "line 2: bad value for key 'lockout-label-programs': "
				 "'/usr/bin/firefox' is not a program name");
	why = load_conf_fails ("lockout-label-programs: fire*\n");
	ck_assert_contains (why, "line 1: bad value for key 'lockout-label-programs'");
	why = load_conf_fails ("lockout-label-programs:\n");
	ck_assert_contains (why, "line 1: bad value for key 'lockout-label-programs': "
				 "expected program names, or none");
	why = load_conf_fails ("lockout-label-programs: firefox none\n");
	ck_assert_contains (why, "none cannot be listed");
	why = load_conf_fails ("lockout-label-programs: a b c d e f g h i j k l m n o p q\n");
	ck_assert_contains (why, "more than 16 program names");
	char long_name[200];
	snprintf (long_name, sizeof long_name, "lockout-label-programs: %070d\n", 0);
	why = load_conf_fails (long_name);
	ck_assert_contains (why, "longer than 63 characters");
	/* Nothing of a bad value stays. */
	ck_assert_uint_eq (l->n, 2);
}
END_TEST

START_TEST (test_pin_lengths_contradiction_refused)
{
	const char *why = load_conf_fails ("pin-min-length: 8\n\npin-max-length: 6\n");
	ck_assert_contains (why, "line 3: key 'pin-max-length' contradicts 'pin-min-length'");
	ck_assert_contains (why, "line 1)");
	why = load_conf_fails ("pin-max-length: 7\n");
	ck_assert_contains (
		why, "line 1: key 'pin-max-length' contradicts 'pin-min-length' (its default)");
	why = load_conf_fails ("pin-max-length: 10\npin-min-length: 12\n");
	ck_assert_contains (why, "line 2: key 'pin-min-length' contradicts 'pin-max-length'");

	/* What still works: equal lengths, no maximum, the maximum alone. */
	static const char *const fine[] = {
		"pin-min-length: 10\npin-max-length: 10\n",
		"pin-min-length: 200\npin-max-length: 0\n",
		"pin-max-length: 8\n",
	};
	char path[4200];
	snprintf (path, sizeof path, "%s/fine.conf", tmpdir);
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		hkp11_error err;
		FILE *f = fopen (path, "w");
		ck_assert_ptr_nonnull (f);
		fputs (fine[i], f);
		fclose (f);
		setenv ("HKPOST_P11_CONF", path, 1);
		ck_assert_msg (hkp11_config_load (groups, n_groups, NULL, NULL, &err), "%s: %s",
			       fine[i], err.text);
		hkp11_config_reset (groups, n_groups);
	}
}
END_TEST

static Suite *
settings_suite (void)
{
	Suite *s = suite_create ("settings");
	TCase *tc = tcase_create ("groups");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_groups_are_sound);
	tcase_add_test (tc, test_empty_file_gives_defaults);
	tcase_add_test (tc, test_documented_keys_are_known);
	tcase_add_test (tc, test_every_key_is_documented);
	tcase_add_test (tc, test_documented_values_are_the_defaults);
	tcase_add_test (tc, test_label_templates_documented);
	tcase_add_test (tc, test_default_backends_documented);
	tcase_add_test (tc, test_relative_state_dir_refused);
	tcase_add_test (tc, test_pin_lengths_contradiction_refused);
	tcase_add_test (tc, test_label_programs);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (settings_suite)
