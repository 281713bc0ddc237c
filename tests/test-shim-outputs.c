/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * With every layer off, what a caller reads through the shim is byte for
 * byte what the backend gives: the same read-only scenario runs against
 * the mock's own table and against the shim's, and the two transcripts
 * (every CK_RV, length and output byte) must be identical.  One answer
 * differs on purpose: C_GetInfo names hkpost-p11 and its version
 * (module/identity/layer.c); the rest of it is the backend's.  Run with the
 * mock plain, as an eToken with a password policy, with two tokens, as a
 * 2.20 library, and answering size queries with odd lengths.
 */
#include "config.h"
#include "shim-fixture.h"
#include "p11/etoken.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 160
#define MAX_OUT 600

typedef struct {
	char name[64];
	CK_RV rv;
	size_t len;
	unsigned char out[MAX_OUT];
} step;

typedef struct {
	size_t n;
	step steps[MAX_STEPS];
} transcript;

static transcript direct, shimmed;
static CK_SESSION_HANDLE session;
static CK_OBJECT_HANDLE key, data_object;

static void
put (transcript *t, const char *name, CK_RV rv, const void *out, size_t len)
{
	ck_assert_uint_lt (t->n, MAX_STEPS);
	step *s = &t->steps[t->n++];
	snprintf (s->name, sizeof s->name, "%s", name);
	s->rv = rv;
	s->len = len < MAX_OUT ? len : MAX_OUT;
	if (out != NULL)
		memcpy (s->out, out, s->len);
}

static void
attributes (CK_FUNCTION_LIST_PTR f, transcript *t, CK_OBJECT_HANDLE obj)
{
	unsigned char small[4], big[300];
	CK_ULONG klass = 0;
	/* Fine, size query, too small, sensitive, absent: in one call. */
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass }, { CKA_LABEL, NULL, 0 },
		{ CKA_VALUE, small, sizeof small },  { CKA_PRIVATE_EXPONENT, big, sizeof big },
		{ CKA_MODULUS, big, sizeof big },    { 0x7fff1234UL, big, sizeof big },
	};
	CK_RV rv = f->C_GetAttributeValue (session, obj, tmpl, 6);
	for (int i = 0; i < 6; i++) {
		char name[64];
		snprintf (name, sizeof name, "C_GetAttributeValue %lu #%d", (unsigned long)obj, i);
		put (t, name, rv, &tmpl[i].ulValueLen, sizeof tmpl[i].ulValueLen);
	}
	put (t, "attribute bytes", rv, &klass, sizeof klass);
}

