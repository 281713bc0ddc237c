/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: attribute templates through every layer (audit at the
 * calls level, policy, lockout, labels with a token label), stacked as the
 * shim stacks them, over the mock backend answering from the input.
 *
 * The input puts objects on the mock token (certificates, keys, data, with
 * the CKA_ID, CKA_LABEL and value the input gives: the seeds hold real
 * e-Certs), may make every size query answer an odd length and one function
 * fail with some CK_RV from some point on, and then runs a program of
 * calls: templates of any shape for C_GetAttributeValue (NULL pValue,
 * buffers of any size, CKA_LABEL twice, unknown types), finds by labels it
 * read or made up, label changes, copies, destruction, logins with any PIN,
 * token info.  The labels layer rewrites, the audit layer records, the
 * lockout layer counts.
 *
 * Beyond no crash and no leak: a length answered never exceeds the buffer
 * given; a find never returns more handles than asked; and with an honest
 * backend, the length a size query gives for a label is the length the
 * label then has.
 */
#include "config.h"
#include "settings/conf.h"
#include "core/layer.h"
#include "mock-p11.h"
#include "core/stack.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A broken promise: say which, then crash so that libFuzzer keeps the input. */
#define FAIL() (fprintf (stderr, "%s: check at line %d failed\n", __FILE__, __LINE__), abort ())

extern hkp11_layer *const hkp11_layers[];

#ifndef FUZZ_MOCK
#define FUZZ_MOCK "tests/mock/.libs/mock-p11.so"
#endif

static CK_FUNCTION_LIST_3_0_PTR backend;
static CK_FUNCTION_LIST_3_0 dispatch;
static mock_p11_fail_fn fail_with;
static mock_p11_odd_length_fn odd_length;
static hkp11_layer *layers[8];
static size_t n_layers;
static char state_dir[PATH_MAX];

#define SETTINGS \
	"audit: calls\n" \
	"audit-format: json\n" \
	"audit-file: none\n" \
	"pin-policy: enforce\n" \
	"lockout-warn: 5\n" \
	"lockout-guard: 1\n" \
	"labels: hkpost\n" \
	"token-label: {holder} e-Cert\n"

static void
cleanup (void)
{
	char cmd[PATH_MAX + 16];
	snprintf (cmd, sizeof cmd, "rm -rf '%s'", state_dir);
	if (system (cmd) != 0)
		fprintf (stderr, "could not remove %s\n", state_dir);
}

static void
init (void)
{
	hkp11_option_group groups[8];
	size_t n_groups = 0;
	hkp11_error err;
	char settings[PATH_MAX + 512];
	const char *path = getenv ("FUZZ_MOCK");
	void *mock = dlopen (path ? path : FUZZ_MOCK, RTLD_NOW | RTLD_LOCAL);
	CK_INTERFACE_PTR iface = NULL;

	if (mock == NULL) {
		fprintf (stderr, "fuzz-template: %s\n", dlerror ());
		FAIL ();
	}
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym (mock, "C_GetInterface");
	fail_with = (mock_p11_fail_fn)dlsym (mock, "mock_p11_fail");
	odd_length = (mock_p11_odd_length_fn)dlsym (mock, "mock_p11_odd_length");
	if (get == NULL || fail_with == NULL || odd_length == NULL ||
	    get (NULL, NULL, &iface, 0) != CKR_OK)
		FAIL ();
	backend = iface->pFunctionList;

	snprintf (state_dir, sizeof state_dir, "/dev/shm/hkp11-fuzz-template-XXXXXX");
	if (access ("/dev/shm", W_OK) != 0 || mkdtemp (state_dir) == NULL) {
		snprintf (state_dir, sizeof state_dir, "/tmp/hkp11-fuzz-template-XXXXXX");
		if (mkdtemp (state_dir) == NULL)
			FAIL ();
	}
	atexit (cleanup);
	for (size_t i = 0; hkp11_layers[i]; i++) {
		if (hkp11_layers[i]->options)
			groups[n_groups++] = *hkp11_layers[i]->options;
	}
	snprintf (settings, sizeof settings, SETTINGS "state-dir: %s\n", state_dir);
	hkp11_config_reset (groups, n_groups);
	if (!hkp11_config_parse (groups, n_groups, settings, "fuzz", false, &err)) {
		fprintf (stderr, "fuzz-template: %s\n", err.text);
		FAIL ();
	}
	/* As the shim does at C_Initialize; the settings turn every layer on. */
	size_t n_all = 0;
	while (hkp11_layers[n_all])
		n_all++;
	n_layers = hkp11_stack_select (hkp11_layers, layers, sizeof layers / sizeof layers[0]);
	/* Every layer, and the session registry under them. */
	if (n_layers != n_all + 1)
		FAIL ();
}

