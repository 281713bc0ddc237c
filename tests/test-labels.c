/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The labels layer through the shim over SoftHSM: friendly labels of
 * certificates and keys, the C_GetAttributeValue rules for every mix of
 * attributes, finding by friendly and by original label, invalidation,
 * settings, the token label, and many threads at once.
 */
#include "config.h"
#include "fixtures.h"
#include "p11-test.h"

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SO_PIN "Hk!So-Pin-2024"
/* Strong enough for the PIN policy layer that sits above. */
#define USER_PIN "Hk!User-Pin-2024"

#define PERSONAL "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471235)"
#define RENEWED "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471236)"
#define ORG3 \
	"LEE SIU KEUNG (Organisational e-Cert, Wing On Trading Company Limited, expires " \
	"2044-11-30)"
#define EC "CHEUNG WAI (Personal e-Cert, expires 2046-03-01)"
#define MR "WONG MEI LING (Personal e-Cert, mutual recognition, expires 2042-10-15)"
#define TRIAL "TEST USER (Trial Personal e-Cert, expires 2041-01-01)"
#define ODD "陳大文： \"Tai Man\" 'Big' (Personal e-Cert, expires 2045-06-30)"

static p11t_module m, direct;
static char *hsm_dir;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE s;

/* The token as a SafeNet token might hold it. */
static struct {
	fx_objects personal, renewed, org3, ec, mr, trial, other;
	CK_OBJECT_HANDLE ec_key, malformed, odd;
} o;

static void
write_conf (const char *text)
{
	char path[PATH_MAX];
	/* State (lockout counts, audit logs) stays with this test's token:
	 * SRNs in labels look like PINs to other tests' canaries. */
	setenv ("XDG_STATE_HOME", hsm_dir, 1);
	snprintf (path, sizeof path, "%s/labels.conf", hsm_dir);
	FILE *f = fopen (path, "w");
	ck_assert_ptr_nonnull (f);
	fputs (text ? text : "", f);
	fclose (f);
	setenv ("HKPOST_P11_CONF", path, 1);
}

static void
populate (void)
{
	fx_options opt;
	CK_SESSION_HANDLE w = p11t_open_session (&m, slot, NULL);

	/* Certificate, private and public key sharing ID and container label. */
	opt = (fx_options){
		"te-3f2a0001", "te-3f2a0001", (const unsigned char *)"\x01\x01", 2, true, true, true
	};
	fx_create (&m, w, "personal", &opt, &o.personal);
	/* The same holder again; its key has no label (a PKCS#12 import). */
	opt = (fx_options){ "te-3f2a0002", NULL, (const unsigned char *)"\x02\x02", 2, true,
			    true,          false };
	fx_create (&m, w, "personal-renewed", &opt, &o.renewed);
	/* A key with neither ID nor label: only its modulus pairs it. */
	opt = (fx_options){ "te-3f2a0003", NULL, (const unsigned char *)"\x03\x03", 2, true,
			    false,         false };
	fx_create (&m, w, "org3", &opt, &o.org3);
	opt = (fx_options){ NULL, NULL, NULL, 0, false, true, false };
	fx_objects k;
	fx_create (&m, w, "org3", &opt, &k);
	o.org3.key = k.key;
	/* EC: the public key pairs by its point; the private key cannot. */
	opt = (fx_options){ "te-ec", NULL, NULL, 0, true, false, true };
	fx_create (&m, w, "personal-ec", &opt, &o.ec);
	opt = (fx_options){ NULL, NULL, NULL, 0, false, true, false };
	fx_create (&m, w, "personal-ec", &opt, &k);
	o.ec_key = k.key;
	/* Two e-Certs and keys under one shared ID: the modulus decides. */
	opt = (fx_options){
		"te-shared", NULL, (const unsigned char *)"\xaa", 1, true, true, false
	};
	fx_create (&m, w, "mr", &opt, &o.mr);
	fx_create (&m, w, "trial", &opt, &o.trial);
	/* Not an e-Cert: keeps its labels. */
	opt = (fx_options){ "Jane Doe", "Jane's key", (const unsigned char *)"\x0b", 1, true,
			    true,       false };
	fx_create (&m, w, "other", &opt, &o.other);
	size_t len;
	unsigned char *bad = fx_read ("malformed", ".der", &len);
	o.malformed = fx_create_raw_cert (&m, w, bad, len, "broken");
	free (bad);
	opt = (fx_options){ NULL, NULL, NULL, 0, true, false, false };
	fx_create (&m, w, "odd", &opt, &k);
	o.odd = k.cert;
	p11t_assert_rv (m.f->C_CloseSession (w), CKR_OK);
}

