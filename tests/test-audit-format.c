/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the audit record: escaping, blank-padded fields, the
 * constant tables, every kind of record in both formats, the parser that
 * reads them back, and README.md's table of the fields.
 */
#include "config.h"
#include "base/text.h"
#include "audit/fields.h"
#include "audit/format.h"
#include "audit/parse.h"
#include "p11-test.h"
#include "p11/constants.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char mem[16384];

static const char *
json_of (const void *bytes, size_t n, bool *exact)
{
	hkp11_buf b;
	hkp11_buf_init (&b, mem, sizeof mem - 1);
	bool e = hkp11_buf_add_json_string (&b, bytes, n);
	if (exact)
		*exact = e;
	mem[b.len] = '\0';
	return mem;
}

static const char *
text_of (const void *bytes, size_t n)
{
	hkp11_buf b;
	hkp11_buf_init (&b, mem, sizeof mem - 1);
	hkp11_buf_add_text_string (&b, bytes, n);
	mem[b.len] = '\0';
	return mem;
}

START_TEST (test_escape_quotes_and_controls)
{
	const char label[] = "my \"key\"\\ one\nsecond\tline\r\x01\x7f:end";
	ck_assert_str_eq (json_of (label, strlen (label), NULL),
			  "\"my \\\"key\\\"\\\\ one\\nsecond\\tline\\r\\u0001\\u007f:end\"");
	ck_assert_str_eq (text_of (label, strlen (label)),
			  "\"my \\\"key\\\"\\\\ one\\nsecond\\tline\\r\\u0001\\u007f:end\"");
}
END_TEST

START_TEST (test_escape_colon_kept)
{
	/* NSS splits nicknames at ':'; the log keeps it as it is. */
	ck_assert_str_eq (json_of ("token:cert", 10, NULL), "\"token:cert\"");
	ck_assert_str_eq (text_of ("token:cert", 10), "\"token:cert\"");
}
END_TEST

START_TEST (test_escape_utf8)
{
	/* Chinese names on HKID cards stay readable. */
	const char name[] = "\xe9\x99\xb3\xe5\xa4\xa7\xe6\x96\x87"; /* 陳大文 */
	bool exact = false;
	ck_assert_str_eq (json_of (name, strlen (name), &exact),
			  "\"\xe9\x99\xb3\xe5\xa4\xa7\xe6\x96\x87\"");
	ck_assert (exact);
	ck_assert_str_eq (text_of (name, strlen (name)),
			  "\"\xe9\x99\xb3\xe5\xa4\xa7\xe6\x96\x87\"");
}
END_TEST

START_TEST (test_escape_invalid_utf8)
{
	/* A lone continuation byte, a truncated sequence, an overlong '/',
	 * a surrogate and a byte that never occurs in UTF-8. */
	const char bad[] = "a\x80"
			   "b\xe9\x99"
			   "c\xc0\xaf"
			   "d\xed\xa0\x80"
			   "e\xff";
	bool exact = true;
	const char *j = json_of (bad, strlen (bad), &exact);
	ck_assert (!exact);
	ck_assert_str_eq (
		j, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde\\ufffd\"");
	ck_assert_str_eq (text_of (bad, strlen (bad)),
			  "\"a\\x80b\\xe9\\x99c\\xc0\\xafd\\xed\\xa0\\x80e\\xff\"");
	ck_assert (!hkp11_utf8_valid (bad, strlen (bad)));
	ck_assert (hkp11_utf8_valid ("plain", 5));
}
END_TEST

