/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of e-Cert recognition and label building, one case per
 * fixture of make-ecerts.sh, in English and in Traditional Chinese.
 */
#include "config.h"
#include "ecert/ecert.h"
#include "fixtures.h"
#include "p11-test.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *name;
	bool recognised;
	hkp11_ecert_kind kind;
	const char *holder;
	const char *srn;
	const char *organisation;
	const char *expiry;
	const char *issuer;
	bool mutual_recognition;
	bool trial;
	hkp11_key_type key_type;
	const char *label_en;
	const char *label_zh;
} expectation;

#define WING_ON "Wing On Trading Company Limited"
#define CA2_17 "Hongkong Post e-Cert CA 2 - 17"

static const expectation fixtures[] = {
	{ "personal", true, HKP11_ECERT_PERSONAL, "CHAN TAI MAN", "9000471235", "", "2045-06-30",
	  CA2_17, false, false, HKP11_KEY_RSA, "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)",
	  "CHAN TAI MAN（個人電子證書，2045-06-30到期）" },
	{ "personal-renewed", true, HKP11_ECERT_PERSONAL, "CHAN TAI MAN", "9000471236", "",
	  "2045-06-30", CA2_17, false, false, HKP11_KEY_RSA,
	  "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)",
	  "CHAN TAI MAN（個人電子證書，2045-06-30到期）" },
	{ "minor", true, HKP11_ECERT_MINOR, "CHAN SIU MING", "2345678901", "", "2040-01-31", CA2_17,
	  false, false, HKP11_KEY_RSA, "CHAN SIU MING (Personal/Minor e-Cert, expires 2040-01-31)",
	  "CHAN SIU MING（個人/未成年人電子證書，2040-01-31到期）" },
	{ "org3", true, HKP11_ECERT_ORGANISATIONAL, "LEE SIU KEUNG", "3456789012", WING_ON,
	  "2044-11-30", CA2_17, false, false, HKP11_KEY_RSA,
	  "LEE SIU KEUNG (Organisational e-Cert, " WING_ON ", expires 2044-11-30)",
	  "LEE SIU KEUNG（機構電子證書，" WING_ON "，2044-11-30到期）" },
	{ "org4", true, HKP11_ECERT_ORGANISATIONAL, "HO KA YAN", "4567890123",
	  WING_ON " / Kowloon Branch", "2044-05-31", CA2_17, false, false, HKP11_KEY_RSA,
	  "HO KA YAN (Organisational e-Cert, " WING_ON " / Kowloon Branch, expires 2044-05-31)",
	  "HO KA YAN（機構電子證書，" WING_ON " / Kowloon Branch，2044-05-31到期）" },
	{ "encipherment", true, HKP11_ECERT_ENCIPHERMENT, "Accounts Department", "5678901234",
	  WING_ON, "2043-12-31", CA2_17, false, false, HKP11_KEY_RSA,
	  "Accounts Department (Encipherment e-Cert, " WING_ON ", expires 2043-12-31)",
	  "Accounts Department（加密電子證書，" WING_ON "，2043-12-31到期）" },
	{ "mr", true, HKP11_ECERT_PERSONAL, "WONG MEI LING", "6789012345", "", "2042-10-15",
	  "Hongkong Post e-Cert CA 2 - 15", true, false, HKP11_KEY_RSA,
	  "WONG MEI LING (Personal e-Cert, mutual recognition, expires 2042-10-15)",
	  "WONG MEI LING（個人電子證書，粵港互認，2042-10-15到期）" },
	{ "trial", true, HKP11_ECERT_PERSONAL, "TEST USER", "9999999999", "", "2041-01-01",
	  "Hongkong Post Trial e-Cert CA 2 - 17", false, true, HKP11_KEY_RSA,
	  "TEST USER (Trial Personal e-Cert, expires 2041-01-01)",
	  "TEST USER（測試個人電子證書，2041-01-01到期）" },
	{ "server", true, HKP11_ECERT_SERVER, "www.example.com.hk", "7890123456", WING_ON,
	  "2039-02-28", "Hongkong Post e-Cert SSL CA 3 - 17", false, false, HKP11_KEY_RSA,
	  "www.example.com.hk (Server e-Cert, " WING_ON ", expires 2039-02-28)",
	  "www.example.com.hk（伺服器電子證書，" WING_ON "，2039-02-28到期）" },
	/* The ':' of the name becomes a full-width colon; quotes stay. */
	{ "odd", true, HKP11_ECERT_PERSONAL, "陳大文: \"Tai Man\" 'Big'", "8901234567", "",
	  "2045-06-30", CA2_17, false, false, HKP11_KEY_RSA,
	  "陳大文： \"Tai Man\" 'Big' (Personal e-Cert, expires 2045-06-30)",
	  "陳大文： \"Tai Man\" 'Big'（個人電子證書，2045-06-30到期）" },
	{ "personal-ec", true, HKP11_ECERT_PERSONAL, "CHEUNG WAI", "0123456789", "", "2046-03-01",
	  CA2_17, false, false, HKP11_KEY_EC, "CHEUNG WAI (Personal e-Cert, expires 2046-03-01)",
	  "CHEUNG WAI（個人電子證書，2046-03-01到期）" },
	/* Bidirectional-text and other format characters are dropped, the C1
	 * control becomes a space: the holder reads as it would be shown. */
	{ "bidi", true, HKP11_ECERT_PERSONAL, "LAU KA FAI", "8901234569", "", "2045-06-30", CA2_17,
	  false, false, HKP11_KEY_RSA, "LAU KA FAI (Personal e-Cert, expires 2045-06-30)",
	  "LAU KA FAI（個人電子證書，2045-06-30到期）" },
	/* Not an e-Cert: only `labels: all` names it, by its subject. */
	{ "other", false, HKP11_ECERT_NONE, "Jane Doe", "", "Example Corp", "2045-06-30",
	  "Example Corp Issuing CA", false, false, HKP11_KEY_RSA, "Jane Doe (Example Corp)",
	  "Jane Doe（Example Corp）" },
	/* An issuer without a CN is named by its whole name, as OpenSSL writes
	 * it in RFC 2253 order. */
	{ "issuer-no-cn", false, HKP11_ECERT_NONE, "John Roe", "", "Example Corp", "2045-06-30",
	  "OU=Certification Unit,O=Example Trust Services,C=US", false, false, HKP11_KEY_RSA,
	  "John Roe (Example Corp)", "John Roe（Example Corp）" },
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

static bool
valid_utf8 (const char *s)
{
	char copy[4 * HKP11_LABEL_SIZE];
	size_t len = hkp11_label_sanitise (s, strlen (s), copy, sizeof copy);
	/* Sanitising valid UTF-8 without ':' or controls changes nothing. */
	return len == strlen (s) && strcmp (copy, s) == 0;
}

static hkp11_ecert *
parse_fixture (const char *name, bool *recognised)
{
	size_t len;
	unsigned char *der = fx_read (name, ".der", &len);
	hkp11_ecert *info = malloc (sizeof *info);
	ck_assert_ptr_nonnull (info);
	*recognised = hkp11_ecert_parse (der, len, info);
	free (der);
	return info;
}

START_TEST (test_recognition)
{
	const expectation *x = &fixtures[_i];
	bool recognised;
	hkp11_ecert *info = parse_fixture (x->name, &recognised);

	ck_assert_msg (info->parsed, "%s: not parsed", x->name);
	ck_assert_msg (recognised == x->recognised, "%s: recognised %d", x->name, recognised);
	ck_assert_int_eq (info->recognised, x->recognised);
	ck_assert_msg (info->kind == x->kind, "%s: kind %d", x->name, info->kind);
	ck_assert_str_eq (info->holder, x->holder);
	ck_assert_str_eq (info->srn, x->srn);
	ck_assert_str_eq (info->organisation, x->organisation);
	ck_assert_str_eq (info->expiry, x->expiry);
	ck_assert_str_eq (info->issuer, x->issuer);
	ck_assert_int_eq (info->mutual_recognition, x->mutual_recognition);
	ck_assert_int_eq (info->trial, x->trial);
	ck_assert_int_eq (info->key_type, x->key_type);
	if (x->key_type == HKP11_KEY_RSA) {
		ck_assert_uint_eq (info->key_material_len, 256);
		ck_assert_uint_ne (info->key_material[0], 0);
	} else {
		/* An uncompressed P-256 point. */
		ck_assert_uint_eq (info->key_material_len, 65);
		ck_assert_uint_eq (info->key_material[0], 0x04);
	}
	ck_assert_str_ne (info->serial, "");
	free (info);
}
END_TEST

static void
check_label (const char *name, hkp11_label_language lang, const char *expected)
{
	bool recognised;
	hkp11_ecert *info = parse_fixture (name, &recognised);
	char label[HKP11_LABEL_SIZE];
	const char *tmpl = recognised ? hkp11_label_default_template (lang)
				      : hkp11_label_subject_template (lang);
	size_t len = hkp11_label_build (info, tmpl, lang, label, sizeof label);

	ck_assert_str_eq (label, expected);
	ck_assert_uint_eq (len, strlen (expected));
	ck_assert_ptr_null (strchr (label, ':'));
	ck_assert (valid_utf8 (label));
	free (info);
}

START_TEST (test_label_en)
{
	check_label (fixtures[_i].name, HKP11_LANG_EN, fixtures[_i].label_en);
}
END_TEST

START_TEST (test_label_zh)
{
	check_label (fixtures[_i].name, HKP11_LANG_ZH_HANT, fixtures[_i].label_zh);
}
END_TEST

START_TEST (test_malformed)
{
	size_t len;
	unsigned char *der = fx_read ("malformed", ".der", &len);
	hkp11_ecert info;
	ck_assert (!hkp11_ecert_parse (der, len, &info));
	ck_assert (!info.parsed);
	ck_assert (!info.recognised);
	ck_assert_str_eq (info.holder, "");
	free (der);

	ck_assert (!hkp11_ecert_parse (NULL, 0, &info));
	ck_assert (!hkp11_ecert_parse ((const unsigned char *)"", 0, &info));
	ck_assert (!hkp11_ecert_parse ((const unsigned char *)"\x30\x00", 2, &info));
}
END_TEST

/* Every truncation of a real e-Cert fails cleanly; so do trailing bytes. */
START_TEST (test_truncated_and_trailing)
{
	size_t len;
	unsigned char *der = fx_read ("personal", ".der", &len);
	hkp11_ecert info;
	size_t tried = 0;

	for (size_t cut = 0; cut < len; cut++, tried++)
		ck_assert_msg (!hkp11_ecert_parse (der, cut, &info), "cut at %zu recognised", cut);
	ck_assert_uint_eq (tried, len);

	unsigned char *longer = malloc (len + 1);
	ck_assert_ptr_nonnull (longer);
	memcpy (longer, der, len);
	longer[len] = 0;
	ck_assert (!hkp11_ecert_parse (longer, len + 1, &info));
	ck_assert (hkp11_ecert_parse (longer, len, &info));
	free (longer);
	free (der);
}
END_TEST

/* Single-byte corruption anywhere never crashes (run under ASan in CI). */
START_TEST (test_bit_flips)
{
	size_t len;
	unsigned char *der = fx_read ("org4", ".der", &len);
	hkp11_ecert info;
	char label[HKP11_LABEL_SIZE];
	size_t parsed = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char saved = der[i];
		der[i] ^= 0xff;
		if (hkp11_ecert_parse (der, len, &info) || info.parsed) {
			parsed++;
			hkp11_label_build (&info, hkp11_label_default_template (HKP11_LANG_EN),
					   HKP11_LANG_EN, label, sizeof label);
			ck_assert_ptr_null (strchr (label, ':'));
			ck_assert (valid_utf8 (label));
		}
		der[i] = saved;
	}
	/* Flips inside the signature or names still decode. */
	ck_assert_uint_gt (parsed, 0);
	free (der);
}
END_TEST

