/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding through the shim's core, every layer off: each function of
 * the 3.0 table reaches the mock once, with the very arguments the caller
 * gave, and the caller gets exactly the mock's CK_RV; 3.0 functions over a
 * 2.x backend answer CKR_FUNCTION_NOT_SUPPORTED.
 */
#include "config.h"
#include "shim-fixture.h"
#include "p11-each.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Arguments for any function, made up from their types: numbers (handles,
 * lengths, flags) count up from a value no real handle has, pointers point
 * at distinct 4 KiB buffers, templates at a 32-entry array.
 */
static unsigned char pool[24][4096] __attribute__ ((aligned (16)));
static unsigned int pool_next;
static CK_ULONG scalar_next = 0x7a000;
static CK_MECHANISM mechanism = { CKM_SHA256_RSA_PKCS, NULL, 0 };
static CK_ATTRIBUTE attributes[MOCK_P11_MAX_ATTRS];

static void *
next_buf (void)
{
	unsigned char *p = pool[pool_next++ % 24];
	CK_ULONG size = 64;
	memset (p, 0x5c, sizeof pool[0]);
	memcpy (p, &size, sizeof size);
	return p;
}

static CK_RV
notify (CK_SESSION_HANDLE h, CK_NOTIFICATION event, CK_VOID_PTR app)
{
	return CKR_OK;
}

#define DECLARE(x) x;
#define FILL(x) \
	x = _Generic((x), CK_ULONG \
		     : (CK_ULONG)scalar_next++, CK_BBOOL \
		     : (CK_BBOOL)CK_TRUE, CK_MECHANISM_PTR \
		     : &mechanism, CK_ATTRIBUTE_PTR \
		     : attributes, CK_NOTIFY \
		     : notify, default \
		     : next_buf ());
#define AS_WORD(x) (uintptr_t) (x),

#define COUNT_FORWARD(kind, name, params, args) +COUNT_##kind
#define COUNT_forward 1
#define COUNT_special 0
enum {
	N_FORWARD_2_40 = 0 HKP11_FUNCTIONS_2_40 (COUNT_FORWARD),
	N_FORWARD_3_0 = 0 HKP11_FUNCTIONS_3_0 (COUNT_FORWARD),
};

static void
check_record (const char *name, CK_RV got, unsigned long calls_before, const uintptr_t *want,
	      unsigned int n_args)
{
	const mock_p11_call *c = fx_last (name);
	ck_assert_msg (c->count == calls_before + 1, "%s reached the mock %lu times", name,
		       c->count - calls_before);
	ck_assert_msg (c->rv == got, "%s: mock answered %s, caller got %s", name,
		       p11t_rv_name (c->rv), p11t_rv_name (got));
	ck_assert_uint_eq (c->n_args, n_args);
	for (unsigned int i = 0; i < n_args; i++)
		ck_assert_msg (c->args[i] == want[i], "%s argument %u: 0x%lx arrived as 0x%lx",
			       name, i, (unsigned long)want[i], (unsigned long)c->args[i]);
}