START_TEST (test_escape_spoofing_code_points)
{
	/* U+202E (right-to-left override), U+2028 (line separator), U+0085 (NEL). */
	const char s[] = "a\xe2\x80\xae"
			 "b\xe2\x80\xa8"
			 "c\xc2\x85";
	ck_assert_str_eq (json_of (s, strlen (s), NULL), "\"a\\u202eb\\u2028c\\u0085\"");
	ck_assert_str_eq (text_of (s, strlen (s)), "\"a\\u202eb\\u2028c\\u0085\"");
	/* Other format characters: U+2066 (isolate), U+200B (zero width space),
	 * U+00AD (soft hyphen), and a tag above U+FFFF as a surrogate pair. */
	const char f[] = "a\xe2\x81\xa6"
			 "b\xe2\x80\x8b"
			 "c\xc2\xad"
			 "d\xf3\xa0\x80\x81"
			 "e";
	ck_assert_str_eq (json_of (f, strlen (f), NULL),
			  "\"a\\u2066b\\u200bc\\u00add\\udb40\\udc01e\"");
	/* What is text stays: U+00AE, U+200A (hair space), U+FFFD. */
	const char t[] = "\xc2\xae\xe2\x80\x8a\xef\xbf\xbd";
	ck_assert_str_eq (json_of (t, strlen (t), NULL), "\"\xc2\xae\xe2\x80\x8a\xef\xbf\xbd\"");
}
END_TEST

START_TEST (test_escape_nul_inside)
{
	ck_assert_str_eq (json_of ("a\0b", 3, NULL), "\"a\\u0000b\"");
}
END_TEST

START_TEST (test_padded_field)
{
	/* 32 bytes, blank-padded, no terminator: followed by bytes that must
	 * never be read as part of it. */
	struct {
		unsigned char label[32];
		char after[8];
	} info;
	memset (info.label, ' ', sizeof info.label);
	memcpy (info.label, "eToken", 6);
	memcpy (info.after, "SECRET!", 8);
	ck_assert_uint_eq (hkp11_padded_len (info.label, 32), 6);

	/* Full to the last byte. */
	memset (info.label, 'x', sizeof info.label);
	ck_assert_uint_eq (hkp11_padded_len (info.label, 32), 32);
	const char *t = text_of (info.label, hkp11_padded_len (info.label, 32));
	ck_assert_uint_eq (strlen (t), 34);
	ck_assert_ptr_null (strstr (t, "SECRET"));

	/* NUL-padded, as some tokens do. */
	memset (info.label, 0, sizeof info.label);
	memcpy (info.label, "abc  ", 5);
	ck_assert_uint_eq (hkp11_padded_len (info.label, 32), 3);
	memset (info.label, ' ', sizeof info.label);
	ck_assert_uint_eq (hkp11_padded_len (info.label, 32), 0);
}
END_TEST

START_TEST (test_buffer_never_overflows)
{
	char small[10];
	hkp11_buf b;
	hkp11_buf_init (&b, small, sizeof small);
	hkp11_buf_add_json_string (&b, "\x01\x02\x03\x04", 4);
	ck_assert (b.overflow);
	ck_assert_uint_le (b.len, sizeof small);
	hkp11_buf_init (&b, small, 3);
	hkp11_buf_add_hex (&b, "abc", 3);
	ck_assert (b.overflow);
	ck_assert_uint_le (b.len, 3);
}
END_TEST

START_TEST (test_numbers)
{
	hkp11_buf b;
	hkp11_buf_init (&b, mem, sizeof mem - 1);
	hkp11_buf_add_ulong (&b, 0);
	hkp11_buf_add_char (&b, ' ');
	hkp11_buf_add_ulong (&b, 18446744073709551615ul);
	hkp11_buf_add_char (&b, ' ');
	hkp11_buf_add_ulong_width (&b, 42, 6);
	hkp11_buf_add_char (&b, ' ');
	hkp11_buf_add_hexnum (&b, 0x80001110ul);
	hkp11_buf_add_char (&b, ' ');
	hkp11_buf_add_hexnum (&b, 6);
	hkp11_buf_add_char (&b, ' ');
	hkp11_buf_add_hex (&b, "\x0a\xff", 2);
	mem[b.len] = '\0';
	ck_assert_str_eq (mem, "0 18446744073709551615 000042 0x80001110 0x00000006 0aff");
}
END_TEST

