/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit layer through the built shim over SoftHSM: every kind of
 * security record in both formats, the calls level and audit-skip, other
 * layers' events, audit-failure under a full disk, a small tmpfs that fills
 * up while the module writes, rotation mid-run, and a canary: no PIN, data,
 * key value or ciphertext in any log.
 */
#include "config.h"
#include "audit/verify.h"
#include "base/compat.h"
#include "p11-test.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define SO_PIN "audit-SO-pin-4711"
#define USER_PIN "Aud1t-User-Pin!"
#define NEW_PIN "N3w-Audit-Pin#9"
#define WRONG_PIN "Wr0ng-Audit-Pin?"
#define DATA "audit-canary-data-7f3e9d"
#define SECRET_VALUE "audit-canary-secret-value-0042!!"
#define KEY_LABEL "Alice \"e-Cert\":\nsigning"
#define TOKEN_LABEL "audit:token \"one\""

static char *dir;
static char log_path[PATH_MAX];
static char settings[2048];
static p11t_module m;

static void
setup (void)
{
	dir = p11t_softhsm_setup ();
	snprintf (log_path, sizeof log_path, "%s/audit.log", dir);
	p11t_load (&m, p11t_shim_path ());
}

static void
teardown (void)
{
	p11t_unload (&m);
	p11t_rmtree (dir);
	free (dir);
}

static CK_RV initialize (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* C_Initialize with settings in pReserved, as NSS module parameters come. */
static CK_RV
initialize (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vsnprintf (settings, sizeof settings, fmt, ap);
	va_end (ap);
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = settings };
	return m.f->C_Initialize (&args);
}

/* ---- Reading the log ---------------------------------------------------- */

static char *log_text;

