/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile input against every entry point, every layer on (audit at the
 * calls level, policy, lockout, labels) over the mock backend.
 *
 * The cases are generated from common/p11-api.h: each argument of each
 * function is made hostile in turn, by its type and name, while the others
 * keep sane values: a NULL pointer, a length of 0, 1, huge or
 * CK_UNAVAILABLE_INFORMATION (huge ones beside a NULL pointer, so that no
 * correct module reads past a buffer), an invalid or wrong-kind handle, a
 * slot with no token, a template whose pValue is NULL with a length, ...
 *
 * Every case runs twice, each time in a fresh child process with a fresh
 * token: through the shim, and straight into the mock.  The shim must give
 * the mock's answer (or, for a new PIN, the policy's), never crash or hang,
 * count a wrong PIN exactly once and nothing else, and still work after.
 * The shim's own entry points (C_Initialize, C_Finalize, the function list
 * and interface queries) are checked against the spec.
 */
#include "config.h"
#include "stress.h"
#include "p11-each.h"

#include <check.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_LEN (~(CK_ULONG)0 >> 1)
#define MAX_ARGS 10
#define BUF_SIZE 4096
#define FRIENDLY_LABEL STRESS_FRIENDLY_LABEL

enum { K_OTHER, K_PTR, K_LEN };

/* One case: which argument of which function is hostile, and how. */
typedef struct {
	const char *function;
	CK_FUNCTION_LIST_3_0_PTR f;
	bool probe;   /* only work out whether the variant exists */
	bool dry;     /* first pass: note the kinds of the arguments */
	int target;   /* argument index, -1 for none */
	int variant;  /* 0, 1, ... */
	int null_arg; /* a pointer set NULL beside a huge length */
	int kind[MAX_ARGS];
	bool applies;
	char what[128]; /* the hostile value, for messages */
	/* The token's objects, made by the setup. */
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key, pubkey, cert, aes;
	CK_USER_TYPE user_type; /* as passed, for the lockout count */
} hcase;

/* Memory the arguments point at; a fresh child sets it up each time. */
static unsigned char bufs[MAX_ARGS][BUF_SIZE] __attribute__ ((aligned (16)));
static CK_ULONG ulongs[MAX_ARGS];
static CK_ULONG arrays[MAX_ARGS][512];
static CK_ATTRIBUTE templates[MAX_ARGS][8];
static CK_MECHANISM mechanisms[MAX_ARGS];
static CK_ULONG numbers[MAX_ARGS][4];

static bool
is (const char *a, const char *b)
{
	return strcmp (a, b) == 0;
}

static bool
starts (const char *s, const char *prefix)
{
	return strncmp (s, prefix, strlen (prefix)) == 0;
}

/* Whether argument i takes hostile variant v; notes what it is. */
static bool
hostile_here (hcase *h, int i, int n_variants, const char *what)
{
	if (h->dry || h->target != i)
		return false;
	if (h->variant >= n_variants)
		return false;
	h->applies = true;
	snprintf (h->what, sizeof h->what, "%s", what);
	return true;
}