static void
scenario (CK_FUNCTION_LIST_PTR f, transcript *t)
{
	CK_INFO info;
	CK_SLOT_ID slots[4], slot_ids[] = { MOCK_P11_SLOT, MOCK_P11_SLOT2, 99 };
	CK_SLOT_INFO slot_info;
	CK_TOKEN_INFO token_info;
	CK_SESSION_INFO session_info;
	CK_MECHANISM_TYPE mechs[32];
	CK_MECHANISM_INFO mech_info;
	CK_ULONG n;
	CK_RV rv;

	memset (t, 0, sizeof *t);
	memset (&info, 0, sizeof info);
	rv = f->C_GetInfo (&info);
	put (t, "C_GetInfo", rv, &info, sizeof info);
	for (CK_BBOOL present = 0; present <= 1; present++) {
		rv = f->C_GetSlotList (present, NULL, &n);
		put (t, "C_GetSlotList size", rv, &n, sizeof n);
		n = 1;
		rv = f->C_GetSlotList (present, slots, &n);
		put (t, "C_GetSlotList small", rv, &n, sizeof n);
		n = 4;
		rv = f->C_GetSlotList (present, slots, &n);
		put (t, "C_GetSlotList", rv, slots, n * sizeof slots[0]);
	}
	for (int i = 0; i < 3; i++) {
		memset (&slot_info, 0, sizeof slot_info);
		memset (&token_info, 0, sizeof token_info);
		rv = f->C_GetSlotInfo (slot_ids[i], &slot_info);
		put (t, "C_GetSlotInfo", rv, &slot_info, sizeof slot_info);
		rv = f->C_GetTokenInfo (slot_ids[i], &token_info);
		put (t, "C_GetTokenInfo", rv, &token_info, sizeof token_info);
	}
	n = 32;
	rv = f->C_GetMechanismList (MOCK_P11_SLOT, mechs, &n);
	put (t, "C_GetMechanismList", rv, mechs, n * sizeof mechs[0]);
	for (CK_ULONG i = 0; rv == CKR_OK && i <= n; i++) {
		memset (&mech_info, 0, sizeof mech_info);
		CK_RV r = f->C_GetMechanismInfo (MOCK_P11_SLOT, i < n ? mechs[i] : 0x7fffUL,
						 &mech_info);
		put (t, "C_GetMechanismInfo", r, &mech_info, sizeof mech_info);
	}
	memset (&session_info, 0, sizeof session_info);
	rv = f->C_GetSessionInfo (session, &session_info);
	put (t, "C_GetSessionInfo", rv, &session_info, sizeof session_info);

	/* Every object the session sees, in the mock's order. */
	CK_OBJECT_HANDLE found[16];
	rv = f->C_FindObjectsInit (session, NULL, 0);
	put (t, "C_FindObjectsInit", rv, NULL, 0);
	rv = f->C_FindObjects (session, found, 16, &n);
	put (t, "C_FindObjects", rv, found, n * sizeof found[0]);
	put (t, "C_FindObjectsFinal", f->C_FindObjectsFinal (session), NULL, 0);
	for (CK_ULONG i = 0; i < n; i++)
		attributes (f, t, found[i]);
	attributes (f, t, 0x0badUL);

	/* Signatures: size query, too small, the real thing. */
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE text[] = "Hongkong Post", sig[MOCK_P11_SIGNATURE_LEN];
	put (t, "C_SignInit", f->C_SignInit (session, &m, key), NULL, 0);
	n = 0;
	rv = f->C_Sign (session, text, sizeof text, NULL, &n);
	put (t, "C_Sign size", rv, &n, sizeof n);
	n = 8;
	rv = f->C_Sign (session, text, sizeof text, sig, &n);
	put (t, "C_Sign small", rv, &n, sizeof n);
	n = sizeof sig;
	rv = f->C_Sign (session, text, sizeof text, sig, &n);
	put (t, "C_Sign", rv, sig, n);
	rv = f->C_Sign (session, text, sizeof text, sig, &n);
	put (t, "C_Sign ended", rv, NULL, 0);
	CK_MECHANISM d = { MOCK_P11_CKM_DIGEST, NULL, 0 };
	put (t, "C_DigestInit", f->C_DigestInit (session, &d), NULL, 0);
	n = sizeof sig;
	rv = f->C_Digest (session, text, sizeof text, sig, &n);
	put (t, "C_Digest", rv, sig, n);
	n = 0;
	rv = f->C_GetObjectSize (session, data_object, &n);
	put (t, "C_GetObjectSize", rv, &n, sizeof n);
}

static const char *const modes[][2] = {
	{ "MOCK_P11_VERSION", "3.0" },
	{ "MOCK_P11_ETOKEN", "1" },
	{ "MOCK_P11_TOKENS", "2" },
	{ "MOCK_P11_VERSION", "2.20" },
	/* Size queries answering lengths no token should: still passed on. */
	{ "MOCK_P11_ODD_LENGTH", "0" },
	{ "MOCK_P11_ODD_LENGTH", "huge" },
	{ "MOCK_P11_ODD_LENGTH", "unavailable" },
};

/* The shim's C_GetInfo names hkpost-p11, with configure's version; then
 * its text fields and version are set to the backend's, so that the byte
 * comparison covers the rest of CK_INFO. */
