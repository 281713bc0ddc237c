/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the PIN policy: a table of PINs, each accepted or refused
 * with its reason, under the default rules and under variations. */
#include "config.h"
#include "policy/pin-policy.h"
#include "p11-test.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *pin;
	unsigned int failures; /* expected, 0 = accepted */
	unsigned int missing;  /* expected missing classes */
} pin_case;

#define U HKP11_PIN_UPPER
#define L HKP11_PIN_LOWER
#define D HKP11_PIN_DIGIT
#define S HKP11_PIN_SPECIAL
#define SHORT HKP11_PIN_TOO_SHORT
#define LONG HKP11_PIN_TOO_LONG
#define BAD HKP11_PIN_BAD_CHARACTER
#define MISS HKP11_PIN_MISSING_CLASS

/* Default rules: at least 8 printable ASCII, all four classes. */
static const pin_case default_cases[] = {
	{ "Abcdef1!", 0, 0 },
	{ "Tr0ub4dor&3", 0, 0 },
	{ "correct Horse 9", 0, 0 }, /* space is special */
	{ "~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9~Zz9", 0, 0 },
	{ "12345678", MISS, U | L | S }, /* the envelope PIN */
	{ "87654321", MISS, U | L | S },
	{ "abcdefgh", MISS, U | D | S },
	{ "ABCDEFGH", MISS, L | D | S },
	{ "Abcdefgh", MISS, D | S },
	{ "Abcdefg1", MISS, S },
	{ "abcdefg1!", MISS, U },
	{ "ABCDEFG1!", MISS, L },
	{ "Abcdefgh!", MISS, D },
	{ "Ab1!", SHORT, 0 },
	{ "Ab1!xyz", SHORT, 0 },
	{ "", SHORT | MISS, U | L | D | S },
	{ "1234", SHORT | MISS, U | L | S },
	{ "Abcdef1\xc3\xa9", BAD, 0 }, /* UTF-8 e-acute counts as special but is refused */
	{ "Abcdef1!\t", BAD, 0 },
	{ "Abcdef1!\x7f", BAD, 0 },
	{ "abc\x01", SHORT | BAD | MISS, U | D },
};

static void
run_cases (const hkp11_pin_rules *rules, const pin_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		hkp11_pin_verdict v;
		const char *pin = cases[i].pin;
		bool ok = hkp11_pin_check (rules, (const unsigned char *)pin, strlen (pin), NULL, 0,
					   &v);
		ck_assert_msg (ok == (cases[i].failures == 0), "case %zu: ok=%d", i, ok);
		ck_assert_msg (v.failures == cases[i].failures,
			       "case %zu: failures 0x%x, expected 0x%x", i, v.failures,
			       cases[i].failures);
		ck_assert_msg (v.missing == cases[i].missing,
			       "case %zu: missing 0x%x, expected 0x%x", i, v.missing,
			       cases[i].missing);
		ck_assert_uint_eq (v.length, strlen (pin));
	}
}

START_TEST (test_default_table)
{
	hkp11_pin_rules rules;
	hkp11_pin_rules_default (&rules);
	ck_assert_uint_eq (rules.min_length, 8);
	ck_assert_uint_eq (rules.max_length, 0);
	ck_assert_uint_eq (rules.require, U | L | D | S);
	ck_assert (rules.printable_ascii_only);
	run_cases (&rules, default_cases, sizeof default_cases / sizeof default_cases[0]);
}
END_TEST

START_TEST (test_max_length)
{
	hkp11_pin_rules rules;
	hkp11_pin_rules_default (&rules);
	rules.max_length = 10;
	static const pin_case cases[] = {
		{ "Abcdef1!xy", 0, 0 },
		{ "Abcdef1!xyz", LONG, 0 },
		{ "Ab1!", SHORT, 0 },
	};
	run_cases (&rules, cases, 3);
}
END_TEST

START_TEST (test_relaxed)
{
	hkp11_pin_rules rules;
	memset (&rules, 0, sizeof rules);
	rules.min_length = 4;
	rules.require = D;
	static const pin_case cases[] = {
		{ "1234", 0, 0 },
		{ "12345678", 0, 0 },
		{ "\xc3\xa9\xc3\xa9"
		  "1",
		  0, 0 }, /* non-ASCII allowed when not restricted */
		{ "abcd", MISS, D },
		{ "123", SHORT, 0 },
	};
	run_cases (&rules, cases, 5);
}
END_TEST

START_TEST (test_same_as_old)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict v;
	hkp11_pin_rules_default (&rules);
	const unsigned char *pin = (const unsigned char *)"Abcdef1!";
	ck_assert (!hkp11_pin_check (&rules, pin, 8, pin, 8, &v));
	ck_assert_uint_eq (v.failures, HKP11_PIN_SAME_AS_OLD);
	ck_assert_str_eq (hkp11_pin_reason_name (&v), "same-as-old");
	ck_assert (!hkp11_pin_verdict_is_length (&v));
	/* A prefix or a different length is a different PIN. */
	ck_assert (hkp11_pin_check (&rules, pin, 8, (const unsigned char *)"Abcdef1!x", 9, &v));
	ck_assert (hkp11_pin_check (&rules, pin, 8, (const unsigned char *)"Abcdef1?", 8, &v));
	ck_assert (hkp11_pin_check (&rules, pin, 8, (const unsigned char *)"", 0, &v));
}
END_TEST