static CK_ULONG
pick_ulong (hcase *h, const char *name, int i)
{
	static const char *const handle_what[] = { "0", "~0", "0x12345",
						   "a handle of another kind" };
	static const char *const slot_what[] = { "0", "9999", "~0", "the empty slot" };
	static const char *const len_what[] = { "0", "1", "huge, pointer NULL",
						"CK_UNAVAILABLE_INFORMATION, pointer NULL" };
	h->kind[i] = K_OTHER;

	if (is (name, "hSession")) {
		if (hostile_here (h, i, 4, handle_what[h->variant & 3]))
			return (CK_ULONG[]){ 0, ~(CK_ULONG)0, 0x12345, h->key }[h->variant];
		return h->session;
	}
	if (name[0] == 'h' && (strstr (name, "Key") || strstr (name, "Object"))) {
		if (hostile_here (h, i, 4, handle_what[h->variant & 3]))
			return (CK_ULONG[]){ 0, ~(CK_ULONG)0, 0x12345, h->session }[h->variant];
		if (is (name, "hObject"))
			return h->cert;
		if (strstr (h->function, "Verify") || strstr (h->function, "Encrypt") ||
		    is (h->function, "C_WrapKey"))
			return is (name, "hKey") && is (h->function, "C_WrapKey") ? h->aes
										  : h->pubkey;
		return h->key;
	}
	if (is (name, "slotID")) {
		if (hostile_here (h, i, 4, slot_what[h->variant & 3]))
			return (CK_ULONG[]){ 0, 9999, ~(CK_ULONG)0, MOCK_P11_SLOT2 }[h->variant];
		return MOCK_P11_SLOT;
	}
	if (is (name, "userType")) {
		static const char *const w[] = { "99", "CKU_CONTEXT_SPECIFIC", "CKU_SO" };
		CK_ULONG v = CKU_USER;
		if (hostile_here (h, i, 3, w[h->variant % 3]))
			v = (CK_ULONG[]){ 99, CKU_CONTEXT_SPECIFIC, CKU_SO }[h->variant];
		h->user_type = v;
		return v;
	}
	if (is (name, "flags")) {
		bool open = is (h->function, "C_OpenSession");
		/* A C_WaitForSlotEvent that blocks would only wait for the watchdog. */
		if (hostile_here (h, i, open ? 2 : 1, h->variant == 0 ? "~0" : "0"))
			return h->variant == 0 ? ~(CK_ULONG)0 : 0;
		if (open)
			return CKF_SERIAL_SESSION | CKF_RW_SESSION;
		return is (h->function, "C_WaitForSlotEvent") ? CKF_DONT_BLOCK : 0;
	}
	if (is (name, "type")) {
		if (hostile_here (h, i, 2, h->variant == 0 ? "0xdeadbeef" : "CKM_VENDOR_DEFINED"))
			return h->variant == 0 ? 0xdeadbeefUL : CKM_VENDOR_DEFINED;
		return CKM_SHA256_RSA_PKCS;
	}
	if (is (name, "ulMaxObjectCount")) {
		/* A capacity: a module writes only what it found. */
		if (hostile_here (h, i, 2, h->variant == 0 ? "0" : "huge"))
			return h->variant == 0 ? 0 : HUGE_LEN;
		return 16;
	}
	if (starts (name, "ul")) {
		CK_ULONG sane = 32;
		if (is (name, "ulPinLen") || is (name, "ulOldLen"))
			sane = 8;
		else if (is (name, "ulNewLen"))
			sane = 12;
		else if (is (name, "ulUsernameLen"))
			sane = 4;
		else if (strstr (name, "Count"))
			sane = 3;
		else if (is (name, "ulWrappedKeyLen") || is (name, "ulEncryptedDataLen") ||
			 is (name, "ulEncryptedPartLen") || is (name, "ulSignatureLen") ||
			 is (name, "ulLastEncryptedPartLen"))
			sane = 256;
		/* Huge lengths only beside a pointer that can be made NULL. */
		bool pointer_before = i > 0 && h->kind[i - 1] == K_PTR;
		h->kind[i] = K_LEN;
		if (hostile_here (h, i, pointer_before ? 4 : 2, len_what[h->variant & 3]))
			return (CK_ULONG[]){ 0, 1, HUGE_LEN,
					     CK_UNAVAILABLE_INFORMATION }[h->variant];
		return sane;
	}
	return 0;
}

static CK_BBOOL
pick_bbool (hcase *h, const char *name, int i)
{
	h->kind[i] = K_OTHER;
	if (hostile_here (h, i, 2, h->variant == 0 ? "2" : "0xff"))
		return h->variant == 0 ? 2 : 0xff;
	return CK_TRUE;
}

static bool
pointer_null (hcase *h, int i, bool baseline_null)
{
	h->kind[i] = K_PTR;
	if (!h->dry && h->null_arg == i)
		return true;
	return !baseline_null && hostile_here (h, i, 1, "NULL");
}

static unsigned char *
pick_bytes (hcase *h, const char *name, int i)
{
	if (pointer_null (h, i, false))
		return NULL;
	unsigned char *b = bufs[i];
	memset (b, 0, BUF_SIZE);
	if (is (name, "pPin") || is (name, "pOldPin"))
		memcpy (b, STRESS_PIN, 8);
	else if (is (name, "pNewPin"))
		memcpy (b, "Aa1!Bb2@Cc3#", 12);
	else if (is (name, "pUsername"))
		memcpy (b, "user", 4);
	else if (is (name, "pLabel"))
		memset (b, ' ', 32);
	return b;
}

static void *
pick_void (hcase *h, const char *name, int i)
{
	/* pReserved and pApplication are NULL when sane: garbage is hostile. */
	if (is (name, "pReserved") || is (name, "pApplication")) {
		h->kind[i] = K_OTHER;
		if (hostile_here (h, i, 1, "a non-NULL pointer"))
			return bufs[i];
		return NULL;
	}
	if (pointer_null (h, i, false))
		return NULL;
	memset (bufs[i], 0, BUF_SIZE);
	return bufs[i];
}