static void
read_log (const char *path)
{
	free (log_text);
	log_text = NULL;
	FILE *f = fopen (path, "r");
	ck_assert_msg (f != NULL, "no audit log at %s", path);
	size_t len = 0, cap = 0;
	char chunk[8192];
	size_t got;
	while ((got = fread (chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got + 1 > cap) {
			cap = (len + got + 1) * 2;
			log_text = realloc (log_text, cap);
		}
		memcpy (log_text + len, chunk, got);
		len += got;
	}
	fclose (f);
	if (log_text == NULL)
		log_text = calloc (1, 1);
	log_text[len] = '\0';
}

/* The first line that holds every one of the NULL-terminated needles. */
static const char *
find_record (const char *first, ...)
{
	static char line[16384];
	for (const char *p = log_text; p && *p;) {
		const char *end = strchr (p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen (p);
		if (len >= sizeof line)
			len = sizeof line - 1;
		memcpy (line, p, len);
		line[len] = '\0';
		bool all = true;
		va_list ap;
		va_start (ap, first);
		for (const char *n = first; n && all; n = va_arg (ap, const char *))
			all = strstr (line, n) != NULL;
		va_end (ap);
		if (all)
			return line;
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

#define assert_record(...) \
	ck_assert_msg (find_record (__VA_ARGS__, NULL) != NULL, "no record with %s in:\n%s", \
		       #__VA_ARGS__, log_text)
#define assert_no_record(...) \
	ck_assert_msg (find_record (__VA_ARGS__, NULL) == NULL, "unexpected record %s", \
		       find_record (__VA_ARGS__, NULL))

static size_t
count_records (const char *needle)
{
	size_t n = 0;
	for (const char *p = log_text; (p = strstr (p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
assert_chains_intact (const char *const *paths, size_t n, size_t records)
{
	hkp11_audit_verify_options opts = { .strict = true, .out = stdout };
	hkp11_audit_verify_result res;
	ck_assert (hkp11_audit_verify_files (paths, n, &opts, &res));
	if (records)
		ck_assert_uint_eq (res.records, records);
}

static char *
hex_of (const char *s)
{
	static char out[4][256];
	static int which;
	char *o = out[which++ % 4];
	for (size_t i = 0; s[i] && i < 120; i++)
		sprintf (o + 2 * i, "%02x", (unsigned char)s[i]);
	return o;
}

/* None of the suite's secrets, raw or in hex, in the file. */
static void
assert_no_secret (const char *path, const unsigned char *extra, size_t extra_len)
{
	char extra_hex[512] = "";
	for (size_t i = 0; i < extra_len && i < 200; i++)
		sprintf (extra_hex + 2 * i, "%02x", extra[i]);
	const char *secrets[] = {
		SO_PIN,
		USER_PIN,
		NEW_PIN,
		WRONG_PIN,
		DATA,
		SECRET_VALUE,
		hex_of (USER_PIN),
		hex_of (DATA),
		hex_of (SECRET_VALUE),
		hex_of (SO_PIN),
		extra_len ? extra_hex : NULL,
		NULL,
	};
	char *hit = p11t_find_secret (path, secrets);
	ck_assert_msg (hit == NULL, "a secret of the test reached %s", hit);
}

/* ---- A session that exercises every security record --------------------- */

static const CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const CK_BYTE key_id[] = { 0x0a, 0x1b, 0x00, 0xff };
static CK_BYTE ciphertext[64];
static CK_ULONG ciphertext_len;

static void
exercise (CK_SLOT_ID slot)
{
	CK_BBOOL yes = CK_TRUE;
	CK_SESSION_HANDLE s = p11t_open_session (&m, slot, NULL);

	/* Logins: a wrong PIN first. */
	p11t_assert_rv (m.f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)WRONG_PIN, strlen (WRONG_PIN)),
			CKR_PIN_INCORRECT);
	p11t_assert_rv (m.f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN)),
			CKR_OK);

	/* A key pair with an awkward label. */
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub_tmpl[] = {
		{ CKA_EC_PARAMS, (void *)p256, sizeof p256 },
		{ CKA_VERIFY, &yes, sizeof yes },
		{ CKA_LABEL, KEY_LABEL, sizeof KEY_LABEL - 1 },
		{ CKA_ID, (void *)key_id, sizeof key_id },
	};
	CK_ATTRIBUTE priv_tmpl[] = {
		{ CKA_SIGN, &yes, sizeof yes },
		{ CKA_DERIVE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_LABEL, KEY_LABEL, sizeof KEY_LABEL - 1 },
		{ CKA_ID, (void *)key_id, sizeof key_id },
	};
	p11t_assert_rv (m.f->C_GenerateKeyPair (s, &ec_gen, pub_tmpl, 4, priv_tmpl, 5, &pub, &priv),
			CKR_OK);

	/* Signing: the size query, then the signature. */
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_BYTE sig[128];
	CK_ULONG sig_len = 0;
	p11t_assert_rv (m.f->C_SignInit (s, &ecdsa, priv), CKR_OK);
	p11t_assert_rv (m.f->C_Sign (s, (CK_BYTE_PTR)DATA, strlen (DATA), NULL, &sig_len), CKR_OK);
	p11t_assert_rv (m.f->C_Sign (s, (CK_BYTE_PTR)DATA, strlen (DATA), sig, &sig_len), CKR_OK);

	/* A secret key of known value: created, then its label changed. */
	CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE secret_tmpl[] = {
		{ CKA_CLASS, &secret_class, sizeof secret_class },
		{ CKA_KEY_TYPE, &generic, sizeof generic },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &yes, sizeof yes },
		{ CKA_LABEL, "secret", 6 },
		{ CKA_VALUE, SECRET_VALUE, sizeof SECRET_VALUE - 1 },
	};
	CK_OBJECT_HANDLE secret;
	p11t_assert_rv (m.f->C_CreateObject (s, secret_tmpl, 6, &secret), CKR_OK);
	CK_ATTRIBUTE relabel[] = { { CKA_LABEL, "renamed", 7 } };
	p11t_assert_rv (m.f->C_SetAttributeValue (s, secret, relabel, 1), CKR_OK);

	/* An AES key: encrypt (not a security record) and decrypt (one). */
	CK_OBJECT_HANDLE aes;
	CK_ULONG aes_len = 32;
	CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE aes_tmpl[] = {
		{ CKA_VALUE_LEN, &aes_len, sizeof aes_len },
		{ CKA_LABEL, "aes:key", 7 },
		{ CKA_WRAP, &yes, sizeof yes },
		{ CKA_UNWRAP, &yes, sizeof yes },
		{ CKA_ENCRYPT, &yes, sizeof yes },
		{ CKA_DECRYPT, &yes, sizeof yes },
	};
	p11t_assert_rv (m.f->C_GenerateKey (s, &aes_gen, aes_tmpl, 6, &aes), CKR_OK);
	CK_BYTE iv[16] = { 0 };
	CK_MECHANISM cbc = { CKM_AES_CBC_PAD, iv, sizeof iv };
	ciphertext_len = sizeof ciphertext;
	p11t_assert_rv (m.f->C_EncryptInit (s, &cbc, aes), CKR_OK);
	p11t_assert_rv (
		m.f->C_Encrypt (s, (CK_BYTE_PTR)DATA, strlen (DATA), ciphertext, &ciphertext_len),
		CKR_OK);
	CK_BYTE plain[64];
	CK_ULONG plain_len = sizeof plain;
	p11t_assert_rv (m.f->C_DecryptInit (s, &cbc, aes), CKR_OK);
	p11t_assert_rv (m.f->C_Decrypt (s, ciphertext, ciphertext_len, plain, &plain_len), CKR_OK);
	ck_assert_mem_eq (plain, DATA, strlen (DATA));

	/* Wrap the secret out, unwrap it back in. */
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_BYTE wrapped[64];
	CK_ULONG wrapped_len = sizeof wrapped;
	p11t_assert_rv (m.f->C_WrapKey (s, &kw, aes, secret, wrapped, &wrapped_len), CKR_OK);
	CK_OBJECT_HANDLE unwrapped;
	CK_ATTRIBUTE unwrap_tmpl[] = {
		{ CKA_CLASS, &secret_class, sizeof secret_class },
		{ CKA_KEY_TYPE, &generic, sizeof generic },
		{ CKA_LABEL, "unwrapped", 9 },
	};
	p11t_assert_rv (
		m.f->C_UnwrapKey (s, &kw, aes, wrapped, wrapped_len, unwrap_tmpl, 3, &unwrapped),
		CKR_OK);

	/* ECDH with our own public point. */
	CK_BYTE point[128];
	CK_ATTRIBUTE point_attr = { CKA_EC_POINT, point, sizeof point };
	p11t_assert_rv (m.f->C_GetAttributeValue (s, pub, &point_attr, 1), CKR_OK);
	CK_ECDH1_DERIVE_PARAMS ecdh = { CKD_NULL, 0, NULL, point_attr.ulValueLen, point };
	/* SoftHSM takes the raw point; DER-wrapped (04 41 ...) it is 2 longer. */
	if (point[0] == 0x04 && point_attr.ulValueLen == 67) {
		ecdh.pPublicData = point + 2;
		ecdh.ulPublicDataLen = 65;
	}
	CK_MECHANISM derive = { CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh };
	CK_ULONG derived_len = 32;
	CK_ATTRIBUTE derive_tmpl[] = {
		{ CKA_CLASS, &secret_class, sizeof secret_class },
		{ CKA_KEY_TYPE, &generic, sizeof generic },
		{ CKA_VALUE_LEN, &derived_len, sizeof derived_len },
		{ CKA_LABEL, "derived", 7 },
	};
	CK_OBJECT_HANDLE derived;
	p11t_assert_rv (m.f->C_DeriveKey (s, &derive, priv, derive_tmpl, 4, &derived), CKR_OK);

	/* PKCS#11 3.0 calls SoftHSM does not have: recorded all the same. */
	ck_assert_ptr_nonnull (m.f3);
	p11t_assert_rv (m.f3->C_MessageSignInit (s, &ecdsa, priv), CKR_FUNCTION_NOT_SUPPORTED);

	/* Calls that are not security records at this level. */
	CK_INFO info;
	p11t_assert_rv (m.f->C_GetInfo (&info), CKR_OK);
	CK_SLOT_INFO slot_info;
	p11t_assert_rv (m.f->C_GetSlotInfo (slot, &slot_info), CKR_OK);

	p11t_assert_rv (m.f->C_DestroyObject (s, unwrapped), CKR_OK);
	p11t_assert_rv (m.f->C_SetPIN (s, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN),
				       (CK_UTF8CHAR_PTR)NEW_PIN, strlen (NEW_PIN)),
			CKR_OK);
	p11t_assert_rv (m.f->C_Logout (s), CKR_OK);
	p11t_assert_rv (m.f->C_CloseSession (s), CKR_OK);
}

START_TEST (test_security_records)
{
	bool json = _i == 1;
	p11t_assert_rv (
		initialize ("audit-file: %s; audit-format: %s", log_path, json ? "json" : "text"),
		CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, TOKEN_LABEL, SO_PIN, USER_PIN);
	exercise (slot);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);

	read_log (log_path);
	char program[300];
	snprintf (program, sizeof program, json ? "\"program\":\"%s\"" : "program=\"%s\"",
		  hkp11_program_name ());
	if (json) {
		assert_record ("\"event\":\"C_Initialize\"", program, "\"backend\":\"",
			       "libsofthsm2", "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_InitToken\"",
			       "\"token_label\":\"audit:token \\\"one\\\"\"",
			       "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_InitPIN\"", "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_Login\"", "\"user\":\"CKU_SO\"",
			       "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_Login\"", "\"user\":\"CKU_USER\"",
			       "\"pin_state\":\"count-low\"", "\"result\":\"CKR_PIN_INCORRECT\"",
			       "\"token\":\"");
		assert_record ("\"event\":\"C_Login\"", "\"user\":\"CKU_USER\"",
			       "\"result\":\"CKR_OK\"", "\"duration_us\":");
		assert_record ("\"event\":\"C_GenerateKeyPair\"",
			       "\"mechanism\":\"CKM_EC_KEY_PAIR_GEN\"",
			       "\"label\":\"Alice \\\"e-Cert\\\":\\nsigning\"",
			       "\"id\":\"0a1b00ff\"", "\"public_key\":", "\"private_key\":");
		assert_record ("\"event\":\"C_SignInit\"", "\"mechanism\":\"CKM_ECDSA\"",
			       "\"key_class\":\"CKO_PRIVATE_KEY\"",
			       "\"key_label\":\"Alice \\\"e-Cert\\\":\\nsigning\"",
			       "\"key_id\":\"0a1b00ff\"", "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_Sign\"", "\"data_len\":24", "\"signature_len\":64",
			       "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_CreateObject\"", "\"class\":\"CKO_SECRET_KEY\"",
			       "\"label\":\"secret\"", "\"CKA_VALUE:32\"", "\"object\":");
		assert_record ("\"event\":\"C_SetAttributeValue\"", "\"label\":\"secret\"",
			       "\"new_label\":\"renamed\"");
		assert_record ("\"event\":\"C_GenerateKey\"", "\"mechanism\":\"CKM_AES_KEY_GEN\"",
			       "\"label\":\"aes:key\"", "\"new_key\":");
		assert_record ("\"event\":\"C_DecryptInit\"", "\"mechanism\":\"CKM_AES_CBC_PAD\"",
			       "\"key_class\":\"CKO_SECRET_KEY\"", "\"key_label\":\"aes:key\"");
		assert_record ("\"event\":\"C_Decrypt\"", "\"data_len\":32", "\"out_len\":24");
		assert_record ("\"event\":\"C_WrapKey\"", "\"mechanism\":\"CKM_AES_KEY_WRAP\"",
			       "\"key_label\":\"renamed\"", "\"wrapped_len\":40");
		assert_record ("\"event\":\"C_UnwrapKey\"", "\"key_label\":\"aes:key\"",
			       "\"new_label\":\"unwrapped\"", "\"new_key\":");
		assert_record ("\"event\":\"C_DeriveKey\"", "\"mechanism\":\"CKM_ECDH1_DERIVE\"",
			       "\"key_label\":\"Alice", "\"new_label\":\"derived\"",
			       "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_MessageSignInit\"", "\"key_id\":\"0a1b00ff\"",
			       "\"result\":\"CKR_FUNCTION_NOT_SUPPORTED\"");
		assert_record ("\"event\":\"C_DestroyObject\"", "\"class\":\"CKO_SECRET_KEY\"",
			       "\"label\":\"unwrapped\"");
		assert_record ("\"event\":\"C_SetPIN\"", "\"user\":\"CKU_USER\"",
			       "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_Logout\"", "\"result\":\"CKR_OK\"");
		assert_record ("\"event\":\"C_Finalize\"");
		/* Not at the security level. */
		assert_no_record ("\"event\":\"C_GetInfo\"");
		assert_no_record ("\"event\":\"C_GetSlotInfo\"");
		assert_no_record ("\"event\":\"C_Encrypt");
		assert_no_record ("\"event\":\"C_OpenSession\"");
	} else {
		assert_record (" event=C_Initialize ", program, " backend=\"", "libsofthsm2",
			       "result=CKR_OK");
		assert_record (" event=C_InitToken ", "token_label=\"audit:token \\\"one\\\"\"",
			       "result=CKR_OK");
		assert_record (" event=C_Login ", "user=CKU_USER", "pin_state=\"count-low\"",
			       "result=CKR_PIN_INCORRECT");
		assert_record (" event=C_SignInit ", "mechanism=CKM_ECDSA",
			       "key_class=CKO_PRIVATE_KEY",
			       "key_label=\"Alice \\\"e-Cert\\\":\\nsigning\"",
			       "key_id=\"0a1b00ff\"", "result=CKR_OK");
		assert_record (" event=C_Sign ", "data_len=24", "signature_len=64",
			       "result=CKR_OK");
		assert_record (" event=C_CreateObject ", "class=CKO_SECRET_KEY", "CKA_VALUE:32");
		assert_record (" event=C_DestroyObject ", "label=\"unwrapped\"");
		assert_record (" event=C_SetPIN ", "user=CKU_USER", "result=CKR_OK");
		assert_record (" event=C_Logout ", "result=CKR_OK");
		assert_no_record (" event=C_GetInfo ");
	}
	/* One signature: one C_Sign record (the size query is no key use). */
	ck_assert_uint_eq (count_records (json ? "\"event\":\"C_Sign\"" : " event=C_Sign "), 1);

	assert_no_secret (log_path, ciphertext, ciphertext_len);
	const char *paths[] = { log_path };
	assert_chains_intact (paths, 1, 0);
	struct stat st;
	ck_assert_int_eq (stat (log_path, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0600);
}
END_TEST

START_TEST (test_calls_level_and_skip)
{
	p11t_assert_rv (initialize ("audit: calls; audit-format: json; audit-file: %s; "
				    "audit-skip: C_GetSlotInfo, C_GetSessionInfo",
				    log_path),
			CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, "calls", SO_PIN, USER_PIN);
	CK_SESSION_HANDLE s = p11t_open_session (&m, slot, USER_PIN);
	CK_INFO info;
	CK_SLOT_INFO slot_info;
	CK_SESSION_INFO session_info;
	for (int i = 0; i < 3; i++) {
		p11t_assert_rv (m.f->C_GetInfo (&info), CKR_OK);
		p11t_assert_rv (m.f->C_GetSlotInfo (slot, &slot_info), CKR_OK);
		p11t_assert_rv (m.f->C_GetSessionInfo (s, &session_info), CKR_OK);
	}
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_ATTRIBUTE find[] = { { CKA_CLASS, &klass, sizeof klass } };
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n_found;
	p11t_assert_rv (m.f->C_FindObjectsInit (s, find, 1), CKR_OK);
	p11t_assert_rv (m.f->C_FindObjects (s, found, 4, &n_found), CKR_OK);
	p11t_assert_rv (m.f->C_FindObjectsFinal (s), CKR_OK);
	CK_BYTE random[16];
	p11t_assert_rv (m.f->C_GenerateRandom (s, random, sizeof random), CKR_OK);
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_BYTE digest[32];
	CK_ULONG digest_len = sizeof digest;
	p11t_assert_rv (m.f->C_DigestInit (s, &sha), CKR_OK);
	p11t_assert_rv (m.f->C_Digest (s, (CK_BYTE_PTR)DATA, strlen (DATA), digest, &digest_len),
			CKR_OK);
	p11t_assert_rv (m.f->C_CloseSession (s), CKR_OK);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);

	read_log (log_path);
	ck_assert_uint_eq (count_records ("\"event\":\"C_GetInfo\""), 3);
	assert_record ("\"kind\":\"call\"", "\"event\":\"C_GetInfo\"", "\"result\":\"CKR_OK\"",
		       "\"duration_us\":");
	assert_no_record ("\"event\":\"C_GetSlotInfo\"");
	assert_no_record ("\"event\":\"C_GetSessionInfo\"");
	assert_record ("\"event\":\"C_OpenSession\"", "\"flags\":\"0x00000006\"", "\"session\":");
	assert_record ("\"event\":\"C_FindObjectsInit\"", "\"template\":[\"CKA_CLASS:8\"]",
		       "\"slot\":", "\"token\":");
	assert_record ("\"event\":\"C_FindObjects\"", "\"max\":4", "\"count\":0");
	assert_record ("\"event\":\"C_GenerateRandom\"", "\"random_len\":16");
	assert_record ("\"event\":\"C_DigestInit\"", "\"mechanism\":\"CKM_SHA256\"");
	assert_record ("\"event\":\"C_Digest\"", "\"data_len\":24", "\"digest_len\":32");
	assert_record ("\"event\":\"C_CloseSession\"", "\"slot\":");
	/* Security records keep their kind at the calls level. */
	assert_record ("\"kind\":\"security\"", "\"event\":\"C_Login\"");
	assert_no_secret (log_path, random, sizeof random);
	assert_no_secret (log_path, digest, digest_len);
	const char *paths[] = { log_path };
	assert_chains_intact (paths, 1, 0);
}
END_TEST

START_TEST (test_layer_events_recorded)
{
	p11t_assert_rv (initialize ("audit-file: %s; pin-policy: enforce", log_path), CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, "events", SO_PIN, USER_PIN);
	CK_SESSION_HANDLE s = p11t_open_session (&m, slot, USER_PIN);
	/* Too short for the policy: refused before the token sees it. */
	CK_RV rv = m.f->C_SetPIN (s, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN),
				  (CK_UTF8CHAR_PTR) "ab1", 3);
	ck_assert_msg (rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID, "%s", p11t_rv_name (rv));
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);

	read_log (log_path);
	assert_record (" kind=event event=pin-policy-rejected ", "function=\"C_SetPIN\"",
		       "severity=\"warning\"", " reasons=\"too-short,missing-class\"",
		       " detail=\"");
	/* The names of the rules broken, nothing of the PIN: not its length,
	 * not the kinds of character it has or lacks. */
	static const char *const makeup[] = {
		" characters", "lacks", "upper-case", "lower-case", "a digit", "special character",
	};
	for (size_t i = 0; i < sizeof makeup / sizeof makeup[0]; i++)
		ck_assert_msg (strstr (log_text, makeup[i]) == NULL, "'%s' in the log:\n%s",
			       makeup[i], log_text);
	assert_record (" event=C_SetPIN ", p11t_rv_name (rv));
	/* The event comes before the call's own record. */
	ck_assert (strstr (log_text, "event=pin-policy-rejected") <
		   strstr (log_text, " event=C_SetPIN "));
	ck_assert_ptr_null (strstr (log_text, "ab1\""));
}
END_TEST