/* ---- reading the input ------------------------------------------------- */

typedef struct {
	const uint8_t *p;
	size_t left;
} cursor;

static uint8_t
byte (cursor *c)
{
	if (c->left == 0)
		return 0;
	c->left--;
	return *c->p++;
}

/* A length-prefixed run of bytes (up to max); NULL when there are none. */
static const uint8_t *
bytes (cursor *c, size_t max, size_t *len)
{
	size_t want = byte (c);
	if (max > 255)
		want = want << 8 | byte (c);
	if (want > max)
		want = max;
	if (want > c->left)
		want = c->left;
	*len = want;
	const uint8_t *p = c->p;
	c->p += want;
	c->left -= want;
	return p;
}

static const CK_ATTRIBUTE_TYPE attr_types[] = {
	CKA_LABEL,    CKA_LABEL,    CKA_ID,
	CKA_CLASS,    CKA_VALUE,    CKA_MODULUS,
	CKA_KEY_TYPE, CKA_EC_POINT, CKA_CERTIFICATE_TYPE,
	CKA_PRIVATE,  0x80001110UL, 0xdeadbeefUL,
};
#define N_TYPES (sizeof attr_types / sizeof attr_types[0])

static const char *const fail_functions[] = {
	"C_GetAttributeValue", "C_FindObjectsInit", "C_FindObjects",
	"C_FindObjectsFinal",  "C_OpenSession",     "C_CloseSession",
	"C_GetTokenInfo",      "C_GetSessionInfo",  "C_Login",
	"C_CreateObject",      "C_DestroyObject",   "C_SetAttributeValue",
	"C_CopyObject",
};
static const CK_RV fail_rvs[] = {
	CKR_DEVICE_ERROR,           CKR_BUFFER_TOO_SMALL,      CKR_ATTRIBUTE_SENSITIVE,
	CKR_ATTRIBUTE_TYPE_INVALID, CKR_OBJECT_HANDLE_INVALID, CKR_SESSION_HANDLE_INVALID,
	CKR_DEVICE_REMOVED,         CKR_TOKEN_NOT_PRESENT,     CKR_HOST_MEMORY,
	CKR_OPERATION_ACTIVE,       CKR_PIN_INCORRECT,         CKR_GENERAL_ERROR,
};

#define MAX_OBJECTS 24

typedef struct {
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE objects[MAX_OBJECTS];
	size_t n_objects;
	bool honest; /* no odd lengths, no failures: the size rule must hold */
	unsigned char last_label[300];
	size_t last_label_len;
} world;

/* Puts an object the input describes on the token. */
static void
put_object (world *w, cursor *c)
{
	static const CK_OBJECT_CLASS classes[] = { CKO_CERTIFICATE, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
						   CKO_DATA };
	uint8_t what = byte (c);
	CK_OBJECT_CLASS cls = classes[what % 4];
	CK_KEY_TYPE key_type = (what & 4) ? CKK_EC : CKK_RSA;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	size_t id_len, label_len, value_len;
	const uint8_t *id = bytes (c, 32, &id_len);
	const uint8_t *label = bytes (c, 80, &label_len);
	const uint8_t *value = bytes (c, 4096, &value_len);
	CK_ATTRIBUTE t[8];
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE h;

	t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof cls };
	t[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, 1 };
	if (id_len > 0 || (what & 8))
		t[n++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	if (label_len > 0 || (what & 16))
		t[n++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, label_len };
	if (cls == CKO_CERTIFICATE) {
		t[n++] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, &x509, sizeof x509 };
		t[n++] = (CK_ATTRIBUTE){ CKA_VALUE, (void *)value, value_len };
	} else if (cls != CKO_DATA) {
		t[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &key_type, sizeof key_type };
		t[n++] = (CK_ATTRIBUTE){ key_type == CKK_EC ? CKA_EC_POINT : CKA_MODULUS,
					 (void *)value, value_len };
	} else {
		t[n++] = (CK_ATTRIBUTE){ CKA_VALUE, (void *)value, value_len };
	}
	if (dispatch.C_CreateObject (w->session, t, n, &h) == CKR_OK && w->n_objects < MAX_OBJECTS)
		w->objects[w->n_objects++] = h;
}