static CK_ULONG *
pick_ulong_ptr (hcase *h, const char *name, int i)
{
	if (!starts (name, "pul")) {
		/* An array the module fills: slots, mechanisms, handles. */
		if (pointer_null (h, i, false))
			return NULL;
		memset (arrays[i], 0, sizeof arrays[i]);
		return arrays[i];
	}
	if (pointer_null (h, i, false))
		return NULL;
	static const char *const w[] = { "*p = 0", "*p = 1", "*p = huge",
					 "*p = CK_UNAVAILABLE_INFORMATION" };
	/* An output length: the room there is.  Counts of slots and
	 * mechanisms count entries of the array beside them. */
	bool entries = is (name, "pulCount");
	ulongs[i] = entries ? 512 : BUF_SIZE;
	if (is (name, "pulObjectCount"))
		return &ulongs[i]; /* output only */
	/* Just after the NULL variant. */
	h->variant--;
	if (h->variant >= 0 && hostile_here (h, i, 4, w[h->variant & 3]))
		ulongs[i] = (CK_ULONG[]){ 0, 1, HUGE_LEN, CK_UNAVAILABLE_INFORMATION }[h->variant];
	h->variant++;
	return &ulongs[i];
}

/* The sane template of each function that takes one. */
static CK_ULONG
sane_template (hcase *h, const char *name, int i, CK_ATTRIBUTE *t)
{
	static CK_OBJECT_CLASS data_class = CKO_DATA, secret = CKO_SECRET_KEY;
	static CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
	static CK_KEY_TYPE aes = CKK_AES;
	static CK_ULONG sixteen = 16;
	static CK_BBOOL yes = CK_TRUE;
	const char *fn = h->function;

	if (is (fn, "C_GetAttributeValue")) {
		t[0] = (CK_ATTRIBUTE){ CKA_LABEL, bufs[i], 256 };
		t[1] = (CK_ATTRIBUTE){ CKA_ID, bufs[i] + 256, 256 };
		t[2] = (CK_ATTRIBUTE){ CKA_CLASS, &numbers[i][0], sizeof (CK_ULONG) };
		return 3;
	}
	if (is (fn, "C_FindObjectsInit")) {
		t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cert_class, sizeof cert_class };
		t[1] = (CK_ATTRIBUTE){ CKA_LABEL, FRIENDLY_LABEL, strlen (FRIENDLY_LABEL) };
		t[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, 1 };
		return 3;
	}
	if (is (fn, "C_CreateObject")) {
		t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &data_class, sizeof data_class };
		t[1] = (CK_ATTRIBUTE){ CKA_LABEL, "hostile data", 12 };
		t[2] = (CK_ATTRIBUTE){ CKA_VALUE, "v", 1 };
		return 3;
	}
	if (is (fn, "C_GenerateKeyPair")) {
		t[0] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, 1 };
		t[1] = (CK_ATTRIBUTE){ CKA_ID, (void *)stress_key_id, sizeof stress_key_id };
		t[2] = (CK_ATTRIBUTE){ CKA_LABEL, "pair", 4 };
		return 3;
	}
	if (is (fn, "C_GenerateKey") || is (fn, "C_UnwrapKey") || is (fn, "C_DeriveKey")) {
		t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &secret, sizeof secret };
		t[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &aes, sizeof aes };
		t[2] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &sixteen, sizeof sixteen };
		return 3;
	}
	/* C_SetAttributeValue, C_CopyObject */
	t[0] = (CK_ATTRIBUTE){ CKA_LABEL, "renamed", 7 };
	t[1] = (CK_ATTRIBUTE){ CKA_ID, "\x01\x02", 2 };
	t[2] = (CK_ATTRIBUTE){ CKA_APPLICATION, "app", 3 };
	return 3;
}