START_TEST (test_login_ends_without_logout)
{
	p11t_assert_rv (initialize ("audit-file: %s", log_path), CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, "ends", SO_PIN, USER_PIN);
	/* Two sessions: closing the first does not log out, the last does. */
	CK_SESSION_HANDLE a = p11t_open_session (&m, slot, USER_PIN);
	CK_SESSION_HANDLE b = p11t_open_session (&m, slot, NULL);
	p11t_assert_rv (m.f->C_CloseSession (a), CKR_OK);
	p11t_assert_rv (m.f->C_CloseSession (b), CKR_OK);
	/* Logged in at C_Finalize. */
	p11t_open_session (&m, slot, USER_PIN);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);

	read_log (log_path);
	ck_assert_msg (count_records (" event=C_CloseSession ") == 1, "%s", log_text);
	char session[64];
	snprintf (session, sizeof session, " session=%lu ", (unsigned long)b);
	assert_record (" event=C_CloseSession ", session, "ends_login=CKU_USER", "result=CKR_OK");
	assert_record (" event=C_Finalize ", "ends_login=CKU_USER");
}
END_TEST

START_TEST (test_off_writes_nothing)
{
	p11t_assert_rv (initialize ("audit: off; audit-file: %s", log_path), CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, "off", SO_PIN, USER_PIN);
	(void)slot;
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);
	ck_assert_int_ne (access (log_path, F_OK), 0);
}
END_TEST