/* Starts the shim over a fresh token with the given settings. */
static void
start (const char *conf)
{
	hsm_dir = p11t_softhsm_setup ();
	write_conf (conf);
	p11t_load (&m, p11t_shim_path ());
	p11t_assert_rv (m.f->C_Initialize (NULL), CKR_OK);
	slot = p11t_init_token (&m, "eToken", SO_PIN, USER_PIN);
	s = p11t_open_session (&m, slot, USER_PIN);
	populate ();
}

static void
setup (void)
{
	start (NULL);
}

static void
teardown (void)
{
	if (m.f != NULL)
		m.f->C_Finalize (NULL);
	p11t_unload (&m);
	if (hsm_dir != NULL)
		p11t_rmtree (hsm_dir);
	free (hsm_dir);
	hsm_dir = NULL;
}

/* The label as the application sees it; "" when it has none. */
static char *
label_of (CK_OBJECT_HANDLE h)
{
	CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, h, &a, 1), CKR_OK);
	ck_assert_uint_ne (a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	char *buf = calloc (1, a.ulValueLen + 1);
	ck_assert_ptr_nonnull (buf);
	a.pValue = buf;
	p11t_assert_rv (m.f->C_GetAttributeValue (s, h, &a, 1), CKR_OK);
	ck_assert_uint_eq (strlen (buf), a.ulValueLen);
	return buf;
}

#define assert_label(h, expected) \
	do { \
		char *l_ = label_of (h); \
		ck_assert_str_eq (l_, expected); \
		free (l_); \
	} while (0)

/* ---- labels ------------------------------------------------------------- */

START_TEST (test_certificates)
{
	assert_label (o.personal.cert, PERSONAL);
	assert_label (o.renewed.cert, RENEWED);
	assert_label (o.org3.cert, ORG3);
	assert_label (o.ec.cert, EC);
	assert_label (o.mr.cert, MR);
	assert_label (o.trial.cert, TRIAL);
	assert_label (o.odd, ODD);
	/* Others and the malformed one keep what the token says. */
	assert_label (o.other.cert, "Jane Doe");
	assert_label (o.malformed, "broken");
}
END_TEST

START_TEST (test_keys)
{
	/* By CKA_ID. */
	assert_label (o.personal.key, PERSONAL);
	assert_label (o.personal.pubkey, PERSONAL);
	assert_label (o.renewed.key, RENEWED);
	/* By modulus: no ID at all, or an ID two certificates share. */
	assert_label (o.org3.key, ORG3);
	assert_label (o.mr.key, MR);
	assert_label (o.trial.key, TRIAL);
	/* By EC point. */
	assert_label (o.ec.pubkey, EC);
	/* Nothing to pair an EC private key without ID by: unchanged. */
	assert_label (o.ec_key, "");
	assert_label (o.other.key, "Jane's key");
}
END_TEST

/* Repeated reads answer the same, from the cache. */
START_TEST (test_repeated)
{
	for (int i = 0; i < 100; i++) {
		assert_label (o.personal.cert, PERSONAL);
		assert_label (o.org3.key, ORG3);
		assert_label (o.other.key, "Jane's key");
	}
}
END_TEST

/* ---- C_GetAttributeValue rules ------------------------------------------ */

START_TEST (test_size_query)
{
	CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.personal.cert, &a, 1), CKR_OK);
	ck_assert_uint_eq (a.ulValueLen, strlen (PERSONAL));
	/* The size query asks for the rewritten length even with a buffer given
	 * elsewhere in the template. */
	CK_OBJECT_CLASS cls;
	CK_ATTRIBUTE b[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_LABEL, NULL, 12345 } };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.personal.key, b, 2), CKR_OK);
	ck_assert_uint_eq (cls, CKO_PRIVATE_KEY);
	ck_assert_uint_eq (b[1].ulValueLen, strlen (PERSONAL));
}
END_TEST

