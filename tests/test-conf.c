/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the settings parser: every error path names where and what. */
#include "config.h"
#include "settings/conf.h"
#include "base/text.h"
#include "base/message.h"
#include "p11-test.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	char *path;
	unsigned int count;
	bool flag;
	int level;
	int custom;
	char *log;
} test_settings;

static test_settings settings;
static const test_settings defaults = { NULL, 5, true, 1, 0, NULL };
static const char *const levels[] = { "off", "security", "calls", NULL };

static bool
parse_even (void *field, const char *value, char *why, size_t why_len)
{
	int v = atoi (value);
	if (v % 2 != 0) {
		snprintf (why, why_len, "must be even");
		return false;
	}
	*(int *)field = v;
	return true;
}

static const hkp11_option options[] = {
	{ .key = "path", .type = HKP11_OPT_STRING, .offset = offsetof (test_settings, path) },
	{ .key = "count",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (test_settings, count),
	  .min = 1,
	  .max = 99 },
	{ .key = "flag", .type = HKP11_OPT_BOOL, .offset = offsetof (test_settings, flag) },
	{ .key = "level",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (test_settings, level),
	  .choices = levels },
	{ .key = "even",
	  .type = HKP11_OPT_CUSTOM,
	  .offset = offsetof (test_settings, custom),
	  .parse = parse_even },
	{ .key = "log",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (test_settings, log),
	  .check = hkp11_conf_absolute_or_none },
	{ .key = NULL },
};

static const hkp11_option_group group = {
	.name = "test",
	.options = options,
	.settings = &settings,
	.defaults = &defaults,
	.size = sizeof settings,
};

static char *tmp;
static char conf_path[4096];

static void
setup (void)
{
	tmp = p11t_tmpdir ("conf");
	snprintf (conf_path, sizeof conf_path, "%s/hkpost-p11.conf", tmp);
	setenv ("HKPOST_P11_CONF", conf_path, 1);
	hkp11_config_reset (&group, 1);
}

static void
teardown (void)
{
	hkp11_config_reset (&group, 1);
	p11t_rmtree (tmp);
	free (tmp);
}

static void
write_conf (const char *text, size_t len)
{
	FILE *f = fopen (conf_path, "w");
	ck_assert_ptr_nonnull (f);
	ck_assert_uint_eq (fwrite (text, 1, len, f), len);
	fclose (f);
}

#define WRITE_CONF(s) write_conf (s, strlen (s))

/* Loads and expects failure; returns the message. */
static const char *
load_fails (const char *reserved)
{
	static hkp11_error err;
	ck_assert (!hkp11_config_load (&group, 1, reserved, NULL, &err));
	/* A failed load leaves nothing half-applied. */
	ck_assert_int_eq (settings.count, defaults.count);
	ck_assert_ptr_null (settings.path);
	return err.text;
}

#define ck_assert_contains(hay, needle) \
	ck_assert_msg (strstr ((hay), (needle)) != NULL, "'%s' does not contain '%s'", (hay), \
		       (needle))

/* Nothing that would drive a terminal or break a log line, and valid UTF-8. */
static void
assert_printable (const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		ck_assert_msg (*p >= 0x20 && *p != 0x7f, "byte 0x%02x at %zu in a message", *p,
			       (size_t)(p - (const unsigned char *)msg));
	ck_assert_msg (hkp11_utf8_valid (msg, strlen (msg)), "a message is not UTF-8");
}

START_TEST (test_valid_file)
{
	hkp11_config_sources src;
	hkp11_error err;
	WRITE_CONF ("# a comment\n\n   path :  /usr/lib/x.so  \ncount: 42\nflag: no\nlevel: "
		    "calls\neven: 4\n");
	ck_assert_msg (hkp11_config_load (&group, 1, NULL, &src, &err), "%s", err.text);
	ck_assert_str_eq (settings.path, "/usr/lib/x.so");
	ck_assert_uint_eq (settings.count, 42);
	ck_assert (!settings.flag);
	ck_assert_int_eq (settings.level, 2);
	ck_assert_int_eq (settings.custom, 4);
	ck_assert_str_eq (src.file, conf_path);
	ck_assert (!src.init_reserved);
}
END_TEST