START_TEST (test_bad_settings_refused)
{
	p11t_assert_rv (initialize ("audit: loud"), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (initialize ("audit-skip: C_GetSlotInfo C_NoSuchThing"), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (initialize ("audit-failure: maybe"), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (initialize ("audit-format: xml"), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (initialize ("audit-file: relative/audit.log"), CKR_ARGUMENTS_BAD);
}
END_TEST

/* stderr into a file, to count complaints. */
/* A token with a user PIN, made with an ordinary log. */
static void
token_for_failure_tests (void)
{
	char first[PATH_MAX];
	snprintf (first, sizeof first, "%s/setup.log", dir);
	p11t_assert_rv (initialize ("audit-file: %s", first), CKR_OK);
	p11t_init_token (&m, "full", SO_PIN, USER_PIN);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);
}

/* SoftHSM numbers its slots afresh in each C_Initialize: find it again. */
static CK_SLOT_ID
find_token (const char *label)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	p11t_assert_rv (m.f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (m.f->C_GetTokenInfo (slots[i], &ti) == CKR_OK &&
		    memcmp (ti.label, label, strlen (label)) == 0 &&
		    ti.label[strlen (label)] == ' ')
			return slots[i];
	}
	ck_abort_msg ("token %s not found", label);
	return 0;
}

START_TEST (test_disk_full_continue)
{
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);
	token_for_failure_tests ();
	int saved = p11t_capture_stderr (err);
	CK_RV init = initialize ("audit-file: /dev/full; audit-failure: continue");
	CK_SLOT_ID slot = init == CKR_OK ? find_token ("full") : 0;
	CK_SESSION_HANDLE s = 0;
	CK_RV open_rv = init == CKR_OK
				? m.f->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &s)
				: init;
	CK_RV login = m.f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN));
	CK_RV logout = m.f->C_Logout (s);
	m.f->C_Finalize (NULL);
	p11t_restore_stderr (saved);

	p11t_assert_rv (init, CKR_OK);
	p11t_assert_rv (open_rv, CKR_OK);
	/* The token works; the log is missing, and that was said once. */
	p11t_assert_rv (login, CKR_OK);
	p11t_assert_rv (logout, CKR_OK);
	read_log (err);
	ck_assert_uint_eq (count_records ("audit log /dev/full cannot be written"), 1);
	ck_assert_uint_eq (count_records ("continuing without it"), 1);
}
END_TEST