START_TEST (test_templates)
{
	char why[256];
	static const char *const good[] = {
		"{holder}",
		"{holder} ({kind} e-Cert, expires {expiry})",
		"{holder}[ {organisation}][ {mutual-recognition}] {srn} {issuer} {serial}",
		"{{literal}} [[x]] {organization}",
		NULL,
	};
	static const char *const bad[] = {
		"",          "{holder",     "holder}", "{name}", "[{holder}",
		"{holder}]", "[[{holder}]", "[a[b]]",  NULL,
	};
	for (int i = 0; good[i]; i++)
		ck_assert_msg (hkp11_label_template_check (good[i], why, sizeof why), "%s: %s",
			       good[i], why);
	for (int i = 0; bad[i]; i++) {
		why[0] = '\0';
		ck_assert_msg (!hkp11_label_template_check (bad[i], why, sizeof why), "%s passed",
			       bad[i]);
		ck_assert_str_ne (why, "");
	}
	ck_assert (hkp11_label_template_check (hkp11_label_default_template (HKP11_LANG_EN), why,
					       sizeof why));
	ck_assert (hkp11_label_template_check (hkp11_label_default_template (HKP11_LANG_ZH_HANT),
					       why, sizeof why));
	ck_assert (hkp11_label_template_check (hkp11_label_subject_template (HKP11_LANG_EN), why,
					       sizeof why));
}
END_TEST