START_TEST (test_repeated_and_forbidden)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict v;
	hkp11_pin_rules_default (&rules);
	rules.max_repeated = 2;
	rules.forbid = S;
	rules.require = U | L | D;
	ck_assert (hkp11_pin_check (&rules, (const unsigned char *)"AAbbcc11", 8, NULL, 0, &v));
	ck_assert (!hkp11_pin_check (&rules, (const unsigned char *)"AAAbcc11", 8, NULL, 0, &v));
	ck_assert_uint_eq (v.failures, HKP11_PIN_REPEATED);
	ck_assert_uint_eq (v.longest_run, 3);
	ck_assert (!hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1!", 8, NULL, 0, &v));
	ck_assert_uint_eq (v.failures, HKP11_PIN_FORBIDDEN_CLASS);
	ck_assert_uint_eq (v.forbidden, S);

	/* SafeNet's "mix characters": three kinds of four. */
	hkp11_pin_rules_default (&rules);
	rules.require = 0;
	rules.min_classes = 3;
	ck_assert (hkp11_pin_check (&rules, (const unsigned char *)"abcdEF12", 8, NULL, 0, &v));
	ck_assert (!hkp11_pin_check (&rules, (const unsigned char *)"abcdefg1", 8, NULL, 0, &v));
	ck_assert_uint_eq (v.failures, HKP11_PIN_TOO_FEW_CLASSES);
	ck_assert_uint_eq (v.n_classes, 2);
	ck_assert_str_eq (hkp11_pin_reason_name (&v), "too-few-classes");
}
END_TEST

START_TEST (test_verdict_mapping)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict v;
	hkp11_pin_rules_default (&rules);
	/* Length wins: a short PIN is CKR_PIN_LEN_RANGE even when it also
	 * lacks classes, as NSS's FIPS token answers. */
	hkp11_pin_check (&rules, (const unsigned char *)"1234", 4, NULL, 0, &v);
	ck_assert (hkp11_pin_verdict_is_length (&v));
	ck_assert_str_eq (hkp11_pin_reason_name (&v), "too-short");
	hkp11_pin_check (&rules, (const unsigned char *)"12345678", 8, NULL, 0, &v);
	ck_assert (!hkp11_pin_verdict_is_length (&v));
	ck_assert_str_eq (hkp11_pin_reason_name (&v), "missing-class");
	hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1\x80", 8, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_name (&v), "bad-character");
	hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1!", 8, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_name (&v), "ok");
}
END_TEST

/* What logs may say of a PIN: the names of the rules it breaks, from a
 * fixed list, and nothing that depends on the PIN beyond that. */
START_TEST (test_reason_names)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict v;
	char text[128];
	hkp11_pin_rules_default (&rules);
	rules.max_length = 12;
	rules.max_repeated = 2;
	rules.min_classes = 3;

	hkp11_pin_check (&rules, (const unsigned char *)"123456", 6, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, text, sizeof text),
			  "too-short,missing-class,too-few-classes");
	/* Names from the fixed list: no count, not even as a digit. */
	for (const char *p = text; *p; p++)
		ck_assert (!(*p >= '0' && *p <= '9'));
	/* Two PINs of other lengths and make-up that break the same rules
	 * read the same. */
	char other[128];
	hkp11_pin_check (&rules, (const unsigned char *)"ab", 2, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, other, sizeof other), text);

	hkp11_pin_check (&rules, (const unsigned char *)"Abcdefgh1!xyzw", 14, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, text, sizeof text), "too-long");
	hkp11_pin_check (&rules, (const unsigned char *)"Abbb1!\x80x", 8, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, text, sizeof text), "bad-character,repeated");
	hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1!", 8,
			 (const unsigned char *)"Abcdef1!", 8, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, text, sizeof text), "same-as-old");
	hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1!", 8, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, text, sizeof text), "ok");
	rules.forbid = HKP11_PIN_SPECIAL;
	hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1!", 8, NULL, 0, &v);
	ck_assert_str_eq (hkp11_pin_reason_names (&v, text, sizeof text), "forbidden-class");

	/* A small buffer is cut, never overrun. */
	char tiny[6];
	hkp11_pin_check (&rules, (const unsigned char *)"1", 1, NULL, 0, &v);
	hkp11_pin_reason_names (&v, tiny, sizeof tiny);
	ck_assert_uint_eq (strlen (tiny), sizeof tiny - 1);
}
END_TEST