START_TEST (test_constant_tables_sorted)
{
	for (int kind = HKP11_CONST_RV; kind <= HKP11_CONST_USER_TYPE; kind++) {
		size_t n;
		const hkp11_constant *t = hkp11_constant_table (kind, &n);
		ck_assert_uint_gt (n, 2);
		for (size_t i = 1; i < n; i++)
			ck_assert_msg (t[i - 1].value < t[i].value, "table %d not sorted at %s",
				       kind, t[i].name);
	}
}
END_TEST

START_TEST (test_constant_names)
{
	ck_assert_str_eq (hkp11_rv_name (CKR_OK), "CKR_OK");
	ck_assert_str_eq (hkp11_rv_name (CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
	ck_assert_str_eq (hkp11_rv_name (CKR_PIN_LEN_RANGE), "CKR_PIN_LEN_RANGE");
	ck_assert_ptr_null (hkp11_rv_name (0x8000beef));
	ck_assert_str_eq (hkp11_mechanism_name (CKM_SHA256_RSA_PKCS), "CKM_SHA256_RSA_PKCS");
	ck_assert_str_eq (hkp11_mechanism_name (CKM_EC_KEY_PAIR_GEN), "CKM_EC_KEY_PAIR_GEN");
	ck_assert_str_eq (hkp11_mechanism_name (0x1057), "CKM_EDDSA");
	ck_assert_str_eq (hkp11_attribute_name (CKA_PRIVATE_EXPONENT), "CKA_PRIVATE_EXPONENT");
	ck_assert_str_eq (hkp11_attribute_name (CKA_EC_PARAMS), "CKA_EC_PARAMS");
	ck_assert_str_eq (hkp11_attribute_name (0x80001110), "ETCKA_RETRY_USER");
	ck_assert_str_eq (hkp11_class_name (CKO_PRIVATE_KEY), "CKO_PRIVATE_KEY");
	ck_assert_str_eq (hkp11_key_type_name (CKK_EC), "CKK_EC");
	ck_assert_str_eq (hkp11_user_type_name (CKU_CONTEXT_SPECIFIC), "CKU_CONTEXT_SPECIFIC");
	ck_assert_str_eq (hkp11_function_name (HKP11_FN_C_Login), "C_Login");
	ck_assert_str_eq (hkp11_function_name (HKP11_FN_C_MessageVerifyFinal),
			  "C_MessageVerifyFinal");
	ck_assert_int_eq (hkp11_function_lookup ("C_GetSlotInfo"), HKP11_FN_C_GetSlotInfo);
	ck_assert_int_eq (hkp11_function_lookup ("C_Nonsense"), -1);
	ck_assert_ptr_null (hkp11_function_name (HKP11_FN_COUNT));
}
END_TEST

/* ---- Records ------------------------------------------------------------ */

static const hkp11_audit_stamp *
stamp_for (hkp11_audit_format format)
{
	static char identity[2][256];
	static hkp11_audit_stamp stamps[2];
	hkp11_buf b;
	hkp11_buf_init (&b, identity[format], sizeof identity[format]);
	hkp11_audit_format_identity (&b, format, "host-1", 4242, 1000, "pkcs11-tool");
	stamps[format] = (hkp11_audit_stamp){
		.ts = "2024-05-01T10:00:00.123456Z",
		.seq = 7,
		.chain = "host-1/4242/1714557600000000",
		.prev_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		.identity = identity[format],
		.identity_len = b.len,
	};
	return &stamps[format];
}

static const char *
format (hkp11_audit_format f, const hkp11_audit_record *rec)
{
	hkp11_buf b;
	hkp11_buf_init (&b, mem, sizeof mem - 1);
	hkp11_audit_format_record (&b, f, stamp_for (f), rec);
	ck_assert (!b.overflow);
	mem[b.len] = '\0';
	ck_assert_ptr_null (strchr (mem, '\n'));
	return mem;
}

static const unsigned char serial[16] = "0a1b2c3d        ";

START_TEST (test_record_login)
{
	hkp11_audit_record rec = {
		.kind = HKP11_AUDIT_KIND_SECURITY,
		.event = "C_Login",
		.has_slot = true,
		.slot = 3,
		.token = serial,
		.token_len = sizeof serial,
		.has_session = true,
		.session = 9,
		.has_result = true,
		.result = CKR_PIN_INCORRECT,
		.has_duration = true,
		.duration_us = 1234,
	};
	hkp11_audit_arg_num (&rec, "user", HKP11_ARG_USER_TYPE, CKU_USER);
	hkp11_audit_arg_bytes (&rec, "pin_state", HKP11_ARG_STRING, "count-low", 0);

	ck_assert_str_eq (format (HKP11_AUDIT_TEXT, &rec),
			  "2024-05-01T10:00:00.123456Z seq=7 chain=host-1/4242/1714557600000000 "
			  "prev=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
			  "host=\"host-1\" pid=4242 uid=1000 program=\"pkcs11-tool\" kind=security "
			  "event=C_Login slot=3 token=\"0a1b2c3d\" session=9 user=CKU_USER "
			  "pin_state=\"count-low\" result=CKR_PIN_INCORRECT duration_us=1234");
	ck_assert_str_eq (
		format (HKP11_AUDIT_JSON, &rec),
		"{\"ts\":\"2024-05-01T10:00:00.123456Z\",\"seq\":7,"
		"\"chain\":\"host-1/4242/1714557600000000\","
		"\"prev\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
		"\"host\":\"host-1\",\"pid\":4242,\"uid\":1000,\"program\":\"pkcs11-tool\","
		"\"kind\":\"security\",\"event\":\"C_Login\",\"slot\":3,\"token\":\"0a1b2c3d\","
		"\"session\":9,\"args\":{\"user\":\"CKU_USER\",\"pin_state\":\"count-low\"},"
		"\"result\":\"CKR_PIN_INCORRECT\",\"duration_us\":1234}");
}
END_TEST

START_TEST (test_record_key_use)
{
	/* A label with a quote, a newline, ':' and a byte that is not UTF-8. */
	static const char label[] = "Alice's \"e-Cert\"\nkey:1\xff";
	static const unsigned char id[] = { 0x01, 0xab, 0x00, 0xff };
	hkp11_audit_record rec = {
		.kind = HKP11_AUDIT_KIND_SECURITY,
		.event = "C_SignInit",
		.has_session = true,
		.session = 1,
		.has_result = true,
		.result = CKR_OK,
	};
	hkp11_audit_arg_num (&rec, "mechanism", HKP11_ARG_MECHANISM, CKM_SHA256_RSA_PKCS);
	hkp11_audit_arg_num (&rec, "key", HKP11_ARG_ULONG, 2);
	hkp11_audit_arg_num (&rec, "key_class", HKP11_ARG_CLASS, CKO_PRIVATE_KEY);
	hkp11_audit_arg_bytes (&rec, "key_label", HKP11_ARG_LABEL, label, strlen (label));
	hkp11_audit_arg_bytes (&rec, "key_id", HKP11_ARG_HEX, id, sizeof id);

	const char *t = format (HKP11_AUDIT_TEXT, &rec);
	ck_assert_ptr_nonnull (strstr (t,
				       " event=C_SignInit session=1 mechanism=CKM_SHA256_RSA_PKCS "
				       "key=2 key_class=CKO_PRIVATE_KEY "
				       "key_label=\"Alice's \\\"e-Cert\\\"\\nkey:1\\xff\" "
				       "key_id=\"01ab00ff\" result=CKR_OK"));
	const char *j = format (HKP11_AUDIT_JSON, &rec);
	ck_assert_ptr_nonnull (strstr (j,
				       "\"args\":{\"mechanism\":\"CKM_SHA256_RSA_PKCS\",\"key\":2,"
				       "\"key_class\":\"CKO_PRIVATE_KEY\","
				       "\"key_label\":\"Alice's \\\"e-Cert\\\"\\nkey:1\\ufffd\","
				       "\"key_label_hex\":\"416c6963652773202265"
				       "2d43657274220a6b65793a31ff\","
				       "\"key_id\":\"01ab00ff\"},\"result\":\"CKR_OK\"}"));
}
END_TEST

START_TEST (test_record_template_lengths_only)
{
	/* A private key import: the values must never appear. */
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	static const char secret[] = "PRIVATE-EXPONENT-BYTES";
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_PRIVATE_EXPONENT, (void *)secret, sizeof secret - 1 },
		{ CKA_VALUE, (void *)secret, 5 },
		{ 0x80001301, (void *)secret, 3 },
		{ CKA_LABEL, NULL, CK_UNAVAILABLE_INFORMATION },
	};
	hkp11_audit_record rec = {
		.kind = HKP11_AUDIT_KIND_SECURITY,
		.event = "C_CreateObject",
	};
	hkp11_audit_arg_bytes (&rec, "template", HKP11_ARG_TEMPLATE, tmpl, 5);
	const char *t = format (HKP11_AUDIT_TEXT, &rec);
	ck_assert_ptr_nonnull (
		strstr (t, " template=\"CKA_CLASS:8,CKA_PRIVATE_EXPONENT:22,CKA_VALUE:5,"
			   "ETCKA_CAPI_KEY_CONTAINER:3,CKA_LABEL\""));
	ck_assert_ptr_null (strstr (t, "EXPONENT-BYTES"));
	const char *j = format (HKP11_AUDIT_JSON, &rec);
	ck_assert_ptr_nonnull (
		strstr (j, "\"template\":[\"CKA_CLASS:8\",\"CKA_PRIVATE_EXPONENT:22\","
			   "\"CKA_VALUE:5\",\"ETCKA_CAPI_KEY_CONTAINER:3\",\"CKA_LABEL\"]"));
	ck_assert_ptr_null (strstr (j, "EXPONENT-BYTES"));
}
END_TEST