static CK_OBJECT_HANDLE
pick_object (world *w, cursor *c)
{
	uint8_t b = byte (c);
	if (w->n_objects == 0 || b == 0xff)
		return (CK_OBJECT_HANDLE)b << 20; /* a handle nobody has */
	return w->objects[b % w->n_objects];
}

static void
get_attributes (world *w, cursor *c)
{
	CK_OBJECT_HANDLE o = pick_object (w, c);
	size_t n = 1 + byte (c) % 4;
	CK_ATTRIBUTE t[4];
	void *bufs[4] = { NULL };
	CK_ULONG sizes[4];

	for (size_t i = 0; i < n; i++) {
		uint8_t b = byte (c);
		t[i].type = attr_types[b % N_TYPES];
		sizes[i] = byte (c) * ((b & 0x80) ? 2 : 1);
		/* Exactly that size: ASan sees a write past it. */
		bufs[i] = (b & 0x40) ? NULL : malloc (sizes[i] ? sizes[i] : 1);
		t[i].pValue = sizes[i] ? bufs[i] : (b & 0x20 ? bufs[i] : NULL);
		t[i].ulValueLen = sizes[i];
	}
	CK_RV rv = dispatch.C_GetAttributeValue (w->session, o, t, n);
	for (size_t i = 0; i < n; i++) {
		if (t[i].pValue != NULL && t[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
		    t[i].ulValueLen > sizes[i])
			FAIL (); /* claims to have written more than there was room for */
	}

	/* The size rule: a label's size query, then a read into just that. */
	if (w->honest && rv == CKR_OK && n == 1 && t[0].type == CKA_LABEL) {
		CK_ATTRIBUTE q = { CKA_LABEL, NULL, 0 };
		if (dispatch.C_GetAttributeValue (w->session, o, &q, 1) == CKR_OK &&
		    q.ulValueLen != CK_UNAVAILABLE_INFORMATION && q.ulValueLen <= 4096) {
			unsigned char *label = malloc (q.ulValueLen ? q.ulValueLen : 1);
			CK_ATTRIBUTE a = { CKA_LABEL, label, q.ulValueLen };
			CK_RV again = dispatch.C_GetAttributeValue (w->session, o, &a, 1);
			if (again != CKR_OK || a.ulValueLen != q.ulValueLen)
				FAIL ();
			if (a.ulValueLen <= sizeof w->last_label) {
				memcpy (w->last_label, label, a.ulValueLen);
				w->last_label_len = a.ulValueLen;
			}
			free (label);
		}
	}
	for (size_t i = 0; i < n; i++)
		free (bufs[i]);
}

static void
find (world *w, cursor *c)
{
	CK_OBJECT_CLASS cls = byte (c) % 4;
	uint8_t how = byte (c);
	size_t len;
	const uint8_t *made_up = bytes (c, 80, &len);
	CK_ATTRIBUTE t[3];
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE found[8];
	CK_ULONG got = 0, max = how % 9;

	if (how & 0x10)
		t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof cls };
	/* A label read before (friendly ones too), or one made up. */
	if (how & 0x20)
		t[n++] = (CK_ATTRIBUTE){ CKA_LABEL, w->last_label, w->last_label_len };
	else
		t[n++] = (CK_ATTRIBUTE){ CKA_LABEL, (how & 0x40) ? NULL : (void *)made_up, len };
	if (dispatch.C_FindObjectsInit (w->session, t, n) != CKR_OK)
		return;
	for (int round = 0; round < 3; round++) {
		if (dispatch.C_FindObjects (w->session, found, max, &got) != CKR_OK)
			break;
		if (got > max)
			FAIL ();
		if (got == 0)
			break;
	}
	dispatch.C_FindObjectsFinal (w->session);
}