START_TEST (test_buffer_too_small)
{
	char buf[256];
	size_t len = strlen (PERSONAL);
	CK_ATTRIBUTE a = { CKA_LABEL, buf, len - 1 };
	memset (buf, 'x', sizeof buf);
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.personal.cert, &a, 1), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_int_eq (buf[0], 'x');

	/* Exactly the size fits; nothing is written past it. */
	a.ulValueLen = len;
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.personal.cert, &a, 1), CKR_OK);
	ck_assert_uint_eq (a.ulValueLen, len);
	ck_assert (memcmp (buf, PERSONAL, len) == 0);
	ck_assert_int_eq (buf[len], 'x');

	/* The original label was shorter than this buffer: the friendly one
	 * is what counts. */
	a.ulValueLen = strlen ("te-3f2a0001");
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.personal.cert, &a, 1), CKR_BUFFER_TOO_SMALL);
}
END_TEST

/* Runs tmpl directly on SoftHSM (same instance, same handles) and through
 * the shim, and checks every attribute other than CKA_LABEL agrees. */
static CK_RV
compare_with_direct (CK_OBJECT_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_RV *direct_rv)
{
	CK_ATTRIBUTE copy[8];
	unsigned char bufs[8][512];
	ck_assert_uint_le (n, 8);
	for (CK_ULONG i = 0; i < n; i++) {
		copy[i] = tmpl[i];
		if (tmpl[i].pValue != NULL) {
			copy[i].pValue = bufs[i];
			ck_assert_uint_le (tmpl[i].ulValueLen, sizeof bufs[i]);
		}
	}
	*direct_rv = direct.f->C_GetAttributeValue (s, h, copy, n);
	CK_RV rv = m.f->C_GetAttributeValue (s, h, tmpl, n);
	for (CK_ULONG i = 0; i < n; i++) {
		if (tmpl[i].type == CKA_LABEL)
			continue;
		ck_assert_msg (copy[i].ulValueLen == tmpl[i].ulValueLen,
			       "attribute %lu: direct %lu, shim %lu", (unsigned long)tmpl[i].type,
			       (unsigned long)copy[i].ulValueLen,
			       (unsigned long)tmpl[i].ulValueLen);
		if (tmpl[i].pValue != NULL && tmpl[i].ulValueLen != CK_UNAVAILABLE_INFORMATION)
			ck_assert (memcmp (copy[i].pValue, tmpl[i].pValue, tmpl[i].ulValueLen) ==
				   0);
	}
	return rv;
}