START_TEST (test_disk_full_deny)
{
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);
	token_for_failure_tests ();
	int saved = p11t_capture_stderr (err);
	CK_RV init = initialize ("audit-file: /dev/full; audit-failure: deny");
	CK_SLOT_ID slot = init == CKR_OK ? find_token ("full") : 0;
	CK_SESSION_HANDLE s = 0;
	CK_RV open_rv = init == CKR_OK
				? m.f->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &s)
				: init;
	CK_RV login = m.f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN));
	CK_SESSION_INFO info = { 0 };
	CK_RV info_rv = m.f->C_GetSessionInfo (s, &info);
	CK_TOKEN_INFO token;
	CK_RV token_rv = m.f->C_GetTokenInfo (slot, &token);
	CK_RV logout = m.f->C_Logout (s);
	m.f->C_Finalize (NULL);
	p11t_restore_stderr (saved);

	/* The token can still be looked at... */
	p11t_assert_rv (init, CKR_OK);
	p11t_assert_rv (open_rv, CKR_OK);
	p11t_assert_rv (token_rv, CKR_OK);
	/* ...but nothing security-relevant happens unaudited. */
	p11t_assert_rv (login, CKR_FUNCTION_FAILED);
	p11t_assert_rv (info_rv, CKR_OK);
	ck_assert_uint_eq (info.state, CKS_RO_PUBLIC_SESSION);
	/* Logging out is never refused (SoftHSM answers CKR_OK even then). */
	ck_assert_msg (logout != CKR_FUNCTION_FAILED, "C_Logout refused");
	read_log (err);
	ck_assert_uint_eq (count_records ("audit log /dev/full cannot be written"), 1);
	ck_assert_uint_eq (count_records ("refusing logins"), 1);
}
END_TEST