START_TEST (test_record_long_template_and_label_cut)
{
	static CK_ATTRIBUTE tmpl[HKP11_AUDIT_MAX_TEMPLATE + 5];
	for (size_t i = 0; i < HKP11_AUDIT_MAX_TEMPLATE + 5; i++)
		tmpl[i] = (CK_ATTRIBUTE){ CKA_TOKEN, NULL, 1 };
	static char label[HKP11_AUDIT_MAX_TEXT + 100];
	memset (label, 'L', sizeof label);
	hkp11_audit_record rec = { .kind = HKP11_AUDIT_KIND_SECURITY, .event = "C_CreateObject" };
	hkp11_audit_arg_bytes (&rec, "template", HKP11_ARG_TEMPLATE, tmpl,
			       HKP11_AUDIT_MAX_TEMPLATE + 5);
	hkp11_audit_arg_bytes (&rec, "label", HKP11_ARG_LABEL, label, sizeof label);
	const char *t = format (HKP11_AUDIT_TEXT, &rec);
	ck_assert_ptr_nonnull (strstr (t, ",+5\""));
	ck_assert_ptr_nonnull (strstr (t, " label_len=356"));
	const char *j = format (HKP11_AUDIT_JSON, &rec);
	ck_assert_ptr_nonnull (strstr (j, ",\"+5\"]"));
	ck_assert_ptr_nonnull (strstr (j, ",\"label_len\":356"));
}
END_TEST