START_TEST (test_mixed_templates)
{
	CK_OBJECT_CLASS cls;
	unsigned char id[64], exponent[512], modulus[512];
	char label[256], tiny[4];
	CK_RV direct_rv, rv;
	p11t_load (&direct, p11t_softhsm_path ());

	/* Everything fine: CKR_OK, the label rewritten, the others as they are. */
	CK_ATTRIBUTE t1[] = { { CKA_CLASS, &cls, sizeof cls },
			      { CKA_LABEL, label, sizeof label },
			      { CKA_ID, id, sizeof id } };
	rv = compare_with_direct (o.personal.key, t1, 3, &direct_rv);
	p11t_assert_rv (rv, CKR_OK);
	ck_assert_uint_eq (t1[1].ulValueLen, strlen (PERSONAL));
	ck_assert (memcmp (label, PERSONAL, t1[1].ulValueLen) == 0);

	/* A sensitive attribute: its error stands, the label is still given. */
	CK_ATTRIBUTE t2[] = { { CKA_PRIVATE_EXPONENT, exponent, sizeof exponent },
			      { CKA_LABEL, label, sizeof label },
			      { CKA_MODULUS, modulus, sizeof modulus } };
	rv = compare_with_direct (o.personal.key, t2, 3, &direct_rv);
	p11t_assert_rv (direct_rv, CKR_ATTRIBUTE_SENSITIVE);
	p11t_assert_rv (rv, CKR_ATTRIBUTE_SENSITIVE);
	ck_assert_uint_eq (t2[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (t2[1].ulValueLen, strlen (PERSONAL));
	ck_assert_uint_eq (t2[2].ulValueLen, 256);

	/* An attribute the object lacks, and a label buffer too small: either
	 * error may be returned; both attributes are unavailable. */
	CK_ATTRIBUTE t3[] = { { CKA_VALUE_LEN, id, sizeof (CK_ULONG) },
			      { CKA_LABEL, tiny, sizeof tiny },
			      { CKA_CLASS, &cls, sizeof cls } };
	rv = compare_with_direct (o.personal.cert, t3, 3, &direct_rv);
	p11t_assert_rv (direct_rv, CKR_ATTRIBUTE_TYPE_INVALID);
	ck_assert_msg (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL, "%s",
		       p11t_rv_name (rv));
	ck_assert_uint_eq (t3[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (t3[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (cls, CKO_CERTIFICATE);

	/* Only the label too small: CKR_BUFFER_TOO_SMALL, others filled. */
	CK_ATTRIBUTE t4[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_LABEL, tiny, sizeof tiny } };
	rv = compare_with_direct (o.mr.cert, t4, 2, &direct_rv);
	p11t_assert_rv (rv, CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (t4[0].ulValueLen, sizeof cls);
	ck_assert_uint_eq (t4[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* A key without CKA_LABEL on the token still reads the friendly one. */
	CK_ATTRIBUTE t5[] = { { CKA_LABEL, label, sizeof label } };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.renewed.key, t5, 1), CKR_OK);
	ck_assert_uint_eq (t5[0].ulValueLen, strlen (RENEWED));

	/* Two CKA_LABEL entries: both answered. */
	char label2[256];
	CK_ATTRIBUTE t6[] = { { CKA_LABEL, NULL, 0 }, { CKA_LABEL, label2, sizeof label2 } };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.org3.key, t6, 2), CKR_OK);
	ck_assert_uint_eq (t6[0].ulValueLen, strlen (ORG3));
	ck_assert_uint_eq (t6[1].ulValueLen, strlen (ORG3));

	/* Session and object errors come from the backend, untouched. */
	CK_ATTRIBUTE t7[] = { { CKA_LABEL, label, sizeof label } };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, 0xdead, t7, 1),
			direct.f->C_GetAttributeValue (s, 0xdead, t7, 1));
	p11t_assert_rv (m.f->C_GetAttributeValue (s + 1000, o.personal.cert, t7, 1),
			CKR_SESSION_HANDLE_INVALID);
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.personal.cert, NULL, 1),
			direct.f->C_GetAttributeValue (s, o.personal.cert, NULL, 1));

	/* A long template (more than the layer keeps on its stack). */
	CK_ATTRIBUTE many[20];
	CK_OBJECT_CLASS classes[20];
	for (int i = 0; i < 20; i++)
		many[i] = (CK_ATTRIBUTE){ CKA_CLASS, &classes[i], sizeof classes[i] };
	many[17] = (CK_ATTRIBUTE){ CKA_LABEL, label, sizeof label };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, o.trial.key, many, 20), CKR_OK);
	ck_assert_uint_eq (many[17].ulValueLen, strlen (TRIAL));
	ck_assert_uint_eq (classes[19], CKO_PRIVATE_KEY);
}
END_TEST

/* ---- finding ------------------------------------------------------------ */

static CK_ULONG
find (CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *found, CK_ULONG max)
{
	CK_ULONG total = 0, got;
	p11t_assert_rv (m.f->C_FindObjectsInit (s, tmpl, n), CKR_OK);
	/* One at a time, to walk the layer's own list. */
	do {
		got = 0;
		p11t_assert_rv (m.f->C_FindObjects (s, found + total, 1, &got), CKR_OK);
		total += got;
	} while (got > 0 && total < max);
	p11t_assert_rv (m.f->C_FindObjectsFinal (s), CKR_OK);
	return total;
}

static bool
has (const CK_OBJECT_HANDLE *list, CK_ULONG n, CK_OBJECT_HANDLE h)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if (list[i] == h)
			return true;
	}
	return false;
}