static void
write_proc (const char *path, const char *text)
{
	int fd = open (path, O_WRONLY);
	ck_assert_msg (fd >= 0, "%s: %s", path, strerror (errno));
	ck_assert_int_eq (write (fd, text, strlen (text)), (ssize_t)strlen (text));
	close (fd);
}

/* A tmpfs of its own at path, in a mount namespace of this test's process
 * (Check runs each test in a child): as root, or else as the root of a user
 * namespace of its own. */
static void
private_tmpfs (const char *path, const char *options)
{
	if (unshare (CLONE_NEWNS) != 0) {
		char map[64];
		unsigned long uid = getuid (), gid = getgid ();
		ck_assert_msg (unshare (CLONE_NEWUSER | CLONE_NEWNS) == 0,
			       "neither root nor user namespaces: %s", strerror (errno));
		write_proc ("/proc/self/setgroups", "deny");
		snprintf (map, sizeof map, "0 %lu 1", uid);
		write_proc ("/proc/self/uid_map", map);
		snprintf (map, sizeof map, "0 %lu 1", gid);
		write_proc ("/proc/self/gid_map", map);
	}
	/* Source and type mean nothing here; valgrind wants strings. */
	ck_assert_int_eq (mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_msg (mount ("tmpfs", path, "tmpfs", 0, options) == 0, "mount tmpfs %s: %s", path,
		       strerror (errno));
}

/* Writes to path until the file system is full. */
static void
fill_up (const char *path)
{
	static char block[4096];
	int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge (fd, 0);
	while (write (fd, block, sizeof block) > 0)
		;
	close (fd);
}

static bool
ends_in_newline (const char *path)
{
	int fd = open (path, O_RDONLY);
	ck_assert_int_ge (fd, 0);
	char last = 0;
	off_t size = lseek (fd, 0, SEEK_END);
	bool ok = size > 0 && pread (fd, &last, 1, size - 1) == 1 && last == '\n';
	close (fd);
	return ok;
}

/* The log on a 64 KiB tmpfs that fills up while the module writes: a flush
 * that does not fit leaves nothing of itself (before, half a record stayed
 * and the next one was glued to it); once there is room again the same
 * program writes on and says in a gap record what it lost. */
START_TEST (test_disk_fills_up)
{
	char disk[PATH_MAX], tmpfs_log[PATH_MAX], filler[PATH_MAX], err[PATH_MAX];
	snprintf (disk, sizeof disk, "%s/disk", dir);
	snprintf (tmpfs_log, sizeof tmpfs_log, "%s/audit.log", disk);
	snprintf (filler, sizeof filler, "%s/filler", disk);
	snprintf (err, sizeof err, "%s/stderr", dir);
	ck_assert_int_eq (mkdir (disk, 0700), 0);
	private_tmpfs (disk, "size=64k");

	int saved = p11t_capture_stderr (err);
	CK_RV init = initialize ("audit-file: %s; audit: calls", tmpfs_log);
	CK_SLOT_ID slot = p11t_init_token (&m, "tmpfs", SO_PIN, USER_PIN);
	CK_SESSION_HANDLE s = p11t_open_session (&m, slot, NULL);
	CK_SLOT_INFO info;
	/* A file that ends inside a page: its last page has room for part of
	 * the next flush, and the rest needs a page there is none of. */
	struct stat st;
	for (int i = 0; i < 100 && (stat (tmpfs_log, &st) != 0 || st.st_size % 4096 == 0); i++)
		m.f->C_GetSlotInfo (slot, &info);
	fill_up (filler);

	/* Calls wait in the buffer; the login's record takes them out: 40 of
	 * them, some 10 KiB, more than the last page holds. */
	for (int i = 0; i < 40; i++)
		m.f->C_GetSlotInfo (slot, &info);
	CK_RV login = m.f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN));
	bool whole_when_full = ends_in_newline (tmpfs_log);
	off_t size_when_full = (stat (tmpfs_log, &st), st.st_size);

	ck_assert_int_eq (unlink (filler), 0);
	CK_RV logout = m.f->C_Logout (s);
	p11t_assert_rv (m.f->C_CloseSession (s), CKR_OK);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);
	p11t_restore_stderr (saved);

	p11t_assert_rv (init, CKR_OK);
	/* The token works on (audit-failure: continue). */
	p11t_assert_rv (login, CKR_OK);
	p11t_assert_rv (logout, CKR_OK);
	ck_assert_msg (whole_when_full, "the full disk left a record cut short (size %ld)",
		       (long)size_when_full);
	read_log (err);
	ck_assert_uint_eq (count_records ("No space left on device"), 1);

	read_log (tmpfs_log);
	ck_assert (ends_in_newline (tmpfs_log));
	assert_record (" event=audit-log-gap ", " lost_records=");
	assert_record (" event=C_Logout ");
	assert_no_record (" event=C_Login ", " user=CKU_USER ");
	const char *paths[] = { tmpfs_log };
	hkp11_audit_verify_options opts = { .strict = true, .out = stdout };
	hkp11_audit_verify_result res;
	ck_assert (hkp11_audit_verify_files (paths, 1, &opts, &res));
	ck_assert_uint_ge (res.lost, 41);
	ck_assert_uint_eq (res.torn + res.broken + res.edited + res.missing, 0);
	umount2 (disk, MNT_DETACH);
}
END_TEST