static void
run (cursor *c)
{
	world w;
	memset (&w, 0, sizeof w);

	/* Odd lengths in every size query, or not. */
	uint8_t odd = byte (c);
	static const CK_ULONG odd_values[] = { 0, 1, ~(CK_ULONG)0 >> 1,
					       CK_UNAVAILABLE_INFORMATION };
	if (odd & 0x80)
		odd_length (1, (odd & 0x40) ? odd_values[odd & 3] : (CK_ULONG)(odd & 0x3f) * 7);
	/* One function failing from some call on, or none. */
	uint8_t fail = byte (c), fail_rv = byte (c), fail_at = byte (c);
	bool failing = fail & 0x80;
	const char *fail_fn =
		fail_functions[fail % (sizeof fail_functions / sizeof fail_functions[0])];
	w.honest = !(odd & 0x80) && !failing;

	if (dispatch.C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				    &w.session) != CKR_OK)
		return;
	dispatch.C_Login (w.session, CKU_USER, (CK_UTF8CHAR_PTR) "12345678", 8);
	size_t n_objects = byte (c) % 9;
	for (size_t i = 0; i < n_objects; i++)
		put_object (&w, c);

	for (int step = 0; step < 64 && c->left > 0; step++) {
		if (failing && step == fail_at % 16)
			fail_with (fail_fn,
				   fail_rvs[fail_rv % (sizeof fail_rvs / sizeof fail_rvs[0])]);
		uint8_t op = byte (c);
		switch (op % 10) {
		case 0:
		case 1:
		case 2:
			get_attributes (&w, c);
			break;
		case 3:
			find (&w, c);
			break;
		case 4: {
			CK_TOKEN_INFO info;
			dispatch.C_GetTokenInfo (MOCK_P11_SLOT, &info);
			break;
		}
		case 5: {
			size_t len;
			const uint8_t *pin = bytes (c, 32, &len);
			if (op & 0x10)
				dispatch.C_Logout (w.session);
			dispatch.C_Login (w.session, CKU_USER, (CK_UTF8CHAR_PTR)pin, len);
			break;
		}
		case 6: {
			size_t len;
			CK_OBJECT_HANDLE o = pick_object (&w, c);
			const uint8_t *label = bytes (c, 80, &len);
			CK_ATTRIBUTE t = { (op & 0x10) ? CKA_ID : CKA_LABEL, (void *)label, len };
			dispatch.C_SetAttributeValue (w.session, o, &t, 1);
			break;
		}
		case 7: {
			CK_OBJECT_HANDLE o = pick_object (&w, c), copy;
			if (op & 0x10)
				dispatch.C_DestroyObject (w.session, o);
			else if (dispatch.C_CopyObject (w.session, o, NULL, 0, &copy) == CKR_OK &&
				 w.n_objects < MAX_OBJECTS)
				w.objects[w.n_objects++] = copy;
			break;
		}
		case 8:
			put_object (&w, c);
			break;
		default:
			/* A new session: the last of a slot closing makes the layer look again. */
			dispatch.C_CloseSession (w.session);
			if (dispatch.C_OpenSession (MOCK_P11_SLOT,
						    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
						    &w.session) != CKR_OK)
				return;
			break;
		}
	}
}

/* Each input starts with nothing counted: a guard left up by the last one
 * would refuse every login. */
static void
clear_state (void)
{
	DIR *d = opendir (state_dir);
	struct dirent *e;
	char path[2 * PATH_MAX];
	if (d == NULL)
		return;
	while ((e = readdir (d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf (path, sizeof path, "%s/%s", state_dir, e->d_name);
		unlink (path);
	}
	closedir (d);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	cursor c = { data, size };
	if (backend == NULL)
		init ();
	clear_state ();
	if (backend->C_Initialize (NULL) != CKR_OK)
		FAIL ();
	hkp11_stack_build (&dispatch, backend, layers, n_layers);
	for (size_t i = 0; i < n_layers; i++) {
		if (layers[i]->start && layers[i]->start () != CKR_OK)
			FAIL ();
	}
	run (&c);
	for (size_t i = n_layers; i-- > 0;) {
		if (layers[i]->stop)
			layers[i]->stop ();
	}
	for (size_t i = 0; i < sizeof fail_functions / sizeof fail_functions[0]; i++)
		fail_with (fail_functions[i], CKR_OK);
	odd_length (0, 0);
	backend->C_Finalize (NULL);
	return 0;
}