START_TEST (test_find_friendly)
{
	CK_OBJECT_HANDLE found[32];
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)PERSONAL, strlen (PERSONAL) } };
	CK_ULONG n = find (t, 1, found, 32);
	ck_assert_uint_eq (n, 3);
	ck_assert (has (found, n, o.personal.cert));
	ck_assert (has (found, n, o.personal.key));
	ck_assert (has (found, n, o.personal.pubkey));

	/* As NSS looks up a nickname: certificates only. */
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE t2[] = { { CKA_CLASS, &cls, sizeof cls },
			      { CKA_LABEL, (void *)ORG3, strlen (ORG3) } };
	n = find (t2, 2, found, 32);
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (found[0], o.org3.cert);

	/* A key found by a friendly label it only has through its modulus. */
	cls = CKO_PRIVATE_KEY;
	n = find (t2, 2, found, 32);
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (found[0], o.org3.key);

	/* CJK and the replaced colon. */
	CK_ATTRIBUTE t3[] = { { CKA_LABEL, (void *)ODD, strlen (ODD) } };
	n = find (t3, 1, found, 32);
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (found[0], o.odd);

	/* A prefix of a friendly label finds nothing. */
	CK_ATTRIBUTE t4[] = { { CKA_LABEL, (void *)PERSONAL, 12 } };
	ck_assert_uint_eq (find (t4, 1, found, 32), 0);
}
END_TEST

START_TEST (test_find_original)
{
	CK_OBJECT_HANDLE found[32];
	CK_ATTRIBUTE t[] = { { CKA_LABEL, "te-3f2a0001", 11 } };
	CK_ULONG n = find (t, 1, found, 32);
	ck_assert_uint_eq (n, 3);
	ck_assert (has (found, n, o.personal.cert));
	ck_assert (has (found, n, o.personal.key));
	ck_assert (has (found, n, o.personal.pubkey));

	CK_ATTRIBUTE t2[] = { { CKA_LABEL, "te-shared", 9 } };
	n = find (t2, 1, found, 32);
	ck_assert_uint_eq (n, 2);
	ck_assert (has (found, n, o.mr.cert));
	ck_assert (has (found, n, o.trial.cert));

	/* Labels of objects that are not e-Certs are found as ever. */
	CK_ATTRIBUTE t3[] = { { CKA_LABEL, "Jane's key", 10 } };
	n = find (t3, 1, found, 32);
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (found[0], o.other.key);
}
END_TEST

/* Labels read while the application's own find runs on the same session:
 * the layer's scan must not disturb it. */
START_TEST (test_find_in_progress)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_OBJECT_HANDLE h;
	CK_ULONG got, n = 0, named = 0;

	p11t_assert_rv (m.f->C_FindObjectsInit (s, t, 1), CKR_OK);
	for (;;) {
		p11t_assert_rv (m.f->C_FindObjects (s, &h, 1, &got), CKR_OK);
		if (got == 0)
			break;
		n++;
		char *label = label_of (h);
		named += strstr (label, " e-Cert") != NULL;
		free (label);
	}
	p11t_assert_rv (m.f->C_FindObjectsFinal (s), CKR_OK);
	ck_assert_uint_eq (n, 9);
	ck_assert_uint_eq (named, 7);
}
END_TEST

START_TEST (test_find_rules)
{
	CK_OBJECT_HANDLE found[4];
	CK_ULONG got;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)PERSONAL, strlen (PERSONAL) } };

	p11t_assert_rv (m.f->C_FindObjectsInit (s, t, 1), CKR_OK);
	/* One find at a time per session. */
	p11t_assert_rv (m.f->C_FindObjectsInit (s, t, 1), CKR_OPERATION_ACTIVE);
	p11t_assert_rv (m.f->C_FindObjects (s, NULL, 1, &got), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (m.f->C_FindObjects (s, found, 4, &got), CKR_OK);
	ck_assert_uint_eq (got, 3);
	p11t_assert_rv (m.f->C_FindObjects (s, found, 4, &got), CKR_OK);
	ck_assert_uint_eq (got, 0);
	p11t_assert_rv (m.f->C_FindObjectsFinal (s), CKR_OK);
	/* Finished: the backend's own rule answers again. */
	p11t_assert_rv (m.f->C_FindObjectsFinal (s), CKR_OPERATION_NOT_INITIALIZED);
	/* Closing a session in the middle of a find leaves nothing behind. */
	CK_SESSION_HANDLE s2 = p11t_open_session (&m, slot, NULL);
	p11t_assert_rv (m.f->C_FindObjectsInit (s2, t, 1), CKR_OK);
	p11t_assert_rv (m.f->C_CloseSession (s2), CKR_OK);
	p11t_assert_rv (m.f->C_FindObjects (s2, found, 4, &got), CKR_SESSION_HANDLE_INVALID);
}
END_TEST