START_TEST (test_deny_writes_attempt_first)
{
	p11t_assert_rv (initialize ("audit-file: %s; audit-failure: deny", log_path), CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, "deny", SO_PIN, USER_PIN);
	CK_SESSION_HANDLE s = p11t_open_session (&m, slot, USER_PIN);
	p11t_assert_rv (m.f->C_Logout (s), CKR_OK);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);
	read_log (log_path);
	const char *attempt = strstr (log_text, " event=C_Login phase=attempt");
	ck_assert_ptr_nonnull (attempt);
	const char *done = strstr (attempt, " event=C_Login ");
	ck_assert_ptr_nonnull (done);
	ck_assert_ptr_nonnull (strstr (done, "result=CKR_OK"));
	/* Logout is not guarded: no attempt record. */
	assert_no_record (" event=C_Logout phase=attempt");
}
END_TEST

START_TEST (test_rotation_mid_run)
{
	char rotated[PATH_MAX];
	snprintf (rotated, sizeof rotated, "%s.1", log_path);
	p11t_assert_rv (initialize ("audit-file: %s; audit-format: json", log_path), CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&m, "rotate", SO_PIN, USER_PIN);
	CK_SESSION_HANDLE s = p11t_open_session (&m, slot, NULL);
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	for (int i = 0; i < 200; i++) {
		if (i == 100)
			ck_assert_int_eq (rename (log_path, rotated), 0);
		/* A security record each, whatever the token answers. */
		m.f->C_SignInit (s, &ecdsa, 4242 + i);
	}
	p11t_assert_rv (m.f->C_CloseSession (s), CKR_OK);
	p11t_assert_rv (m.f->C_Finalize (NULL), CKR_OK);

	read_log (rotated);
	ck_assert_uint_eq (count_records ("\"event\":\"C_SignInit\""), 100);
	read_log (log_path);
	ck_assert_uint_eq (count_records ("\"event\":\"C_SignInit\""), 100);
	assert_record ("\"event\":\"C_Finalize\"");
	const char *both[] = { rotated, log_path };
	assert_chains_intact (both, 2, 0);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("audit-module");
	TCase *tc = tcase_create ("records");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_loop_test (tc, test_security_records, 0, 2);
	tcase_add_test (tc, test_calls_level_and_skip);
	tcase_add_test (tc, test_layer_events_recorded);
	tcase_add_test (tc, test_login_ends_without_logout);
	tcase_add_test (tc, test_off_writes_nothing);
	tcase_add_test (tc, test_bad_settings_refused);
	suite_add_tcase (s, tc);

	tc = tcase_create ("failures");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, test_disk_full_continue);
	tcase_add_test (tc, test_disk_full_deny);
	tcase_add_test (tc, test_disk_fills_up);
	tcase_add_test (tc, test_deny_writes_attempt_first);
	tcase_add_test (tc, test_rotation_mid_run);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