START_TEST (test_record_event)
{
	static const char detail[] = "the new PIN has no digit; use 8 or more characters";
	hkp11_audit_record rec = {
		.kind = HKP11_AUDIT_KIND_EVENT,
		.event = "pin-policy-rejected",
		.has_slot = true,
		.slot = 0,
		.has_session = true,
		.session = 4,
		.has_result = true,
		.result = CKR_PIN_INVALID,
	};
	hkp11_audit_arg_bytes (&rec, "severity", HKP11_ARG_STRING, "warning", 0);
	hkp11_audit_arg_bytes (&rec, "function", HKP11_ARG_STRING, "C_SetPIN", 0);
	hkp11_audit_arg_num (&rec, "tries_left", HKP11_ARG_ULONG, 3);
	hkp11_audit_arg_bytes (&rec, "detail", HKP11_ARG_TEXT, detail, strlen (detail));
	ck_assert_ptr_nonnull (
		strstr (format (HKP11_AUDIT_TEXT, &rec),
			" kind=event event=pin-policy-rejected slot=0 session=4 "
			"severity=\"warning\" function=\"C_SetPIN\" tries_left=3 "
			"detail=\"the new PIN has no digit; use 8 or more characters\" "
			"result=CKR_PIN_INVALID"));
	ck_assert_ptr_nonnull (
		strstr (format (HKP11_AUDIT_JSON, &rec),
			"\"kind\":\"event\",\"event\":\"pin-policy-rejected\",\"slot\":0,"
			"\"session\":4,\"args\":{\"severity\":\"warning\","
			"\"function\":\"C_SetPIN\",\"tries_left\":3,\"detail\":"));
}
END_TEST