/* ---- invalidation ------------------------------------------------------- */

START_TEST (test_set_attribute)
{
	/* A key moved to another certificate's ID follows it. */
	assert_label (o.personal.pubkey, PERSONAL);
	CK_ATTRIBUTE id = { CKA_ID, "\x02\x02", 2 };
	p11t_assert_rv (m.f->C_SetAttributeValue (s, o.personal.pubkey, &id, 1), CKR_OK);
	assert_label (o.personal.pubkey, RENEWED);

	/* A certificate renamed on the token is still found by its new own
	 * label, and still reads its friendly one. */
	CK_ATTRIBUTE label = { CKA_LABEL, "renamed", 7 };
	p11t_assert_rv (m.f->C_SetAttributeValue (s, o.org3.cert, &label, 1), CKR_OK);
	assert_label (o.org3.cert, ORG3);
	CK_OBJECT_HANDLE found[4];
	ck_assert_uint_eq (find (&label, 1, found, 4), 1);
	ck_assert_uint_eq (found[0], o.org3.cert);
}
END_TEST

START_TEST (test_destroy_and_create)
{
	assert_label (o.personal.cert, PERSONAL);
	/* The twin goes: the SRN is no longer needed to tell them apart. */
	p11t_assert_rv (m.f->C_DestroyObject (s, o.renewed.cert), CKR_OK);
	assert_label (o.personal.cert, "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)");
	assert_label (o.personal.key, "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)");
	/* Its key has nothing to pair with any more. */
	assert_label (o.renewed.key, "");

	/* And comes back. */
	fx_objects again;
	fx_options opt = { "te-3f2a0002", NULL, (const unsigned char *)"\x02\x02", 2, true,
			   false,         false };
	fx_create (&m, s, "personal-renewed", &opt, &again);
	assert_label (again.cert, RENEWED);
	assert_label (o.personal.cert, PERSONAL);
	assert_label (o.renewed.key, RENEWED);
}
END_TEST

START_TEST (test_copy)
{
	CK_OBJECT_HANDLE copy;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE t = { CKA_TOKEN, &no, sizeof no };
	assert_label (o.mr.cert, MR);
	p11t_assert_rv (m.f->C_CopyObject (s, o.mr.cert, &t, 1, &copy), CKR_OK);
	/* Two copies of one certificate: told apart all the same. */
	char *a = label_of (o.mr.cert), *b = label_of (copy);
	ck_assert_str_ne (a, b);
	ck_assert (strncmp (a, MR, strlen (MR)) == 0);
	ck_assert (strncmp (b, MR, strlen (MR)) == 0);
	free (a);
	free (b);
	/* A session object goes with its session. */
	p11t_assert_rv (m.f->C_DestroyObject (s, copy), CKR_OK);
	assert_label (o.mr.cert, MR);
}
END_TEST

/* The one object of class cls whose friendly label is label. */
static CK_OBJECT_HANDLE
find_one (CK_OBJECT_CLASS cls, const char *label)
{
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_LABEL, (void *)label, strlen (label) } };
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = find (t, 2, found, 4);
	ck_assert_uint_eq (n, 1);
	return found[0];
}

START_TEST (test_login_state)
{
	CK_OBJECT_HANDLE found[4];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_LABEL, (void *)PERSONAL, strlen (PERSONAL) } };

	/* Logged out, private keys are out of sight; certificates stay named.
	 * (SoftHSM hands out new handles for private objects at each login.) */
	p11t_assert_rv (m.f->C_Logout (s), CKR_OK);
	assert_label (o.personal.cert, PERSONAL);
	ck_assert_uint_eq (find (t, 2, found, 4), 0);
	p11t_assert_rv (m.f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN)),
			CKR_OK);
	assert_label (find_one (CKO_PRIVATE_KEY, PERSONAL), PERSONAL);
	/* All sessions closed (SoftHSM then forgets every handle) and a new
	 * one opened: the token is looked at anew. */
	p11t_assert_rv (m.f->C_CloseAllSessions (slot), CKR_OK);
	s = p11t_open_session (&m, slot, USER_PIN);
	assert_label (find_one (CKO_PRIVATE_KEY, PERSONAL), PERSONAL);
	assert_label (find_one (CKO_PRIVATE_KEY, ORG3), ORG3);
	assert_label (find_one (CKO_PUBLIC_KEY, EC), EC);
	assert_label (find_one (CKO_CERTIFICATE, RENEWED), RENEWED);
}
END_TEST