static CK_ATTRIBUTE *
pick_attrs (hcase *h, const char *name, int i)
{
	static const char *const w[] = {
		"NULL",
		"every pValue NULL, ulValueLen 1",
		"every pValue NULL, ulValueLen huge",
		"every pValue NULL, ulValueLen CK_UNAVAILABLE_INFORMATION",
		"every ulValueLen 0",
		"unknown attribute types",
		"CKA_LABEL twice, the second with room for 1 byte",
	};
	CK_ATTRIBUTE *t = templates[i];
	if (pointer_null (h, i, false))
		return NULL;
	memset (bufs[i], 0, BUF_SIZE);
	CK_ULONG n = sane_template (h, name, i, t);
	h->variant--;
	if (h->variant >= 0 && hostile_here (h, i, 6, w[(h->variant + 1) % 7])) {
		for (CK_ULONG k = 0; k < n; k++) {
			switch (h->variant) {
			case 0:
			case 1:
			case 2:
				t[k].pValue = NULL;
				t[k].ulValueLen =
					(CK_ULONG[]){ 1, HUGE_LEN,
						      CK_UNAVAILABLE_INFORMATION }[h->variant];
				break;
			case 3:
				t[k].pValue = bufs[i] + 512 * k;
				t[k].ulValueLen = 0;
				break;
			case 4:
				t[k].type = (CK_ULONG[]){ CKA_VENDOR_DEFINED | 0x1234, 0xffffffffUL,
							  0x7fff }[k % 3];
				break;
			case 5:
				if (k == 0 || k == 2) {
					t[k].type = CKA_LABEL;
					t[k].pValue =
						k == 0 ? (void *)bufs[i] : (void *)(bufs[i] + 1024);
					t[k].ulValueLen = k == 0 ? 256 : 1;
				}
				break;
			}
		}
	}
	h->variant++;
	return t;
}