START_TEST (test_record_call_and_unknown_values)
{
	hkp11_audit_record rec = {
		.kind = HKP11_AUDIT_KIND_CALL,
		.event = "C_GetMechanismInfo",
		.has_slot = true,
		.slot = 1,
		.has_result = true,
		.result = 0x80000123,
		.has_duration = true,
		.duration_us = 0,
	};
	hkp11_audit_arg_num (&rec, "mechanism", HKP11_ARG_MECHANISM, 0x80001234);
	hkp11_audit_arg_num (&rec, "flags", HKP11_ARG_HEXNUM, CKF_SERIAL_SESSION | CKF_RW_SESSION);
	hkp11_audit_arg_num (&rec, "token_present", HKP11_ARG_BOOL, 1);
	ck_assert_ptr_nonnull (
		strstr (format (HKP11_AUDIT_TEXT, &rec),
			" kind=call event=C_GetMechanismInfo slot=1 mechanism=0x80001234 "
			"flags=0x00000006 token_present=true result=0x80000123 "
			"duration_us=0"));
	ck_assert_ptr_nonnull (
		strstr (format (HKP11_AUDIT_JSON, &rec),
			"\"args\":{\"mechanism\":\"0x80001234\",\"flags\":\"0x00000006\","
			"\"token_present\":true},\"result\":\"0x80000123\","
			"\"duration_us\":0}"));
}
END_TEST

START_TEST (test_record_attempt_and_no_args)
{
	hkp11_audit_record rec = {
		.kind = HKP11_AUDIT_KIND_SECURITY,
		.event = "C_Finalize",
		.phase = "attempt",
	};
	ck_assert_ptr_nonnull (
		strstr (format (HKP11_AUDIT_TEXT, &rec),
			"program=\"pkcs11-tool\" kind=security event=C_Finalize phase=attempt"));
	const char *j = format (HKP11_AUDIT_JSON, &rec);
	ck_assert_ptr_nonnull (
		strstr (j, "\"event\":\"C_Finalize\",\"phase\":\"attempt\",\"args\":{}}"));
}
END_TEST

START_TEST (test_record_odd_event_name_quoted)
{
	hkp11_audit_record rec = { .kind = HKP11_AUDIT_KIND_EVENT, .event = "two words" };
	ck_assert_ptr_nonnull (strstr (format (HKP11_AUDIT_TEXT, &rec), " event=\"two words\""));
}
END_TEST

/* Every record read back by the parser the verifier and the tool share
 * gives the fields the writer wrote, in order, in either form. */