static void
check_identity (step *shim_step, const step *direct_step)
{
	CK_INFO shim, back;
	ck_assert_str_eq (shim_step->name, "C_GetInfo");
	ck_assert_uint_eq (shim_step->rv, CKR_OK);
	ck_assert_uint_eq (shim_step->len, sizeof shim);
	memcpy (&shim, shim_step->out, sizeof shim);
	memcpy (&back, direct_step->out, sizeof back);
	ck_assert_mem_eq (shim.manufacturerID, "The hkpost-p11 authors          ", 32);
	ck_assert_mem_eq (shim.libraryDescription, "hkpost-p11 e-Cert token module  ", 32);
	ck_assert_uint_eq (shim.libraryVersion.major, HKP11_VERSION_MAJOR);
	ck_assert_uint_eq (shim.libraryVersion.minor, HKP11_VERSION_MINOR);
	memcpy (shim.manufacturerID, back.manufacturerID, sizeof shim.manufacturerID);
	memcpy (shim.libraryDescription, back.libraryDescription, sizeof shim.libraryDescription);
	shim.libraryVersion = back.libraryVersion;
	memcpy (shim_step->out, &shim, sizeof shim);
}

START_TEST (test_same_outputs)
{
	CK_OBJECT_CLASS data_class = CKO_DATA;
	CK_BYTE label[] = "Hongkong Post e-Cert", value[] = { 1, 2, 3, 4, 5, 6 };
	CK_ATTRIBUTE data_tmpl[] = {
		{ CKA_CLASS, &data_class, sizeof data_class },
		{ CKA_LABEL, label, sizeof label - 1 },
		{ CKA_VALUE, value, sizeof value },
	};
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub;

	setenv (modes[_i][0], modes[_i][1], 1);
	if (_i == 1)
		setenv ("MOCK_P11_PIN_POLICY", "min-len=8,upper=2,lower=2,numbers=2,special=2", 1);
	fx_init ();
	session = fx_session (MOCK_P11_SLOT, true);
	p11t_assert_rv (fx.shim.f->C_GenerateKeyPair (session, &gen, NULL, 0, NULL, 0, &pub, &key),
			CKR_OK);
	p11t_assert_rv (fx.shim.f->C_CreateObject (session, data_tmpl, 3, &data_object), CKR_OK);

	scenario (fx.mock_f, &direct);
	scenario (fx.shim.f, &shimmed);
	ck_assert_uint_eq (direct.n, shimmed.n);
	check_identity (&shimmed.steps[0], &direct.steps[0]);
	ck_assert_uint_gt (direct.n, 40);
	for (size_t i = 0; i < direct.n; i++) {
		const step *a = &direct.steps[i], *b = &shimmed.steps[i];
		ck_assert_str_eq (a->name, b->name);
		ck_assert_msg (a->rv == b->rv, "step %zu %s: direct %s, through the shim %s", i,
			       a->name, p11t_rv_name (a->rv), p11t_rv_name (b->rv));
		ck_assert_msg (a->len == b->len && memcmp (a->out, b->out, a->len) == 0,
			       "step %zu %s: output differs", i, a->name);
	}
	/* The odd lengths really were answered. */
	if (strcmp (modes[_i][0], "MOCK_P11_ODD_LENGTH") == 0) {
		CK_ULONG odd;
		ck_assert_str_eq (shimmed.steps[1].name, "C_GetSlotList size");
		memcpy (&odd, shimmed.steps[1].out, sizeof odd);
		ck_assert_uint_eq (odd, modes[_i][1][0] == '0'   ? 0
					: modes[_i][1][0] == 'h' ? ~(CK_ULONG)0 >> 1
								 : CK_UNAVAILABLE_INFORMATION);
	}
	/* The eToken mode really was on. */
	if (_i == 1)
		ck_assert_mem_eq (direct.steps[0].out + offsetof (CK_INFO, manufacturerID),
				  ETOKEN_MANUFACTURER, strlen (ETOKEN_MANUFACTURER));
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("shim-outputs");
	TCase *tc = tcase_create ("outputs");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_add_loop_test (tc, test_same_outputs, 0, sizeof modes / sizeof modes[0]);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