#define CHECK_ARGS(kind, name, params, args) CHECK_ARGS_##kind (name, params, args)
#define CHECK_ARGS_special(name, params, args)
#define CHECK_ARGS_forward(name, params, args) \
	{ \
		P11E_EACH_T (DECLARE, params) \
		P11E_EACH_T (FILL, args) \
		const uintptr_t want_[] = { P11E_EACH_T (AS_WORD, args) }; \
		unsigned long before_ = fx.call_count (#name); \
		CK_RV rv_ = table->name args; \
		check_record (#name, rv_, before_, want_, P11E_COUNT_T (args)); \
		n++; \
	}

START_TEST (test_every_argument_arrives)
{
	int n = 0;
	fx_init ();
	{
		CK_FUNCTION_LIST_3_0_PTR table = fx.shim.f3;
		HKP11_FUNCTIONS_2_40 (CHECK_ARGS)
		HKP11_FUNCTIONS_3_0 (CHECK_ARGS)
	}
	{
		CK_FUNCTION_LIST_PTR table = fx.shim.f;
		HKP11_FUNCTIONS_2_40 (CHECK_ARGS)
	}
	ck_assert_int_eq (n, 2 * N_FORWARD_2_40 + N_FORWARD_3_0);
}
END_TEST

/* The backend's CK_RV reaches the caller untouched, whatever it is. */
static const CK_RV injected[] = {
	CKR_DEVICE_ERROR,
	CKR_PIN_INCORRECT,
	CKR_TOKEN_NOT_PRESENT,
	CKR_SESSION_HANDLE_INVALID,
	CKR_BUFFER_TOO_SMALL,
	CKR_PIN_LOCKED,
	CKR_VENDOR_DEFINED | 0x123,
	CKR_GENERAL_ERROR,
	CKR_USER_NOT_LOGGED_IN,
	CKR_DEVICE_REMOVED,
	CKR_FUNCTION_NOT_SUPPORTED,
	CKR_ARGUMENTS_BAD,
	CKR_CRYPTOKI_NOT_INITIALIZED,
	0x7fffffffUL,
};
#define N_INJECTED (sizeof injected / sizeof injected[0])

#define INJECT(kind, name, params, args) INJECT_##kind (name, params, args)
#define INJECT_special(name, params, args)
#define INJECT_forward(name, params, args) \
	for (size_t k_ = 0; k_ < 4; k_++) { \
		P11E_EACH_T (DECLARE, params) \
		P11E_EACH_T (FILL, args) \
		CK_RV want_ = injected[(k_ * 5 + (size_t)n) % N_INJECTED]; \
		ck_assert_int_eq (fx.fail_with (#name, want_), 0); \
		CK_RV got_ = fx.shim.f3->name args; \
		fx.fail_with (#name, CKR_OK); \
		ck_assert_msg (got_ == want_, "%s: mock failed with %s, caller got %s", #name, \
			       p11t_rv_name (want_), p11t_rv_name (got_)); \
		n++; \
	}

START_TEST (test_injected_failures_pass_unchanged)
{
	int n = 0;
	fx_init ();
	HKP11_FUNCTIONS_2_40 (INJECT)
	HKP11_FUNCTIONS_3_0 (INJECT)
	ck_assert_int_eq (n, 4 * (N_FORWARD_2_40 + N_FORWARD_3_0));
	/* And the same from the environment, read at C_Initialize. */
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	setenv ("MOCK_P11_FAIL", "C_Sign=CKR_DEVICE_ERROR,C_Login=0x000000A0", 1);
	fx_init ();
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, false);
	p11t_assert_rv (fx.shim.f->C_Login (h, CKU_USER, (CK_UTF8CHAR_PTR) "12345678", 8),
			CKR_PIN_INCORRECT);
	p11t_assert_rv (fx.shim.f->C_Sign (h, NULL, 0, NULL, NULL), CKR_DEVICE_ERROR);
}
END_TEST

/* Over a 2.x backend the 3.0 functions never reach it. */
#define NOT_SUPPORTED(kind, name, params, args) NOT_SUPPORTED_##kind (name, params, args)
#define NOT_SUPPORTED_special(name, params, args)
#define NOT_SUPPORTED_forward(name, params, args) \
	{ \
		P11E_EACH_T (DECLARE, params) \
		P11E_EACH_T (FILL, args) \
		CK_RV rv_ = fx.shim.f3->name args; \
		ck_assert_msg (rv_ == CKR_FUNCTION_NOT_SUPPORTED, "%s over a %s backend: %s", \
			       #name, getenv ("MOCK_P11_VERSION"), p11t_rv_name (rv_)); \
		ck_assert_uint_eq (fx.call_count (#name), 0); \
		n++; \
	}

START_TEST (test_3_0_over_2_x)
{
	int n = 0;
	setenv ("MOCK_P11_VERSION", _i == 0 ? "2.40" : "2.20", 1);
	fx_init ();
	HKP11_FUNCTIONS_3_0 (NOT_SUPPORTED)
	ck_assert_int_eq (n, N_FORWARD_3_0);
	/* The 2.x functions still work. */
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, true);
	p11t_assert_rv (fx.shim.f3->C_Logout (h), CKR_OK);
}
END_TEST

/* The 3.0 calls in earnest: a login with a user name, a message signature
 * the mock verifies, a cancelled operation. */
START_TEST (test_3_0_forwarding)
{
	CK_FUNCTION_LIST_3_0_PTR f = fx.shim.f3;
	CK_UTF8CHAR pin[] = "12345678", user[] = "holder";
	CK_BYTE data[] = "message to sign", param[] = "param", sig[MOCK_P11_SIGNATURE_LEN];
	CK_ULONG sig_len = sizeof sig;
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_SESSION_INFO info;
	const mock_p11_call *c;

	fx_init ();
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, false);
	p11t_assert_rv (f->C_LoginUser (h, CKU_USER, pin, 8, user, 6), CKR_OK);
	c = fx_last ("C_LoginUser");
	ck_assert_uint_eq (c->args[0], h);
	ck_assert_uint_eq (c->args[1], CKU_USER);
	ck_assert_ptr_eq (c->bufs[0].ptr, pin);
	ck_assert_uint_eq (c->bufs[0].len, 8);
	ck_assert_ptr_eq (c->bufs[1].ptr, user);
	ck_assert_mem_eq (c->bufs[1].copy, "holder", 6);
	p11t_assert_rv (fx.mock_f3->C_GetSessionInfo (h, &info), CKR_OK);
	ck_assert_uint_eq (info.state, CKS_RW_USER_FUNCTIONS);

	p11t_assert_rv (f->C_GenerateKeyPair (h, &gen, NULL, 0, NULL, 0, &pub, &priv), CKR_OK);
	p11t_assert_rv (f->C_MessageSignInit (h, &rsa, priv), CKR_OK);
	c = fx_last ("C_MessageSignInit");
	ck_assert_uint_eq (c->args[2], priv);
	ck_assert_uint_eq (c->mechanism, CKM_SHA256_RSA_PKCS);
	p11t_assert_rv (f->C_SignMessage (h, param, 5, data, sizeof data, NULL, &sig_len), CKR_OK);
	ck_assert_uint_eq (sig_len, MOCK_P11_SIGNATURE_LEN);
	p11t_assert_rv (f->C_SignMessage (h, param, 5, data, sizeof data, sig, &sig_len), CKR_OK);
	c = fx_last ("C_SignMessage");
	ck_assert_ptr_eq (c->bufs[0].ptr, param);
	ck_assert_ptr_eq (c->bufs[1].ptr, data);
	ck_assert_uint_eq (c->bufs[1].len, sizeof data);
	ck_assert_ptr_eq ((void *)c->args[5], sig);
	p11t_assert_rv (f->C_MessageSignFinal (h), CKR_OK);

	/* What the shim's caller signed, the mock verifies directly. */
	p11t_assert_rv (fx.mock_f3->C_MessageVerifyInit (h, &rsa, pub), CKR_OK);
	p11t_assert_rv (fx.mock_f3->C_VerifyMessage (h, param, 5, data, sizeof data, sig, sig_len),
			CKR_OK);
	sig[0] ^= 1;
	p11t_assert_rv (f->C_VerifyMessage (h, param, 5, data, sizeof data, sig, sig_len),
			CKR_SIGNATURE_INVALID);

	p11t_assert_rv (f->C_SignInit (h, &rsa, priv), CKR_OK);
	p11t_assert_rv (f->C_SessionCancel (h, CKF_SIGN), CKR_OK);
	c = fx_last ("C_SessionCancel");
	ck_assert_uint_eq (c->args[0], h);
	ck_assert_uint_eq (c->args[1], CKF_SIGN);
	p11t_assert_rv (f->C_SignUpdate (h, data, 4), CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

/* Slot ids, session and object handles, PINs and data go down as given
 * and come back as the mock made them. */
START_TEST (test_handles_and_buffers)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_SLOT_ID slots[4];
	CK_ULONG n = 4;
	CK_UTF8CHAR pin[] = "12345678";
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BYTE value[] = "e-Cert data", got[32];
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &klass, sizeof klass }, { CKA_VALUE, value, 11 } };
	CK_ATTRIBUTE read = { CKA_VALUE, got, sizeof got };
	CK_OBJECT_HANDLE obj;
	const mock_p11_call *c;

	setenv ("MOCK_P11_TOKENS", "2", 1);
	fx_init ();
	p11t_assert_rv (f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	ck_assert_uint_eq (slots[0], MOCK_P11_SLOT);
	ck_assert_uint_eq (slots[1], MOCK_P11_SLOT2);
	c = fx_last ("C_GetSlotList");
	ck_assert_ptr_eq ((void *)c->args[1], slots);
	ck_assert_uint_eq (c->ulong_in, 4);

	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT2, false);
	ck_assert_uint_eq (fx_last ("C_OpenSession")->args[0], MOCK_P11_SLOT2);
	ck_assert_uint_eq (h & 0xffff0000UL, 0x5e550000UL);
	p11t_assert_rv (f->C_Login (h, CKU_USER, pin, 8), CKR_OK);
	c = fx_last ("C_Login");
	ck_assert_uint_eq (c->args[0], h);
	ck_assert_ptr_eq (c->bufs[0].ptr, pin);
	ck_assert_mem_eq (c->bufs[0].copy, "12345678", 8);

	p11t_assert_rv (f->C_CreateObject (h, tmpl, 2, &obj), CKR_OK);
	c = fx_last ("C_CreateObject");
	ck_assert_uint_eq (c->n_attrs, 2);
	ck_assert_uint_eq (c->attr_type[1], CKA_VALUE);
	ck_assert_ptr_eq (c->attr_value[1], value);
	/* The handle the caller got is the mock's own. */
	p11t_assert_rv (fx.mock_f->C_GetAttributeValue (h, obj, &read, 1), CKR_OK);
	ck_assert_uint_eq (read.ulValueLen, 11);
	ck_assert_mem_eq (got, value, 11);
	p11t_assert_rv (f->C_DestroyObject (h, obj), CKR_OK);
	ck_assert_uint_eq (fx_last ("C_DestroyObject")->args[1], obj);
	p11t_assert_rv (fx.mock_f->C_GetAttributeValue (h, obj, &read, 1),
			CKR_OBJECT_HANDLE_INVALID);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("shim-forward");
	TCase *tc = tcase_create ("forward");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_add_test (tc, test_every_argument_arrives);
	tcase_add_test (tc, test_injected_failures_pass_unchanged);
	tcase_add_loop_test (tc, test_3_0_over_2_x, 0, 2);
	tcase_add_test (tc, test_3_0_forwarding);
	tcase_add_test (tc, test_handles_and_buffers);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