/* ---- settings ----------------------------------------------------------- */

START_TEST (test_labels_all)
{
	start ("labels: all\n");
	assert_label (o.other.cert, "Jane Doe (Example Corp)");
	assert_label (o.other.key, "Jane Doe (Example Corp)");
	assert_label (o.personal.cert, PERSONAL);
	assert_label (o.malformed, "broken");
}
END_TEST

START_TEST (test_labels_off)
{
	start ("labels: off\n");
	assert_label (o.personal.cert, "te-3f2a0001");
	assert_label (o.personal.key, "te-3f2a0001");
	assert_label (o.renewed.key, "");
	assert_label (o.odd, "");
}
END_TEST

START_TEST (test_language)
{
	start ("label-language: zh-Hant\n");
	assert_label (o.org3.cert, "LEE SIU KEUNG（機構電子證書，Wing On Trading Company Limited，"
				   "2044-11-30到期）");
	assert_label (o.mr.key, "WONG MEI LING（個人電子證書，粵港互認，2042-10-15到期）");
	assert_label (o.personal.cert,
		      "CHAN TAI MAN（個人電子證書，2045-06-30到期） (SRN 9000471235)");
}
END_TEST

START_TEST (test_template)
{
	start ("label-template: {holder} - {srn}\n");
	assert_label (o.personal.cert, "CHAN TAI MAN - 9000471235");
	assert_label (o.renewed.key, "CHAN TAI MAN - 9000471236");
	assert_label (o.odd, "陳大文： \"Tai Man\" 'Big' - 8901234567");
}
END_TEST

START_TEST (test_bad_template)
{
	hsm_dir = p11t_softhsm_setup ();
	p11t_load (&m, p11t_shim_path ());
	write_conf ("label-template: {holder} {nope}\n");
	p11t_assert_rv (m.f->C_Initialize (NULL), CKR_GENERAL_ERROR);
	write_conf ("label-language: fr\n");
	p11t_assert_rv (m.f->C_Initialize (NULL), CKR_GENERAL_ERROR);
	write_conf ("labels: some\n");
	p11t_assert_rv (m.f->C_Initialize (NULL), CKR_GENERAL_ERROR);
	/* The same through pReserved, as NSS passes module parameters. */
	write_conf (NULL);
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK,
				      .pReserved = "token-label: {holder" };
	p11t_assert_rv (m.f->C_Initialize (&args), CKR_ARGUMENTS_BAD);
	args.pReserved = "labels: all; label-template: {holder}";
	p11t_assert_rv (m.f->C_Initialize (&args), CKR_OK);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);
	m.f = NULL;
}
END_TEST

static void
token_label (char out[33])
{
	CK_TOKEN_INFO info;
	p11t_assert_rv (m.f->C_GetTokenInfo (slot, &info), CKR_OK);
	memcpy (out, info.label, 32);
	out[32] = '\0';
}