START_TEST (test_template_fields)
{
	bool recognised;
	hkp11_ecert *info = parse_fixture ("org4", &recognised);
	char label[HKP11_LABEL_SIZE];

	hkp11_label_build (info, "{srn}|{issuer}|{serial}|{{x}} [[y]]", HKP11_LANG_EN, label,
			   sizeof label);
	ck_assert_str_eq (label, "4567890123|Hongkong Post e-Cert CA 2 - 17|1005|{x} [y]");
	/* Sections with an empty field vanish; the others stay. */
	hkp11_label_build (info, "{holder}[ MR={mutual-recognition}][ org={organisation}]",
			   HKP11_LANG_EN, label, sizeof label);
	ck_assert_str_eq (label, "HO KA YAN org=" WING_ON " / Kowloon Branch");
	/* Blanks around the label are trimmed; a ':' in the template too is replaced. */
	hkp11_label_build (info, "  {holder}: {kind}  ", HKP11_LANG_ZH_HANT, label, sizeof label);
	ck_assert_str_eq (label, "HO KA YAN： 機構");
	/* A bad template builds nothing. */
	ck_assert_uint_eq (hkp11_label_build (info, "{nope}", HKP11_LANG_EN, label, sizeof label),
			   0);
	ck_assert_str_eq (label, "");
	free (info);
}
END_TEST