START_TEST (test_parse_both_forms)
{
	static const char *const want[] = { "ts",         "seq",       "chain",    "prev",
					    "host",       "pid",       "uid",      "program",
					    "kind",       "event",     "slot",     "session",
					    "mechanism",  "key_label", "template", "result",
					    "duration_us" };
	for (int form = 0; form < 2; form++) {
		hkp11_audit_format format = form ? HKP11_AUDIT_JSON : HKP11_AUDIT_TEXT;
		char identity[256];
		hkp11_buf ib;
		hkp11_buf_init (&ib, identity, sizeof identity);
		hkp11_audit_format_identity (&ib, format, "pc \"1\"", 42, 1000, "p11 tool");
		hkp11_audit_stamp stamp = {
			.ts = "2024-05-01T10:00:00.123456Z",
			.seq = 7,
			.chain = "pc/42/1",
			.prev_hex =
				"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			.identity = identity,
			.identity_len = ib.len,
		};
		CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, NULL, 8 }, { CKA_VALUE, NULL, 32 } };
		hkp11_audit_record rec = { .kind = HKP11_AUDIT_KIND_SECURITY,
					   .event = "C_SignInit",
					   .has_slot = true,
					   .slot = 3,
					   .has_session = true,
					   .session = 9,
					   .has_result = true,
					   .result = CKR_OK,
					   .has_duration = true,
					   .duration_us = 12 };
		hkp11_audit_arg_num (&rec, "mechanism", HKP11_ARG_MECHANISM, CKM_RSA_PKCS);
		hkp11_audit_arg_bytes (&rec, "key_label", HKP11_ARG_LABEL, "a \"b\", c=d", 10);
		hkp11_audit_arg_bytes (&rec, "template", HKP11_ARG_TEMPLATE, tmpl, 2);
		hkp11_buf b;
		hkp11_buf_init (&b, mem, sizeof mem - 1);
		hkp11_audit_format_record (&b, format, &stamp, &rec);
		const char *end = mem + b.len;

		bool json = !form;
		const char *start = hkp11_audit_find_record (mem, end, &json);
		ck_assert_ptr_eq (start, mem);
		ck_assert_int_eq (json, form);
		hkp11_audit_chain_fields f;
		ck_assert_int_eq (hkp11_audit_parse_chain (start, end, json, &f),
				  HKP11_AUDIT_CHAIN_ALL);
		ck_assert_uint_eq (f.seq, 7);
		ck_assert_int_eq (f.name_len, 7);
		ck_assert_int_eq (memcmp (f.name, "pc/42/1", 7), 0);

		hkp11_audit_cursor c;
		const char *key, *value;
		size_t key_len, value_len, n = 0;
		int got;
		hkp11_audit_cursor_init (&c, start, end, json);
		while ((got = hkp11_audit_next_field (&c, &key, &key_len, &value, &value_len)) ==
		       1) {
			ck_assert_uint_lt (n, sizeof want / sizeof want[0]);
			ck_assert_msg (strlen (want[n]) == key_len &&
					       memcmp (want[n], key, key_len) == 0,
				       "field %zu of %s: %.*s, not %s", n, mem, (int)key_len, key,
				       want[n]);
			n++;
		}
		ck_assert_int_eq (got, 0);
		ck_assert_uint_eq (n, sizeof want / sizeof want[0]);

		/* Cut short in the middle of a string: not a whole field. */
		hkp11_audit_cursor_init (&c, start, strstr (mem, "a \\\"b") + 3, json);
		while ((got = hkp11_audit_next_field (&c, &key, &key_len, &value, &value_len)) == 1)
			;
		ck_assert_int_eq (got, -1);
	}
}
END_TEST

/* README.md's table of the record's fields lists every field of
 * common/audit/fields.h and nothing else, and names every journald field. */