START_TEST (test_values_may_hold_colons_and_hashes)
{
	hkp11_error err;
	WRITE_CONF ("path: C:/odd # not a comment\n");
	ck_assert_msg (hkp11_config_load (&group, 1, NULL, NULL, &err), "%s", err.text);
	ck_assert_str_eq (settings.path, "C:/odd # not a comment");
}
END_TEST

START_TEST (test_unknown_key_names_file_line_key)
{
	WRITE_CONF ("count: 3\n\n# fine\nbogus-key: 1\n");
	const char *msg = load_fails (NULL);
	ck_assert_contains (msg, conf_path);
	ck_assert_contains (msg, "line 4");
	ck_assert_contains (msg, "unknown key 'bogus-key'");
}
END_TEST

START_TEST (test_bad_values)
{
	static const struct {
		const char *text, *line, *expect;
	} cases[] = {
		{ "count: 100\n", "line 1", "from 1 to 99" },
		{ "count: -1\n", "line 1", "key 'count'" },
		{ "count: 7x\n", "line 1", "key 'count'" },
		{ "count: 99999999999999999999\n", "line 1", "key 'count'" },
		{ "\ncount:\n", "line 2", "key 'count'" },
		{ "flag: maybe\n", "line 1", "expected yes or no" },
		{ "level: verbose\n", "line 1", "expected one of: off, security, calls" },
		{ "path:\n", "line 1", "a value is required" },
		{ "even: 3\n", "line 1", "must be even" },
		/* A check decides about an empty value too. */
		{ "log: audit.log\n", "line 1", "key 'log': expected an absolute path or none" },
		{ "log:\n", "line 1", "key 'log': expected an absolute path or none" },
		{ "count 3\n", "line 1", "expected 'key: value'" },
		{ ": 3\n", "line 1", "not a valid key" },
		{ "Bad Key: 3\n", "line 1", "not a valid key" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		WRITE_CONF (cases[i].text);
		const char *msg = load_fails (NULL);
		ck_assert_contains (msg, conf_path);
		ck_assert_contains (msg, cases[i].line);
		ck_assert_contains (msg, cases[i].expect);
	}
}
END_TEST

START_TEST (test_checked_string)
{
	hkp11_error err;
	WRITE_CONF ("log: none\n");
	ck_assert_msg (hkp11_config_load (&group, 1, NULL, NULL, &err), "%s", err.text);
	ck_assert_str_eq (settings.log, "none");
	ck_assert_msg (hkp11_config_load (&group, 1, "log: /var/log/x.log", NULL, &err), "%s",
		       err.text);
	ck_assert_str_eq (settings.log, "/var/log/x.log");
	hkp11_config_reset (&group, 1);
	ck_assert_ptr_null (settings.log);
}
END_TEST

START_TEST (test_nul_byte_refused)
{
	write_conf ("count: 3\n\0junk\n", 15);
	ck_assert_contains (load_fails (NULL), "NUL");
}
END_TEST

START_TEST (test_overlong_line_refused)
{
	char *text = malloc (6000);
	memset (text, 'a', 5998);
	memcpy (text, "path: ", 6);
	text[5998] = '\n';
	text[5999] = '\0';
	WRITE_CONF (text);
	free (text);
	ck_assert_contains (load_fails (NULL), "longer than");
}
END_TEST

START_TEST (test_missing_named_file)
{
	unlink (conf_path);
	const char *msg = load_fails (NULL);
	ck_assert_contains (msg, conf_path);
	ck_assert_contains (msg, "HKPOST_P11_CONF");
}
END_TEST

START_TEST (test_reserved_overrides_file)
{
	hkp11_config_sources src;
	hkp11_error err;
	WRITE_CONF ("count: 3\npath: /from/file\n");
	ck_assert_msg (hkp11_config_load (&group, 1, "count: 9; level: off", &src, &err), "%s",
		       err.text);
	ck_assert_uint_eq (settings.count, 9);
	ck_assert_int_eq (settings.level, 0);
	ck_assert_str_eq (settings.path, "/from/file");
	ck_assert (src.init_reserved);
}
END_TEST

START_TEST (test_reserved_errors_name_item)
{
	hkp11_error err;
	WRITE_CONF ("");
	ck_assert (!hkp11_config_load (&group, 1, "count: 9;nope: 1", NULL, &err));
	ck_assert (err.in_init_reserved);
	ck_assert_contains (err.text, "C_Initialize pReserved");
	ck_assert_contains (err.text, "item 2");
	ck_assert_contains (err.text, "unknown key 'nope'");
}
END_TEST

START_TEST (test_reserved_unterminated_refused)
{
	hkp11_error err;
	WRITE_CONF ("");
	size_t len = HKP11_INIT_RESERVED_MAX + 100;
	char *blob = malloc (len);
	memset (blob, 'x', len); /* no terminator within the limit */
	blob[len - 1] = '\0';
	ck_assert (!hkp11_config_load (&group, 1, blob, NULL, &err));
	ck_assert (err.in_init_reserved);
	ck_assert_contains (err.text, "not a settings string");
	free (blob);
}
END_TEST

START_TEST (test_file_error_is_not_reserved_error)
{
	hkp11_error err;
	WRITE_CONF ("nope: 1\n");
	ck_assert (!hkp11_config_load (&group, 1, "count: 2", NULL, &err));
	ck_assert (!err.in_init_reserved);
}
END_TEST

START_TEST (test_reload_resets_to_defaults)
{
	hkp11_error err;
	WRITE_CONF ("count: 3\npath: /x\n");
	ck_assert (hkp11_config_load (&group, 1, NULL, NULL, &err));
	WRITE_CONF ("flag: off\n");
	ck_assert (hkp11_config_load (&group, 1, NULL, NULL, &err));
	ck_assert_uint_eq (settings.count, defaults.count);
	ck_assert_ptr_null (settings.path);
	ck_assert (!settings.flag);
}
END_TEST

/* Hostile or damaged settings: the message still names file, line and key,
 * and shows what was found escaped, never raw. */
START_TEST (test_hostile_key_escaped)
{
	WRITE_CONF ("count: 3\n\x1b[31mcount: 4\n");
	const char *msg = load_fails (NULL);
	assert_printable (msg);
	ck_assert_contains (msg, conf_path);
	ck_assert_contains (msg, "line 2");
	ck_assert_contains (msg, "\"\\u001b[31mcount\" is not a valid key");
}
END_TEST

START_TEST (test_carriage_return_in_value)
{
	/* A CR that would make a terminal show a forged line over the real one. */
	WRITE_CONF ("path: /usr/lib/x.so\rhkpost-p11: all is well\n");
	const char *msg = load_fails (NULL);
	assert_printable (msg);
	ck_assert_contains (msg, conf_path);
	ck_assert_contains (msg, "line 1");
	ck_assert_contains (msg, "key 'path': control characters are not allowed");
	ck_assert_contains (msg, "(found \"/usr/lib/x.so\\rhkpost-p11: all is well\")");
}
END_TEST

START_TEST (test_invalid_utf8_value)
{
	WRITE_CONF ("count: 1\nlevel: \xff\xfe\x9b"
		    "2J\n");
	const char *msg = load_fails (NULL);
	assert_printable (msg);
	ck_assert_contains (msg, conf_path);
	ck_assert_contains (msg, "line 2");
	ck_assert_contains (msg, "key 'level'");
	ck_assert_contains (msg, "(found \"\\xff\\xfe\\x9b2J\")");
}
END_TEST

START_TEST (test_long_value_cut)
{
	char text[1200];
	memcpy (text, "count: ", 7);
	memset (text + 7, '9', 1000);
	strcpy (text + 1007, "\n");
	WRITE_CONF (text);
	const char *msg = load_fails (NULL);
	assert_printable (msg);
	ck_assert_contains (msg, conf_path);
	ck_assert_contains (msg, "line 1");
	ck_assert_contains (msg, "key 'count': expected a whole number from 1 to 99");
	/* 64 digits, then "...". */
	char expect[80] = "\"";
	memset (expect + 1, '9', 64);
	strcpy (expect + 65, "...\"");
	ck_assert_contains (msg, expect);
	ck_assert_uint_lt (strlen (msg), strlen (conf_path) + 200);

	/* Cut between characters, not within one: "x" then 2-byte "é"s. */
	char *p = text + 7;
	*p++ = 'x';
	for (int i = 0; i < 100; i++)
		p += sprintf (p, "\xc3\xa9");
	strcpy (p, "\n");
	WRITE_CONF (text);
	msg = load_fails (NULL);
	assert_printable (msg);
	ck_assert_msg (strstr (msg, "\\x") == NULL, "%s", msg);
	ck_assert_contains (msg, "\xc3\xa9...\"");
}
END_TEST

START_TEST (test_hostile_reserved_escaped)
{
	hkp11_error err;
	WRITE_CONF ("");
	ck_assert (!hkp11_config_load (&group, 1, "count: 2; flag: \x1b[2J\x1b[H", NULL, &err));
	ck_assert (err.in_init_reserved);
	assert_printable (err.text);
	ck_assert_contains (err.text, "C_Initialize pReserved, item 2: bad value for key 'flag'");
	ck_assert_contains (err.text, "\"\\u001b[2J\\u001b[H\"");
	ck_assert (!hkp11_config_load (&group, 1, "\x1b]2\x07\x9b: 1", NULL, &err));
	assert_printable (err.text);
	ck_assert_contains (err.text, "item 1");
	ck_assert_contains (err.text, "\"\\u001b]2\\u0007\\x9b\" is not a valid key");
}
END_TEST

START_TEST (test_hostile_path_escaped)
{
	/* The file named by the environment, with an escape in its name. */
	char path[4096];
	snprintf (path, sizeof path, "%s/\x1b[31mred\r.conf", tmp);
	setenv ("HKPOST_P11_CONF", path, 1);
	const char *msg = load_fails (NULL);
	assert_printable (msg);
	ck_assert_contains (msg, "\\u001b[31mred\\r.conf");
	ck_assert_contains (msg, "HKPOST_P11_CONF");
}
END_TEST

/* Whatever a caller passes, hkp11_message writes one printable line. */
START_TEST (test_message_one_printable_line)
{
	char path[4096], got[4096];
	snprintf (path, sizeof path, "%s/stderr", tmp);
	int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge (fd, 0);
	int saved = dup (STDERR_FILENO);
	ck_assert_int_ge (saved, 0);
	ck_assert_int_ge (dup2 (fd, STDERR_FILENO), 0);
	hkp11_message (HKP11_MSG_ERROR, "token '%s'",
		       "\x1b[31mred\r\nhkpost-p11: forged\xff \xe9\x8c\xaf");
	dup2 (saved, STDERR_FILENO);
	close (saved);
	close (fd);

	FILE *f = fopen (path, "r");
	ck_assert_ptr_nonnull (f);
	size_t n = fread (got, 1, sizeof got - 1, f);
	fclose (f);
	got[n] = '\0';
	ck_assert_str_eq (
		got,
		"hkpost-p11: token '\\u001b[31mred\\r\\nhkpost-p11: forged\\xff \xe9\x8c\xaf'\n");
}
END_TEST

/* ---- Keys that contradict each other -------------------------------------- */

typedef struct {
	unsigned int low, high;
} range_settings;

static range_settings range;
static const range_settings range_defaults = { 2, 10 };

static bool
range_agrees (const void *values, const char **key, const char **other, char *why, size_t why_len)
{
	const range_settings *r = values;
	if (r->low <= r->high)
		return true;
	*key = "high";
	*other = "low";
	snprintf (why, why_len, "high %u is below low %u", r->high, r->low);
	return false;
}

static const hkp11_option range_options[] = {
	{ .key = "low",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (range_settings, low),
	  .min = 0,
	  .max = 99 },
	{ .key = "high",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (range_settings, high),
	  .min = 0,
	  .max = 99 },
	{ .key = NULL },
};

/* The test group first, so that the range's entries are not the first. */
static const hkp11_option_group two_groups[] = {
	{ .name = "test",
	  .options = options,
	  .settings = &settings,
	  .defaults = &defaults,
	  .size = sizeof settings },
	{ .name = "range",
	  .options = range_options,
	  .settings = &range,
	  .defaults = &range_defaults,
	  .size = sizeof range,
	  .agree = range_agrees },
};

static const char *
range_fails (const char *reserved, bool in_reserved)
{
	static hkp11_error err;
	ck_assert (!hkp11_config_load (two_groups, 2, reserved, NULL, &err));
	ck_assert_int_eq (err.in_init_reserved, in_reserved);
	/* Nothing half-applied. */
	ck_assert_uint_eq (range.low, range_defaults.low);
	ck_assert_uint_eq (range.high, range_defaults.high);
	ck_assert_uint_eq (settings.count, defaults.count);
	return err.text;
}

START_TEST (test_contradiction_names_file_line_key)
{
	char want[4400];
	/* One key set, against the other's default: the one set is named. */
	WRITE_CONF ("count: 3\n# comment\nhigh: 1\n");
	snprintf (want, sizeof want,
		  "%s, line 3: key 'high' contradicts 'low' (its default): high 1 is below low 2",
		  conf_path);
	ck_assert_str_eq (range_fails (NULL, false), want);
	WRITE_CONF ("low: 50\n");
	snprintf (want, sizeof want,
		  "%s, line 1: key 'low' contradicts 'high' (its default): high 10 is below low 50",
		  conf_path);
	ck_assert_str_eq (range_fails (NULL, false), want);

	/* Both set: the later one is named, and where the other was set. */
	WRITE_CONF ("high: 4\ncount: 3\nlow: 5\n");
	snprintf (want, sizeof want,
		  "%s, line 3: key 'low' contradicts 'high' (%s, line 1): high 4 is below low 5",
		  conf_path, conf_path);
	ck_assert_str_eq (range_fails (NULL, false), want);
	WRITE_CONF ("low: 5\nhigh: 4\n");
	snprintf (want, sizeof want,
		  "%s, line 2: key 'high' contradicts 'low' (%s, line 1): high 4 is below low 5",
		  conf_path, conf_path);
	ck_assert_str_eq (range_fails (NULL, false), want);

	/* Set again later: the last setting is the one that counts. */
	WRITE_CONF ("low: 5\nhigh: 4\nlow: 3\n");
	hkp11_error err;
	ck_assert_msg (hkp11_config_load (two_groups, 2, NULL, NULL, &err), "%s", err.text);
	ck_assert_uint_eq (range.low, 3);
	hkp11_config_reset (two_groups, 2);
}
END_TEST

START_TEST (test_contradiction_from_reserved)
{
	char want[4400];
	/* The file sets one, pReserved the other: pReserved made it, and it
	 * is the caller's error. */
	WRITE_CONF ("low: 5\n");
	snprintf (want, sizeof want,
		  "C_Initialize pReserved, item 2: key 'high' contradicts 'low' (%s, line 1): "
		  "high 4 is below low 5",
		  conf_path);
	ck_assert_str_eq (range_fails ("count: 3; high: 4", true), want);
	/* The file made it, pReserved set something else. */
	WRITE_CONF ("low: 5\nhigh: 4\n");
	ck_assert_contains (range_fails ("count: 3", false), "line 2: key 'high'");
	/* pReserved mends it. */
	hkp11_error err;
	ck_assert_msg (hkp11_config_load (two_groups, 2, "high: 50", NULL, &err), "%s", err.text);
	ck_assert_uint_eq (range.high, 50);
	hkp11_config_reset (two_groups, 2);
}
END_TEST

START_TEST (test_find_order)
{
	char xdg[4096], user_conf[4096], path[4096];
	bool must_exist;

	/* The environment's file wins and must exist. */
	ck_assert (hkp11_config_find (path, sizeof path, &must_exist));
	ck_assert (must_exist);
	ck_assert_str_eq (path, conf_path);

	/* Then $XDG_CONFIG_HOME, when the file is there. */
	unsetenv ("HKPOST_P11_CONF");
	snprintf (xdg, sizeof xdg, "%s/xdg", tmp);
	setenv ("XDG_CONFIG_HOME", xdg, 1);
	snprintf (user_conf, sizeof user_conf, "%s/hkpost-p11", xdg);
	ck_assert_int_eq (mkdir (xdg, 0700), 0);
	ck_assert_int_eq (mkdir (user_conf, 0700), 0);
	strcat (user_conf, "/hkpost-p11.conf");
	FILE *f = fopen (user_conf, "w");
	fclose (f);
	ck_assert (hkp11_config_find (path, sizeof path, &must_exist));
	ck_assert (!must_exist);
	ck_assert_str_eq (path, user_conf);

	/* Then ~/.config, found through $HOME. */
	unsetenv ("XDG_CONFIG_HOME");
	setenv ("HOME", xdg, 1);
	snprintf (user_conf, sizeof user_conf, "%s/.config", xdg);
	ck_assert_int_eq (mkdir (user_conf, 0700), 0);
	strcat (user_conf, "/hkpost-p11");
	ck_assert_int_eq (mkdir (user_conf, 0700), 0);
	strcat (user_conf, "/hkpost-p11.conf");
	f = fopen (user_conf, "w");
	fclose (f);
	ck_assert (hkp11_config_find (path, sizeof path, &must_exist));
	ck_assert_str_eq (path, user_conf);
}
END_TEST

START_TEST (test_no_home_is_fine)
{
	char path[4096];
	bool must_exist;
	hkp11_error err;
	unsetenv ("HKPOST_P11_CONF");
	unsetenv ("XDG_CONFIG_HOME");
	unsetenv ("HOME");
	/* Whatever applies (the system file or none), it must not crash. */
	(void)hkp11_config_find (path, sizeof path, &must_exist);
	ck_assert (!must_exist);
	setenv ("HKPOST_P11_CONF", "", 1); /* empty means unset */
	(void)hkp11_config_find (path, sizeof path, &must_exist);
	ck_assert (!must_exist);
	/* Loading with a relative XDG dir ignores it, as the XDG spec says. */
	setenv ("XDG_CONFIG_HOME", "relative/dir", 1);
	(void)hkp11_config_find (path, sizeof path, &must_exist);
	ck_assert (strstr (path, "relative/dir") == NULL);
	(void)err;
}
END_TEST

static Suite *
conf_suite (void)
{
	Suite *s = suite_create ("conf");
	TCase *tc = tcase_create ("parse");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_valid_file);
	tcase_add_test (tc, test_values_may_hold_colons_and_hashes);
	tcase_add_test (tc, test_unknown_key_names_file_line_key);
	tcase_add_test (tc, test_bad_values);
	tcase_add_test (tc, test_checked_string);
	tcase_add_test (tc, test_nul_byte_refused);
	tcase_add_test (tc, test_overlong_line_refused);
	tcase_add_test (tc, test_missing_named_file);
	tcase_add_test (tc, test_reserved_overrides_file);
	tcase_add_test (tc, test_reserved_errors_name_item);
	tcase_add_test (tc, test_reserved_unterminated_refused);
	tcase_add_test (tc, test_file_error_is_not_reserved_error);
	tcase_add_test (tc, test_reload_resets_to_defaults);
	tcase_add_test (tc, test_hostile_key_escaped);
	tcase_add_test (tc, test_carriage_return_in_value);
	tcase_add_test (tc, test_invalid_utf8_value);
	tcase_add_test (tc, test_long_value_cut);
	tcase_add_test (tc, test_hostile_reserved_escaped);
	tcase_add_test (tc, test_hostile_path_escaped);
	tcase_add_test (tc, test_message_one_printable_line);
	tcase_add_test (tc, test_contradiction_names_file_line_key);
	tcase_add_test (tc, test_contradiction_from_reserved);
	tcase_add_test (tc, test_find_order);
	tcase_add_test (tc, test_no_home_is_fine);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (conf_suite)