START_TEST (test_label_length)
{
	bool recognised;
	hkp11_ecert *info = parse_fixture ("odd", &recognised);
	char tmpl[1024] = "", label[HKP11_LABEL_SIZE];

	/* Long labels are cut on a character boundary, never inside 陳. */
	for (int i = 0; i < 40; i++)
		strcat (tmpl, "{holder}");
	size_t len = hkp11_label_build (info, tmpl, HKP11_LANG_EN, label, sizeof label);
	ck_assert_uint_le (len, HKP11_LABEL_MAX);
	ck_assert_uint_gt (len, HKP11_LABEL_MAX - 4);
	ck_assert (valid_utf8 (label));

	/* A small buffer is respected too. */
	char small[8];
	len = hkp11_label_build (info, "{holder}", HKP11_LANG_EN, small, sizeof small);
	ck_assert_uint_lt (len, sizeof small);
	ck_assert (valid_utf8 (small));
	free (info);
}
END_TEST

START_TEST (test_sanitise)
{
	char out[64];
	/* ':' -> U+FF1A, controls -> space, bad bytes and overlongs -> U+FFFD. */
	size_t len = hkp11_label_sanitise ("a:b\tc\x7f"
					   "d\xff"
					   "e\xc0\xaf"
					   "f\xed\xa0\x80",
					   15, out, sizeof out);
	ck_assert_str_eq (out, "a\xef\xbc\x9a"
			       "b c d\xef\xbf\xbd"
			       "e\xef\xbf\xbd\xef\xbf\xbd"
			       "f\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_uint_eq (len, strlen (out));
	/* Format characters (Unicode Cf) go: bidirectional marks, overrides and
	 * isolates, zero-width characters, the BOM, a tag; C1 controls and the
	 * line separator become spaces. */
	static const char *const hidden[] = {
		"\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa", "\xe2\x80\xab",     "\xe2\x80\xac",
		"\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7",     "\xe2\x81\xa8",
		"\xe2\x81\xa9", "\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8d",     "\xe2\x81\xa0",
		"\xef\xbb\xbf", "\xc2\xad",     "\xd8\x9c",     "\xf3\xa0\x80\x81", NULL,
	};
	for (int i = 0; hidden[i]; i++) {
		char in[32];
		snprintf (in, sizeof in, "a%sb", hidden[i]);
		len = hkp11_label_sanitise (in, strlen (in), out, sizeof out);
		ck_assert_msg (strcmp (out, "ab") == 0, "format character %d kept", i);
		ck_assert_uint_eq (len, 2);
	}
	len = hkp11_label_sanitise ("a\xc2\x9b"
				    "b\xc2\x85"
				    "c\xe2\x80\xa8"
				    "d",
				    11, out, sizeof out);
	ck_assert_str_eq (out, "a b c d");
	/* A raw C1 byte is no UTF-8: U+FFFD. */
	len = hkp11_label_sanitise ("a\x9b[2J", 5, out, sizeof out);
	ck_assert_str_eq (out, "a\xef\xbf\xbd[2J");
	/* Never a partial character at the end of a short buffer. */
	len = hkp11_label_sanitise ("ab:", 3, out, 4);
	ck_assert_str_eq (out, "ab");
	len = hkp11_label_sanitise ("陳", 3, out, 3);
	ck_assert_str_eq (out, "");
}
END_TEST

START_TEST (test_unique)
{
	bool r;
	const char *names[] = { "personal", "personal-renewed", "org3", "personal" };
	hkp11_ecert *infos[4];
	char labels[4][HKP11_LABEL_SIZE];
	hkp11_label_entry entries[4];

	for (int i = 0; i < 4; i++) {
		infos[i] = parse_fixture (names[i], &r);
		hkp11_label_build (infos[i], hkp11_label_default_template (HKP11_LANG_EN),
				   HKP11_LANG_EN, labels[i], sizeof labels[i]);
		entries[i].label = labels[i];
		entries[i].info = infos[i];
	}
	ck_assert (hkp11_label_make_unique (entries, 4));
	/* Same holder, kind and expiry: the SRN tells them apart; a copy of the
	 * same certificate is numbered; the one without a twin is untouched. */
	ck_assert_str_eq (
		labels[0],
		"CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471235) #1001");
	ck_assert_str_eq (labels[1],
			  "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471236)");
	ck_assert_str_eq (labels[2],
			  "LEE SIU KEUNG (Organisational e-Cert, " WING_ON ", expires 2044-11-30)");
	ck_assert_str_eq (
		labels[3],
		"CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471235) #1001 (2)");
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			ck_assert_str_ne (labels[i], labels[j]);
	for (int i = 0; i < 4; i++)
		free (infos[i]);
}
END_TEST

START_TEST (test_kind_names)
{
	ck_assert_str_eq (hkp11_ecert_kind_name (HKP11_ECERT_PERSONAL, HKP11_LANG_ZH_HANT), "個人");
	ck_assert_str_eq (hkp11_ecert_kind_name (HKP11_ECERT_ORGANISATIONAL, HKP11_LANG_ZH_HANT),
			  "機構");
	ck_assert_str_eq (hkp11_ecert_kind_name (HKP11_ECERT_ENCIPHERMENT, HKP11_LANG_ZH_HANT),
			  "加密");
	ck_assert_str_eq (hkp11_ecert_kind_name (HKP11_ECERT_SERVER, HKP11_LANG_ZH_HANT), "伺服器");
	ck_assert_str_eq (hkp11_ecert_kind_name (HKP11_ECERT_SERVER, HKP11_LANG_EN), "Server");
	ck_assert_str_eq (hkp11_ecert_kind_name ((hkp11_ecert_kind)99, HKP11_LANG_EN), "");
}
END_TEST

static Suite *
ecert_suite (void)
{
	Suite *s = suite_create ("ecert");
	TCase *tc = tcase_create ("fixtures");
	tcase_add_loop_test (tc, test_recognition, 0, N_FIXTURES);
	tcase_add_loop_test (tc, test_label_en, 0, N_FIXTURES);
	tcase_add_loop_test (tc, test_label_zh, 0, N_FIXTURES);
	tcase_add_test (tc, test_unique);
	suite_add_tcase (s, tc);

	tc = tcase_create ("robustness");
	tcase_add_test (tc, test_malformed);
	tcase_add_test (tc, test_truncated_and_trailing);
	tcase_add_test (tc, test_bit_flips);
	tcase_set_timeout (tc, 60);
	suite_add_tcase (s, tc);

	tc = tcase_create ("templates");
	tcase_add_test (tc, test_templates);
	tcase_add_test (tc, test_template_fields);
	tcase_add_test (tc, test_label_length);
	tcase_add_test (tc, test_sanitise);
	tcase_add_test (tc, test_kind_names);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	/* Generate (or find) the fixtures once, before Check forks. */
	fx_dir ();
	return p11t_run_suite (ecert_suite ());
}