START_TEST (test_readme_lists_the_fields)
{
	char path[4096];
	snprintf (path, sizeof path, "%s/README.md", P11T_SRCDIR);
	FILE *f = fopen (path, "r");
	ck_assert_msg (f != NULL, "%s", path);
	static char readme[1 << 18];
	size_t len = fread (readme, 1, sizeof readme - 1, f);
	fclose (f);
	readme[len] = '\0';

	const char *table = strstr (readme, "| Field | Type | Meaning |");
	ck_assert_ptr_nonnull (table);
	const char *table_end = strstr (table, "\n\n");
	ck_assert_ptr_nonnull (table_end);
	size_t rows = 0;
	for (const char *p = strstr (table, "\n| `"); p != NULL && p < table_end;
	     p = strstr (p + 1, "\n| `")) {
		const char *key = p + 4;
		size_t key_len = strcspn (key, "`");
		bool known = false;
		for (int i = 0; i < HKP11_AUDIT_N_RECORD_FIELDS; i++)
			known |= hkp11_audit_key_is (key, key_len, (hkp11_audit_field)i);
		ck_assert_msg (known, "README.md lists a field `%.*s` that records do not have",
			       (int)key_len, key);
		rows++;
	}
	for (int i = 0; i < HKP11_AUDIT_N_RECORD_FIELDS; i++) {
		char row[64];
		snprintf (row, sizeof row, "\n| `%s` |", hkp11_audit_field_keys[i]);
		const char *at = strstr (table, row);
		ck_assert_msg (at != NULL && at < table_end, "README.md's table lacks `%s`",
			       hkp11_audit_field_keys[i]);
		if (hkp11_audit_field_journal[i] != NULL) {
			snprintf (row, sizeof row, "`%s`", hkp11_audit_field_journal[i]);
			ck_assert_msg (strstr (readme, row) != NULL, "README.md does not name %s",
				       hkp11_audit_field_journal[i]);
		}
	}
	ck_assert_uint_eq (rows, HKP11_AUDIT_N_RECORD_FIELDS);
	/* And the events' arguments in the table of arguments. */
	for (int i = HKP11_AUDIT_N_RECORD_FIELDS; i < HKP11_AUDIT_N_FIELDS; i++) {
		char arg[64];
		snprintf (arg, sizeof arg, "`%s`", hkp11_audit_field_keys[i]);
		ck_assert_msg (strstr (table_end, arg) != NULL, "README.md does not explain %s",
			       arg);
	}
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("audit-format");
	TCase *tc = tcase_create ("escape");
	tcase_add_test (tc, test_escape_quotes_and_controls);
	tcase_add_test (tc, test_escape_colon_kept);
	tcase_add_test (tc, test_escape_utf8);
	tcase_add_test (tc, test_escape_invalid_utf8);
	tcase_add_test (tc, test_escape_spoofing_code_points);
	tcase_add_test (tc, test_escape_nul_inside);
	tcase_add_test (tc, test_padded_field);
	tcase_add_test (tc, test_buffer_never_overflows);
	tcase_add_test (tc, test_numbers);
	suite_add_tcase (s, tc);

	tc = tcase_create ("constants");
	tcase_add_test (tc, test_constant_tables_sorted);
	tcase_add_test (tc, test_constant_names);
	suite_add_tcase (s, tc);

	tc = tcase_create ("records");
	tcase_add_test (tc, test_record_login);
	tcase_add_test (tc, test_record_key_use);
	tcase_add_test (tc, test_record_template_lengths_only);
	tcase_add_test (tc, test_record_long_template_and_label_cut);
	tcase_add_test (tc, test_record_event);
	tcase_add_test (tc, test_record_call_and_unknown_values);
	tcase_add_test (tc, test_record_attempt_and_no_args);
	tcase_add_test (tc, test_record_odd_event_name_quoted);
	tcase_add_test (tc, test_parse_both_forms);
	tcase_add_test (tc, test_readme_lists_the_fields);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