static CK_MECHANISM *
pick_mech (hcase *h, const char *name, int i)
{
	static const char *const w[] = { "NULL", "pParameter NULL, ulParameterLen huge",
					 "an unknown mechanism",
					 "pParameter set, ulParameterLen 0" };
	CK_MECHANISM *m = &mechanisms[i];
	const char *fn = h->function;
	if (pointer_null (h, i, false))
		return NULL;
	if (strstr (fn, "Digest"))
		*m = (CK_MECHANISM){ MOCK_P11_CKM_DIGEST, NULL, 0 };
	else if (strstr (fn, "Message") && (strstr (fn, "Encrypt") || strstr (fn, "Decrypt")))
		*m = (CK_MECHANISM){ CKM_AES_GCM, NULL, 0 };
	else if (strstr (fn, "Encrypt") || strstr (fn, "Decrypt") || strstr (fn, "Wrap"))
		*m = (CK_MECHANISM){ strstr (fn, "Wrap") ? CKM_RSA_PKCS : CKM_AES_CTR, NULL, 0 };
	else if (is (fn, "C_GenerateKey"))
		*m = (CK_MECHANISM){ CKM_AES_KEY_GEN, NULL, 0 };
	else if (is (fn, "C_GenerateKeyPair"))
		*m = (CK_MECHANISM){ CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	else
		*m = (CK_MECHANISM){ CKM_SHA256_RSA_PKCS, NULL, 0 };
	h->variant--;
	if (h->variant >= 0 && hostile_here (h, i, 3, w[(h->variant + 1) & 3])) {
		if (h->variant == 0)
			m->ulParameterLen = HUGE_LEN;
		else if (h->variant == 1)
			m->mechanism = 0xdeadbeefUL;
		else
			m->pParameter = bufs[i];
	}
	h->variant++;
	return m;
}

static CK_RV
notify (CK_SESSION_HANDLE session, CK_NOTIFICATION event, CK_VOID_PTR app)
{
	return CKR_OK;
}

static CK_NOTIFY
pick_notify (hcase *h, const char *name, int i)
{
	h->kind[i] = K_OTHER;
	if (hostile_here (h, i, 1, "a callback"))
		return notify;
	return NULL;
}

static void *
pick_pointer (hcase *h, const char *name, int i)
{
	if (pointer_null (h, i, false))
		return NULL;
	memset (bufs[i], 0, BUF_SIZE);
	return bufs[i];
}

#define DECLARE(x) x;
#define PICK(x) \
	x = _Generic((x), CK_ULONG \
		     : pick_ulong, CK_BBOOL \
		     : pick_bbool, CK_BYTE_PTR \
		     : pick_bytes, CK_VOID_PTR \
		     : pick_void, CK_ULONG_PTR \
		     : pick_ulong_ptr, CK_ATTRIBUTE_PTR \
		     : pick_attrs, CK_MECHANISM_PTR \
		     : pick_mech, CK_NOTIFY \
		     : pick_notify, default \
		     : pick_pointer) (h, #x, argi_++);

/*
 * hostile_<function>: picks every argument (the target one hostile), then
 * calls the function through h->f.  False when the variant does not exist.
 */
#define HOSTILE(kind, name, params, args) HOSTILE_##kind (name, params, args)
#define HOSTILE_special(name, params, args)
#define HOSTILE_forward(name, params, args) \
	static bool hostile_##name (hcase *h, CK_RV *rv) \
	{ \
		int argi_; \
		P11E_EACH_T (DECLARE, params) \
		h->function = #name; \
		h->applies = false; \
		h->dry = true; \
		h->null_arg = -1; \
		h->user_type = CKU_USER; \
		argi_ = 0; \
		P11E_EACH_T (PICK, args) \
		/* A huge length goes with a NULL pointer before it. */ \
		if (h->target > 0 && h->kind[h->target] == K_LEN && h->variant >= 2 && \
		    h->kind[h->target - 1] == K_PTR) \
			h->null_arg = h->target - 1; \
		h->dry = false; \
		argi_ = 0; \
		P11E_EACH_T (PICK, args) \
		if (!h->applies && h->target >= 0) \
			return false; \
		if (!h->probe) \
			*rv = h->f->name args; \
		return true; \
	}
HKP11_FUNCTIONS_2_40 (HOSTILE)
HKP11_FUNCTIONS_3_0 (HOSTILE)
#undef HOSTILE_forward

typedef struct {
	const char *name;
	bool (*call) (hcase *h, CK_RV *rv);
	int n_args;
} hfunction;

#define ENTRY(kind, name, params, args) ENTRY_##kind (name, params, args)
#define ENTRY_special(name, params, args)
#define ENTRY_forward(name, params, args) { #name, hostile_##name, P11E_COUNT_T (args) },
static const hfunction functions[] = { HKP11_FUNCTIONS_2_40 (ENTRY) HKP11_FUNCTIONS_3_0 (ENTRY) };
#define N_FUNCTIONS (sizeof functions / sizeof functions[0])

/* ---- one side of a case, in a child ------------------------------------- */

typedef struct {
	CK_RV rv;
	CK_RV after; /* a fresh session and C_Finalize once the case is done */
	int step;    /* where setup stopped, 0 when it went through */
	unsigned long failures;
	bool counted; /* a user PIN try went wrong: the lockout layer counts it */
	char what[128];
} hresult;

typedef struct {
	const hfunction *fn;
	int target, variant;
	bool through_shim;
	hresult *out;
} hrun;

static char *state_dir;

/* Starts whatever operation the function continues. */
static void
prepare (hcase *h, const char *fn)
{
	CK_FUNCTION_LIST_3_0_PTR f = h->f;
	CK_SESSION_HANDLE s = h->session;
	CK_MECHANISM sign = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM digest = { MOCK_P11_CKM_DIGEST, NULL, 0 };
	CK_MECHANISM ctr = { CKM_AES_CTR, NULL, 0 };
	CK_MECHANISM gcm = { CKM_AES_GCM, NULL, 0 };
	CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
	CK_ATTRIBUTE find = { CKA_CLASS, &cert_class, sizeof cert_class };
	bool message = strstr (fn, "Message") != NULL;

	if (is (fn, "C_Login") || is (fn, "C_LoginUser"))
		f->C_Logout (s);
	else if (is (fn, "C_FindObjects") || is (fn, "C_FindObjectsFinal"))
		f->C_FindObjectsInit (s, &find, 1);
	else if (message && strstr (fn, "Sign"))
		f->C_MessageSignInit (s, &sign, h->key);
	else if (message && strstr (fn, "Verify"))
		f->C_MessageVerifyInit (s, &sign, h->pubkey);
	else if (message && strstr (fn, "Encrypt"))
		f->C_MessageEncryptInit (s, &gcm, h->aes);
	else if (message && strstr (fn, "Decrypt"))
		f->C_MessageDecryptInit (s, &gcm, h->aes);
	else if (is (fn, "C_DigestEncryptUpdate") || is (fn, "C_DecryptDigestUpdate")) {
		f->C_DigestInit (s, &digest);
		if (strstr (fn, "Encrypt"))
			f->C_EncryptInit (s, &ctr, h->aes);
		else
			f->C_DecryptInit (s, &ctr, h->aes);
	} else if (is (fn, "C_SignEncryptUpdate") || is (fn, "C_DecryptVerifyUpdate")) {
		f->C_SignInit (s, &sign, h->key);
		f->C_EncryptInit (s, &ctr, h->aes);
	} else if (starts (fn, "C_Sign") && !strstr (fn, "Init"))
		f->C_SignInit (s, &sign, h->key);
	else if (starts (fn, "C_Verify") && !strstr (fn, "Init"))
		f->C_VerifyInit (s, &sign, h->pubkey);
	else if (starts (fn, "C_Encrypt") && !strstr (fn, "Init"))
		f->C_EncryptInit (s, &ctr, h->aes);
	else if (starts (fn, "C_Decrypt") && !strstr (fn, "Init"))
		f->C_DecryptInit (s, &ctr, h->aes);
	else if ((starts (fn, "C_Digest") && !strstr (fn, "Init")) ||
		 is (fn, "C_GetOperationState"))
		f->C_DigestInit (s, &digest);

	if (message && strstr (fn, "Next")) {
		unsigned char param[16] = { 0 };
		if (strstr (fn, "Sign"))
			f->C_SignMessageBegin (s, param, sizeof param);
		else if (strstr (fn, "Verify"))
			f->C_VerifyMessageBegin (s, param, sizeof param);
		else if (strstr (fn, "Encrypt"))
			f->C_EncryptMessageBegin (s, param, sizeof param, NULL, 0);
		else
			f->C_DecryptMessageBegin (s, param, sizeof param, NULL, 0);
	}
}

static int
run_side (void *arg)
{
	hrun *r = arg;
	hcase h;
	CK_SESSION_HANDLE other;
	CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG sixteen = 16;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE aes_tmpl[] = { { CKA_VALUE_LEN, &sixteen, sizeof sixteen },
				    { CKA_ENCRYPT, &yes, 1 },
				    { CKA_DECRYPT, &yes, 1 } };
	CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE find_pub[] = { { CKA_CLASS, &pub_class, sizeof pub_class } };
	CK_ULONG n;

	memset (&h, 0, sizeof h);
	h.f = r->through_shim ? fx.shim.f3 : fx.mock_f3;
	h.target = r->target;
	h.variant = r->variant;
	r->out->step = 1;
	if (h.f->C_Initialize (NULL) != CKR_OK)
		return 0;
	r->out->step = 2;
	if (h.f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				&h.session) != CKR_OK ||
	    h.f->C_Login (h.session, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8) != CKR_OK)
		return 0;
	r->out->step = 3;
	if (stress_put_ecert (h.f, h.session, &h.key, &h.cert) != CKR_OK ||
	    h.f->C_GenerateKey (h.session, &aes_gen, aes_tmpl, 3, &h.aes) != CKR_OK ||
	    h.f->C_FindObjectsInit (h.session, find_pub, 1) != CKR_OK ||
	    h.f->C_FindObjects (h.session, &h.pubkey, 1, &n) != CKR_OK || n != 1 ||
	    h.f->C_FindObjectsFinal (h.session) != CKR_OK)
		return 0;
	r->out->step = 0;

	prepare (&h, r->fn->name);
	r->fn->call (&h, &r->out->rv);
	snprintf (r->out->what, sizeof r->out->what, "%s", h.what);
	r->out->counted = (is (r->fn->name, "C_Login") || is (r->fn->name, "C_LoginUser") ||
			   is (r->fn->name, "C_SetPIN")) &&
			  h.user_type != CKU_SO && r->out->rv == CKR_PIN_INCORRECT;

	/* Still working: a new session, then a clean finish. */
	r->out->after = h.f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &other);
	r->out->failures = stress_state_failures (state_dir);
	if (r->out->after == CKR_OK || r->out->after == CKR_TOKEN_NOT_PRESENT)
		r->out->after = h.f->C_Finalize (NULL);
	return 0;
}