START_TEST (test_token_label)
{
	char label[33];
	token_label (label);
	ck_assert_str_eq (label, "eToken                          ");
	teardown ();

	/* The newest signing e-Cert names the token: the EC one, 2046. */
	start ("token-label: {holder}'s e-Cert\n");
	token_label (label);
	ck_assert_str_eq (label, "CHEUNG WAI's e-Cert             ");
	teardown ();

	/* Cut at 32 bytes, never inside a character, never with a ':'. */
	start ("token-label: 香港郵政 {holder}: {srn}\n");
	token_label (label);
	ck_assert_uint_eq (strlen (label), 32);
	ck_assert_ptr_null (strchr (label, ':'));
	ck_assert (strncmp (label, "香港郵政 CHEUNG WAI：", strlen ("香港郵政 CHEUNG WAI：")) == 0);
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

static void *
reader (void *arg)
{
	CK_SESSION_HANDLE own = p11t_open_session (&m, slot, NULL);
	char buf[512];
	for (int i = 0; i < 2000; i++) {
		CK_OBJECT_HANDLE h = (i % 2) ? o.personal.cert : o.org3.cert;
		const char *expect = (i % 2) ? PERSONAL : ORG3;
		CK_ATTRIBUTE a = { CKA_LABEL, buf, sizeof buf };
		CK_RV rv = m.f->C_GetAttributeValue (own, h, &a, 1);
		if (rv != CKR_OK || a.ulValueLen != strlen (expect) ||
		    memcmp (buf, expect, a.ulValueLen) != 0) {
			fprintf (stderr, "read %d: %s, %.*s\n", i, p11t_rv_name (rv),
				 rv == CKR_OK ? (int)a.ulValueLen : 0, buf);
			return (void *)1;
		}
	}
	m.f->C_CloseSession (own);
	return NULL;
}

/* Makes the layer look at the token again and again while the readers
 * read: a certificate copied and destroyed, a key renamed, sessions opened
 * and closed, logging out and in.  (It never rewrites a certificate the
 * readers read: SoftHSM briefly hides an object it rewrites, to anyone.) */
static void *
writer (void *arg)
{
	CK_SESSION_HANDLE own = p11t_open_session (&m, slot, NULL);
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE session_object = { CKA_TOKEN, &no, sizeof no };
	for (int i = 0; i < 200; i++) {
		CK_OBJECT_HANDLE copy;
		CK_ATTRIBUTE a = { CKA_LABEL, (i % 2) ? "x" : "y", 1 };
		if (m.f->C_CopyObject (own, o.other.cert, &session_object, 1, &copy) != CKR_OK ||
		    m.f->C_DestroyObject (own, copy) != CKR_OK ||
		    m.f->C_SetAttributeValue (own, o.personal.pubkey, &a, 1) != CKR_OK)
			return (void *)1;
		CK_SESSION_HANDLE extra = p11t_open_session (&m, slot, NULL);
		m.f->C_CloseSession (extra);
		if (i % 50 == 49 && (m.f->C_Logout (own) != CKR_OK ||
				     m.f->C_Login (own, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN,
						   strlen (USER_PIN)) != CKR_OK))
			return (void *)1;
	}
	m.f->C_CloseSession (own);
	return NULL;
}

START_TEST (test_threads)
{
	pthread_t t[5];
	void *result;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq (pthread_create (&t[i], NULL, reader, NULL), 0);
	ck_assert_int_eq (pthread_create (&t[4], NULL, writer, NULL), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq (pthread_join (t[i], &result), 0);
		ck_assert_msg (result == NULL, "thread %d saw a wrong answer", i);
	}
}
END_TEST

static Suite *
labels_suite (void)
{
	Suite *suite = suite_create ("labels");
	TCase *tc = tcase_create ("labels");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, test_certificates);
	tcase_add_test (tc, test_keys);
	tcase_add_test (tc, test_repeated);
	tcase_add_test (tc, test_size_query);
	tcase_add_test (tc, test_buffer_too_small);
	tcase_add_test (tc, test_mixed_templates);
	tcase_add_test (tc, test_find_friendly);
	tcase_add_test (tc, test_find_original);
	tcase_add_test (tc, test_find_in_progress);
	tcase_add_test (tc, test_find_rules);
	tcase_add_test (tc, test_set_attribute);
	tcase_add_test (tc, test_destroy_and_create);
	tcase_add_test (tc, test_copy);
	tcase_add_test (tc, test_login_state);
	tcase_add_test (tc, test_token_label);
	tcase_add_test (tc, test_threads);
	suite_add_tcase (suite, tc);

	tc = tcase_create ("settings");
	tcase_add_checked_fixture (tc, NULL, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, test_labels_all);
	tcase_add_test (tc, test_labels_off);
	tcase_add_test (tc, test_language);
	tcase_add_test (tc, test_template);
	tcase_add_test (tc, test_bad_template);
	suite_add_tcase (suite, tc);
	return suite;
}

int
main (void)
{
	if (access (p11t_softhsm_path (), R_OK) != 0) {
		fprintf (stderr, "SoftHSM not found: skipped\n");
		return 77;
	}
	fx_dir ();
	return p11t_run_suite (labels_suite ());
}