START_TEST (test_describe)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict v;
	char text[512];
	hkp11_pin_rules_default (&rules);

	hkp11_pin_check (&rules, (const unsigned char *)"123456", 6, NULL, 0, &v);
	hkp11_pin_describe (&v, &rules, text, sizeof text);
	ck_assert_str_eq (text, "has 6 characters, at least 8 are required; lacks an upper-case "
				"letter, a lower-case letter and a special character");

	hkp11_pin_check (&rules, (const unsigned char *)"Abcdefg1", 8, NULL, 0, &v);
	hkp11_pin_describe (&v, &rules, text, sizeof text);
	ck_assert_str_eq (text, "lacks a special character");

	hkp11_pin_check (&rules, (const unsigned char *)"Abcdef1!", 8,
			 (const unsigned char *)"Abcdef1!", 8, &v);
	hkp11_pin_describe (&v, &rules, text, sizeof text);
	ck_assert_str_eq (text, "is the same as the current PIN");

	/* The description never quotes the PIN, whatever it is. */
	static const char *const pins[] = { "Qx7#Qx7#", "qwertyui", "QWERTYUIOP", "zz\x01zz",
					    "Zz9!Zz9!Zz9!Zz9!Zz9!" };
	rules.max_length = 12;
	rules.max_repeated = 1;
	for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
		hkp11_pin_check (&rules, (const unsigned char *)pins[i], strlen (pins[i]),
				 (const unsigned char *)pins[i], strlen (pins[i]), &v);
		hkp11_pin_describe (&v, &rules, text, sizeof text);
		ck_assert_msg (strstr (text, pins[i]) == NULL, "PIN quoted in '%s'", text);
	}

	/* A tiny buffer is cut, never overrun. */
	char tiny[8];
	memset (tiny, 'x', sizeof tiny);
	hkp11_pin_check (&rules, (const unsigned char *)"1", 1, NULL, 0, &v);
	hkp11_pin_describe (&v, &rules, tiny, sizeof tiny);
	ck_assert_uint_eq (strlen (tiny), sizeof tiny - 1);
}
END_TEST

START_TEST (test_merge)
{
	hkp11_pin_rules a, b;
	hkp11_pin_rules_default (&a);
	memset (&b, 0, sizeof b);
	b.min_length = 10;
	b.max_length = 16;
	b.max_repeated = 3;
	b.forbid = S;
	b.min_classes = 3;
	hkp11_pin_rules_merge (&a, &b);
	ck_assert_uint_eq (a.min_length, 10);
	ck_assert_uint_eq (a.max_length, 16);
	ck_assert_uint_eq (a.max_repeated, 3);
	/* What the token forbids is no longer required. */
	ck_assert_uint_eq (a.require, U | L | D);
	ck_assert_uint_eq (a.forbid, S);
	ck_assert_uint_eq (a.min_classes, 3);
	ck_assert (a.printable_ascii_only);

	/* Merging never loosens. */
	memset (&b, 0, sizeof b);
	b.min_length = 4;
	b.max_length = 64;
	hkp11_pin_rules_merge (&a, &b);
	ck_assert_uint_eq (a.min_length, 10);
	ck_assert_uint_eq (a.max_length, 16);
	ck_assert_uint_eq (a.max_repeated, 3);
}
END_TEST

START_TEST (test_require_parse)
{
	unsigned int mask = 0;
	char why[256];
	ck_assert (hkp11_pin_require_parse ("upper lower digit special", &mask, why, sizeof why));
	ck_assert_uint_eq (mask, U | L | D | S);
	ck_assert (hkp11_pin_require_parse ("digit", &mask, why, sizeof why));
	ck_assert_uint_eq (mask, D);
	ck_assert (hkp11_pin_require_parse (" upper,  digit ", &mask, why, sizeof why));
	ck_assert_uint_eq (mask, U | D);
	ck_assert (hkp11_pin_require_parse ("none", &mask, why, sizeof why));
	ck_assert_uint_eq (mask, 0);
	ck_assert (!hkp11_pin_require_parse ("upper numbers", &mask, why, sizeof why));
	ck_assert_msg (strstr (why, "'numbers'") != NULL, "%s", why);
	ck_assert (!hkp11_pin_require_parse ("none upper", &mask, why, sizeof why));
	ck_assert (!hkp11_pin_require_parse ("", &mask, why, sizeof why));
	ck_assert (!hkp11_pin_require_parse ("upperlower", &mask, why, sizeof why));

	char text[64];
	ck_assert_str_eq (hkp11_pin_classes_describe (U | D, text, sizeof text), "upper digit");
	ck_assert_str_eq (hkp11_pin_classes_describe (0, text, sizeof text), "none");
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("pin-policy");
	TCase *tc = tcase_create ("policy");
	tcase_add_test (tc, test_default_table);
	tcase_add_test (tc, test_max_length);
	tcase_add_test (tc, test_relaxed);
	tcase_add_test (tc, test_same_as_old);
	tcase_add_test (tc, test_repeated_and_forbidden);
	tcase_add_test (tc, test_verdict_mapping);
	tcase_add_test (tc, test_reason_names);
	tcase_add_test (tc, test_describe);
	tcase_add_test (tc, test_merge);
	tcase_add_test (tc, test_require_parse);
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}