/* ---- the table ------------------------------------------------------------- */

static hresult *results; /* [0] through the shim, [1] straight into the mock */
static char dir[PATH_MAX];

static void
setup (void)
{
	fx_setup ();
	snprintf (dir, sizeof dir, "%s", fx.dir);
	state_dir = stress_memory_dir ("hostile");
	stress_layers_on (dir, state_dir, NULL);
	results = mmap (NULL, 2 * sizeof *results, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne (results, MAP_FAILED);
}

static void
teardown (void)
{
	munmap (results, 2 * sizeof *results);
	fx_teardown ();
	p11t_rmtree (state_dir);
	free (state_dir);
}

/* The policy may refuse a new PIN before the token sees it. */
static bool
layer_may_answer (const char *fn, CK_RV shim)
{
	return (is (fn, "C_SetPIN") || is (fn, "C_InitPIN")) &&
	       (shim == CKR_PIN_LEN_RANGE || shim == CKR_PIN_INVALID);
}

static int cases_run, cases_counted, cases_policy;

static void
run_case (const hfunction *fn, int target, int variant)
{
	for (int side = 0; side < 2; side++) {
		hrun r = { fn, target, variant, side == 0, &results[side] };
		memset (r.out, 0, sizeof *r.out);
		r.out->rv = r.out->after = (CK_RV)-1;
		int status = stress_in_child (run_side, &r, 20);
		ck_assert_msg (status == 0, "%s argument %d %s (%s): %s", fn->name, target,
			       r.out->what, side == 0 ? "through the shim" : "into the mock",
			       stress_status_text (status));
		ck_assert_msg (r.out->step == 0, "%s: setup failed at step %d %s", fn->name,
			       r.out->step, side == 0 ? "through the shim" : "into the mock");
	}
	const hresult *shim = &results[0], *mock = &results[1];
	ck_assert_msg (shim->rv == mock->rv || layer_may_answer (fn->name, shim->rv),
		       "%s, argument %d %s: the shim answered %s, the mock %s", fn->name, target,
		       shim->what, p11t_rv_name (shim->rv), p11t_rv_name (mock->rv));
	ck_assert_msg (shim->after == CKR_OK, "%s, argument %d %s: afterwards %s", fn->name, target,
		       shim->what, p11t_rv_name (shim->after));
	ck_assert_msg (shim->failures == (shim->counted ? 1 : 0),
		       "%s, argument %d %s (%s): the lockout state counts %lu wrong PINs", fn->name,
		       target, shim->what, p11t_rv_name (shim->rv), shim->failures);
	cases_run++;
	cases_counted += shim->counted;
	cases_policy += shim->rv != mock->rv;
}

/* Every function in turn, from _i to N_FUNCTIONS in steps of the loop. */
START_TEST (test_hostile_arguments)
{
	/* Under valgrind only every few functions, each run in full. */
	int step = stress_scale () < 0.5 ? (int)(1.0 / stress_scale () + 0.5) : 1;
	int n_functions = 0;
	for (size_t k = (size_t)_i; k < N_FUNCTIONS; k += (size_t)step * 4) {
		const hfunction *fn = &functions[k];
		for (int target = 0; target < fn->n_args; target++) {
			for (int variant = 0;; variant++) {
				hcase probe = { .probe = true,
						.target = target,
						.variant = variant };
				CK_RV unused;
				if (!fn->call (&probe, &unused))
					break;
				run_case (fn, target, variant);
			}
		}
		n_functions++;
	}
	ck_assert_int_gt (cases_run, 0);
	printf ("hostile: %d cases over %d functions (share %d of 4): %d wrong PINs counted, "
		"%d new PINs refused by the policy\n",
		cases_run, n_functions, _i + 1, cases_counted, cases_policy);
	size_t records;
	char why[512], log[PATH_MAX + 16];
	snprintf (log, sizeof log, "%s/audit.log", dir);
	ck_assert_msg (stress_audit_intact (log, &records, why, sizeof why), "audit log: %s", why);
}
END_TEST

/* ---- the shim's own entry points ------------------------------------------- */

static CK_RV
lock_fn (CK_VOID_PTR m)
{
	return CKR_OK;
}

static CK_RV
create_fn (CK_VOID_PTR_PTR m)
{
	*m = NULL;
	return CKR_OK;
}

START_TEST (test_own_entry_points)
{
	CK_FUNCTION_LIST_PTR list = NULL;
	CK_C_GetFunctionList gfl =
		(CK_C_GetFunctionList)dlsym (fx.shim.handle, "C_GetFunctionList");
	CK_C_GetInterfaceList gil =
		(CK_C_GetInterfaceList)dlsym (fx.shim.handle, "C_GetInterfaceList");
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym (fx.shim.handle, "C_GetInterface");
	CK_INTERFACE ifaces[8];
	CK_INTERFACE_PTR iface;
	CK_ULONG count;
	int n = 0;

	ck_assert (gfl && gil && gi);

	/* Before C_Initialize, with NULL everywhere: refused, not crashed. */
#define BEFORE(kind, name, params, args) BEFORE_##kind (name, params, args)
#define BEFORE_special(name, params, args)
#define BEFORE_forward(name, params, args) \
	p11t_assert_rv (fx.shim.f3->name (P11E_ZEROS_T (args)), CKR_CRYPTOKI_NOT_INITIALIZED); \
	n++;
	HKP11_FUNCTIONS_2_40 (BEFORE)
	HKP11_FUNCTIONS_3_0 (BEFORE)
	p11t_assert_rv (fx.shim.f3->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

	/* C_Initialize: the mutex callbacks all or none; pReserved that is
	 * not settings; then twice. */
	CK_C_INITIALIZE_ARGS args = { .CreateMutex = create_fn, .LockMutex = lock_fn };
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_ARGUMENTS_BAD);
	memset (&args, 0, sizeof args);
	args.pReserved = "\x01\x02 this is no setting";
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_ARGUMENTS_BAD);
	args.pReserved = "labels: sideways";
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_ARGUMENTS_BAD);
	args.pReserved = NULL;
	args.flags = ~(CK_FLAGS)0 & ~CKF_LIBRARY_CANT_CREATE_OS_THREADS;
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_OK);
	p11t_assert_rv (fx.shim.f->C_Initialize (NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	p11t_assert_rv (fx.shim.f->C_Finalize (bufs[0]), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	n += 10;

	/* The function list and interfaces. */
	p11t_assert_rv (gfl (NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (gfl (&list), CKR_OK);
	ck_assert_ptr_nonnull (list);
	p11t_assert_rv (gil (NULL, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (gil (ifaces, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (gil (NULL, &count), CKR_OK);
	ck_assert_uint_eq (count, 2);
	CK_ULONG sizes[] = { 0, 1, 2, 7, HUGE_LEN, CK_UNAVAILABLE_INFORMATION };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		memset (ifaces, 0xa5, sizeof ifaces);
		count = sizes[k];
		CK_RV rv = gil (ifaces, &count);
		ck_assert_uint_eq (count, 2);
		if (sizes[k] < 2) {
			p11t_assert_rv (rv, CKR_BUFFER_TOO_SMALL);
		} else {
			p11t_assert_rv (rv, CKR_OK);
			/* Only the entries there are: the rest untouched. */
			for (size_t e = 2; e < 8; e++)
				ck_assert_uint_eq (((unsigned char *)&ifaces[e])[0], 0xa5);
		}
		n++;
	}

	CK_VERSION v30 = { 3, 0 }, v240 = { 2, 40 }, v220 = { 2, 20 }, v99 = { 9, 9 };
	const struct {
		const char *name;
		CK_VERSION *version;
		CK_FLAGS flags;
		bool found;
	} queries[] = {
		{ NULL, NULL, 0, true },
		{ "PKCS 11", &v30, 0, true },
		{ "PKCS 11", &v240, 0, true },
		{ "PKCS 11", &v220, 0, false },
		{ "PKCS 11", &v99, 0, false },
		{ "PKCS 11", NULL, CKF_INTERFACE_FORK_SAFE, false },
		{ "PKCS 11", NULL, ~(CK_FLAGS)0, false },
		{ "", NULL, 0, false },
		{ "PKCS 11 ", NULL, 0, false },
		{ "Vendor SafeNet", &v30, 0, false },
	};
	p11t_assert_rv (gi (NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
		iface = (CK_INTERFACE_PTR)bufs[1];
		CK_RV rv = gi ((CK_UTF8CHAR_PTR)queries[k].name, queries[k].version, &iface,
			       queries[k].flags);
		if (queries[k].found) {
			p11t_assert_rv (rv, CKR_OK);
			ck_assert_ptr_nonnull (iface);
			const CK_VERSION *got = iface->pFunctionList;
			if (queries[k].version != NULL) {
				ck_assert_uint_eq (got->major, queries[k].version->major);
				ck_assert_uint_eq (got->minor, queries[k].version->minor);
			}
		} else {
			/* Never CKR_OK with nothing: NSS would crash on it. */
			ck_assert_msg (rv != CKR_OK && iface == NULL, "query %zu: %s, iface %p", k,
				       p11t_rv_name (rv), (void *)iface);
		}
		n++;
	}
	printf ("hostile: %d checks of the shim's own entry points\n", n);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("hostile");
	TCase *tc = tcase_create ("arguments");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 600);
	/* Four shares of the functions, so that a failure names its share. */
	tcase_add_loop_test (tc, test_hostile_arguments, 0, 4);
	suite_add_tcase (s, tc);
	tc = tcase_create ("own");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_own_entry_points);
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}
