/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conformance suite: one set of tests run against the module named by
 * $P11T_MODULE ("direct" = SoftHSM itself, "shim" = hkpost-p11 over SoftHSM).
 *
 * Every call a test makes goes through CALL or RV, which append one line to
 * the transcript named by $P11T_TRANSCRIPT: the test, the function and the
 * CK_RV.  OUT adds the outputs that must match between the two runs (lengths,
 * flags, counts, handles, known-answer values), never anything that differs
 * legitimately from run to run (slot ids, serial numbers, clocks, randomised
 * signatures, generated key material).  tests/conformance-compare.sh runs the
 * suite both ways and diffs the transcripts.
 */
#ifndef HKP11_CONFORMANCE_H
#define HKP11_CONFORMANCE_H

#include "p11-test.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

/* The module under test, the token the fixture made, and its PINs. */
extern p11t_module conf_mod;
extern CK_SLOT_ID conf_slot;
#define F (conf_mod.f)
#define CONF_SO_PIN "so-pin-0042"
#define CONF_USER_PIN "user-pin-17"
#define CONF_TOKEN_LABEL "conformance"
/* A slot id no module hands out in these tests. */
#define CONF_BAD_SLOT ((CK_SLOT_ID)0x7ead5107UL)
#define CONF_BAD_HANDLE ((CK_ULONG)0x7ead0bbeUL)

/* Each test is wrapped so that its name heads its part of the transcript. */
#define CONF_TEST(name) \
	static void name##_run (void); \
	START_TEST (name) \
	{ \
		conf_begin (#name); \
		name##_run (); \
	} \
	END_TEST \
	static void name##_run (void)

void conf_begin (const char *test);

/* Records "fn RV" and returns rv. */
CK_RV conf_record (const char *fn, CK_RV rv);

/* Records one line of outputs, printf-style. */
void conf_out (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Name of a CK_RV ("CKR_OK"), or its hex value when it has no name here. */
const char *conf_rv_name (CK_RV rv);

/* Lower-case hex of a buffer, in one of a few rotating static buffers. */
const char *conf_hex (const void *data, size_t len);

/* Parses hex into buf (of at least strlen(hex)/2 bytes); returns the length. */
size_t conf_unhex (const char *hex, unsigned char *buf);

#define RV(fn, ...) conf_record (#fn, F->fn (__VA_ARGS__))

#define CALL(expected, fn, ...) \
	do { \
		CK_RV rv_ = RV (fn, __VA_ARGS__); \
		ck_assert_msg (rv_ == (CK_RV)(expected), "%s returned %s, expected %s", #fn, \
			       conf_rv_name (rv_), conf_rv_name (expected)); \
	} while (0)

#define OUT(...) conf_out (__VA_ARGS__)

/* Asserts a value that is also worth recording. */
#define OUT_EQ(what, got, expected) \
	do { \
		unsigned long got_ = (unsigned long)(got); \
		OUT ("%s=%lu", what, got_); \
		ck_assert_msg (got_ == (unsigned long)(expected), "%s is %lu, expected %lu", what, \
			       got_, (unsigned long)(expected)); \
	} while (0)

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

/* The checked fixture: a throwaway token, the module initialised. */
void conf_setup (void);
void conf_teardown (void);

/* Opens a session (R/W when rw), logging in as user when user is true. */
CK_SESSION_HANDLE conf_session (bool rw, bool user);

/* Whether the token offers a mechanism (recorded like any call). */
bool conf_has_mechanism (CK_MECHANISM_TYPE type);

/* Finds objects matching a template; returns how many (handles sorted). */
CK_ULONG conf_find (CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out,
		    CK_ULONG max);

/* A session CKO_DATA object with label and value. */
CK_OBJECT_HANDLE conf_data_object (CK_SESSION_HANDLE s, const char *label, bool token,
				   bool private_);

/* A secret key object with a known value: type is CKK_AES or CKK_GENERIC_SECRET. */
CK_OBJECT_HANDLE conf_secret_key (CK_SESSION_HANDLE s, CK_KEY_TYPE type, const unsigned char *key,
				  size_t len, bool sensitive, bool extractable);

/* Generated keys, on the token, private parts private and sensitive. */
CK_OBJECT_HANDLE conf_aes_key (CK_SESSION_HANDLE s, CK_ULONG bytes, bool extractable);
void conf_rsa_pair (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);
void conf_ec_pair (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);

/* Reads one attribute into buf; returns its length (asserts CKR_OK). */
CK_ULONG conf_get (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, void *buf,
		   CK_ULONG len);
CK_ULONG conf_get_ulong (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type);
CK_BBOOL conf_get_bool (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type);

/* SHA-256 of data through the module. */
void conf_sha256 (CK_SESSION_HANDLE s, const void *data, size_t len, unsigned char out[32]);

/* DER of the P-256 curve's OID, for CKA_EC_PARAMS. */
extern const unsigned char conf_p256_oid[10];

/* The groups of tests, in the order they run. */
TCase *conf_tcase_general (void);
TCase *conf_tcase_sessions (void);
TCase *conf_tcase_objects (void);
TCase *conf_tcase_keys (void);
TCase *conf_tcase_sign (void);
TCase *conf_tcase_encrypt (void);
TCase *conf_tcase_digest (void);
TCase *conf_tcase_wrap (void);
TCase *conf_tcase_arguments (void);

/* A test case with the fixture and a timeout that fits RSA key generation. */
TCase *conf_tcase_new (const char *name);

#endif
