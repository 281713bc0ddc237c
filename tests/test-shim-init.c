/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shim's core, over the mock backend with every layer off: life before
 * C_Initialize, initialisation arguments, pReserved settings, and the
 * function lists and interfaces it hands out.
 */
#include "config.h"
#include "shim-fixture.h"
#include "p11-each.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every forwarded function of a table, called with all-zero arguments. */
#define CALL_ZERO(kind, name, params, args) CALL_ZERO_##kind (name, args)
#define CALL_ZERO_special(name, args)
#define CALL_ZERO_forward(name, args) \
	do { \
		CK_RV rv_ = table->name (P11E_ZEROS_T (args)); \
		ck_assert_msg (rv_ == CKR_CRYPTOKI_NOT_INITIALIZED, "%s before C_Initialize: %s", \
			       #name, p11t_rv_name (rv_)); \
		n++; \
	} while (0);

#define COUNT_FORWARD(kind, name, params, args) +COUNT_##kind
#define COUNT_forward 1
#define COUNT_special 0
enum {
	N_FORWARD_2_40 = 0 HKP11_FUNCTIONS_2_40 (COUNT_FORWARD),
	N_FORWARD_3_0 = 0 HKP11_FUNCTIONS_3_0 (COUNT_FORWARD),
};

START_TEST (test_not_initialized_everywhere)
{
	int n = 0;
	{
		CK_FUNCTION_LIST_3_0_PTR table = fx.shim.f3;
		HKP11_FUNCTIONS_2_40 (CALL_ZERO)
		HKP11_FUNCTIONS_3_0 (CALL_ZERO)
	}
	ck_assert_int_eq (n, N_FORWARD_2_40 + N_FORWARD_3_0);
	ck_assert_int_eq (n, 65 + 22);
	n = 0;
	{
		CK_FUNCTION_LIST_PTR table = fx.shim.f;
		HKP11_FUNCTIONS_2_40 (CALL_ZERO)
	}
	ck_assert_int_eq (n, N_FORWARD_2_40);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	/* Nothing reached the backend. */
	ck_assert_uint_eq (fx_total_calls (), 0);
}
END_TEST

START_TEST (test_initialize_finalize)
{
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_Initialize (NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	p11t_assert_rv (fx.shim.f->C_Finalize ((void *)&fx), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (fx.shim.f->C_GetInfo (&(CK_INFO){ 0 }), CKR_OK);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_uint_eq (fx.call_count ("C_Initialize"), 1);
	ck_assert_uint_eq (fx.call_count ("C_Finalize"), 1);
	/* And again, as a program that loads and unloads a token twice. */
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	ck_assert_uint_eq (fx.call_count ("C_Initialize"), 2);
}
END_TEST

static CK_RV
create_mutex (CK_VOID_PTR_PTR m)
{
	return CKR_OK;
}

static CK_RV
mutex_op (CK_VOID_PTR m)
{
	return CKR_OK;
}

START_TEST (test_partial_mutex_callbacks)
{
	CK_C_INITIALIZE_ARGS cases[] = {
		{ .CreateMutex = create_mutex },
		{ .DestroyMutex = mutex_op, .LockMutex = mutex_op, .UnlockMutex = mutex_op },
		{ .CreateMutex = create_mutex, .LockMutex = mutex_op, .UnlockMutex = mutex_op },
		{ .UnlockMutex = mutex_op, .flags = CKF_OS_LOCKING_OK },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		p11t_assert_rv (fx.shim.f->C_Initialize (&cases[i]), CKR_ARGUMENTS_BAD);
	ck_assert_uint_eq (fx.call_count ("C_Initialize"), 0);
	p11t_assert_rv (fx.shim.f->C_GetInfo (&(CK_INFO){ 0 }), CKR_CRYPTOKI_NOT_INITIALIZED);
}
END_TEST

START_TEST (test_null_args_give_os_locking)
{
	fx_init ();
	const mock_p11_call *c = fx_last ("C_Initialize");
	ck_assert_int_eq (c->rv, CKR_OK);
	ck_assert_int_eq (c->init_args_null, 0);
	ck_assert_uint_eq (c->init_flags, CKF_OS_LOCKING_OK);
	ck_assert_ptr_null (c->init_reserved);
	ck_assert_ptr_null (c->init_create_mutex);
	ck_assert_ptr_null (c->init_unlock_mutex);
}
END_TEST

START_TEST (test_app_flags_and_callbacks_pass_down)
{
	CK_C_INITIALIZE_ARGS args = {
		.CreateMutex = create_mutex,
		.DestroyMutex = mutex_op,
		.LockMutex = mutex_op,
		.UnlockMutex = mutex_op,
		.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS,
	};
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_OK);
	const mock_p11_call *c = fx_last ("C_Initialize");
	ck_assert_uint_eq (c->init_flags, CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK);
	ck_assert_ptr_eq (c->init_create_mutex, (void *)create_mutex);
	ck_assert_ptr_eq (c->init_destroy_mutex, (void *)mutex_op);
	ck_assert_ptr_eq (c->init_lock_mutex, (void *)mutex_op);
	ck_assert_ptr_eq (c->init_unlock_mutex, (void *)mutex_op);
	/* The caller's own structure is left as it was. */
	ck_assert_uint_eq (args.flags, CKF_LIBRARY_CANT_CREATE_OS_THREADS);
}
END_TEST

START_TEST (test_reserved_settings_consumed)
{
	char settings[4200];
	/* NSS style: the backend comes only from the settings string. */
	unsetenv ("HKPOST_P11_BACKEND");
	snprintf (settings, sizeof settings, "backend: %s; labels: off", p11t_mock_path ());
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = settings };
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_OK);
	/* The mock, like SoftHSM, refuses a non-NULL pReserved: it got NULL. */
	const mock_p11_call *c = fx_last ("C_Initialize");
	ck_assert_int_eq (c->rv, CKR_OK);
	ck_assert_ptr_null (c->init_reserved);
	ck_assert_ptr_eq (args.pReserved, settings);
}
END_TEST

START_TEST (test_reserved_bad_key)
{
	CK_C_INITIALIZE_ARGS args = { .pReserved = (void *)"nonsense-key: 1" };
	fx_stderr_begin ();
	CK_RV rv = fx.shim.f->C_Initialize (&args);
	char *err = fx_stderr_end ();
	p11t_assert_rv (rv, CKR_ARGUMENTS_BAD);
	ck_assert_msg (strstr (err, "nonsense-key") != NULL, "stderr: %s", err);
	ck_assert_int_eq (fx_count_lines (err), 1);
	ck_assert_uint_eq (fx.call_count ("C_Initialize"), 0);
	free (err);
	/* Nothing half-done stays behind: a good call works. */
	fx_init ();
}
END_TEST

START_TEST (test_get_function_list)
{
	CK_C_GetFunctionList gfl =
		(CK_C_GetFunctionList)dlsym (fx.shim.handle, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR list = NULL;
	ck_assert_ptr_nonnull (gfl);
	p11t_assert_rv (gfl (NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (fx.shim.f->C_GetFunctionList (NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (gfl (&list), CKR_OK);
	ck_assert_ptr_eq (list, fx.shim.f);
	ck_assert_int_eq (list->version.major, 2);
	ck_assert_int_eq (list->version.minor, 40);
}
END_TEST

START_TEST (test_interface_list)
{
	CK_C_GetInterfaceList gil =
		(CK_C_GetInterfaceList)dlsym (fx.shim.handle, "C_GetInterfaceList");
	CK_INTERFACE list[4];
	CK_ULONG count = 0;
	ck_assert_ptr_nonnull (gil);
	p11t_assert_rv (gil (list, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (gil (NULL, &count), CKR_OK);
	ck_assert_uint_eq (count, 2);
	count = 1;
	p11t_assert_rv (gil (list, &count), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (count, 2);
	count = 4;
	p11t_assert_rv (gil (list, &count), CKR_OK);
	ck_assert_uint_eq (count, 2);
	for (CK_ULONG i = 0; i < count; i++) {
		const CK_VERSION *v = &((CK_FUNCTION_LIST *)list[i].pFunctionList)->version;
		ck_assert_str_eq ((const char *)list[i].pInterfaceName, "PKCS 11");
		ck_assert_uint_eq (list[i].flags & CKF_INTERFACE_FORK_SAFE, 0);
		ck_assert_int_eq (v->major, i == 0 ? 3 : 2);
		ck_assert_int_eq (v->minor, i == 0 ? 0 : 40);
	}
	ck_assert_ptr_eq (list[0].pFunctionList, fx.shim.f3);
}
END_TEST

START_TEST (test_get_interface)
{
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym (fx.shim.handle, "C_GetInterface");
	CK_INTERFACE_PTR iface = NULL;
	CK_VERSION v240 = { 2, 40 }, v31 = { 3, 1 };

	p11t_assert_rv (gi (NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (gi (NULL, NULL, &iface, 0), CKR_OK);
	ck_assert_int_eq (((CK_FUNCTION_LIST *)iface->pFunctionList)->version.major, 3);
	p11t_assert_rv (gi ((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &iface, 0), CKR_OK);
	ck_assert_ptr_eq (iface->pFunctionList, fx.shim.f);
	ck_assert_int_eq (((CK_FUNCTION_LIST *)iface->pFunctionList)->version.minor, 40);

	/* Never CKR_OK with a NULL interface (NSS crashes on that). */
	iface = (void *)&fx;
	p11t_assert_rv (gi ((CK_UTF8CHAR_PTR) "Vendor Mock", NULL, &iface, 0), CKR_ARGUMENTS_BAD);
	ck_assert_ptr_null (iface);
	p11t_assert_rv (gi ((CK_UTF8CHAR_PTR) "PKCS 11", &v31, &iface, 0), CKR_ARGUMENTS_BAD);
	/* NSS asks for fork safety first; the shim does not offer it. */
	p11t_assert_rv (gi ((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &iface, CKF_INTERFACE_FORK_SAFE),
			CKR_ARGUMENTS_BAD);
	ck_assert_ptr_null (iface);
}
END_TEST

/* Every table and function the shim hands out is its own, whatever the
 * backend's version. */
START_TEST (test_tables_are_own)
{
	static const char *const versions[] = { "3.0", "2.40", "2.20" };
	const char *version = versions[_i];
	CK_C_GetInterfaceList gil =
		(CK_C_GetInterfaceList)dlsym (fx.shim.handle, "C_GetInterfaceList");
	CK_INTERFACE list[2];
	CK_ULONG count = 2;
	CK_FUNCTION_LIST_PTR mock_list = NULL;

	setenv ("MOCK_P11_VERSION", version, 1);
	fx_init ();
	CK_C_GetFunctionList mock_gfl = (CK_C_GetFunctionList)dlsym (fx.mock, "C_GetFunctionList");
	p11t_assert_rv (mock_gfl (&mock_list), CKR_OK);
	ck_assert_int_eq (mock_list->version.minor, strcmp (version, "2.20") == 0 ? 20 : 40);

	p11t_assert_rv (gil (list, &count), CKR_OK);
	for (CK_ULONG i = 0; i < count; i++) {
		const CK_FUNCTION_LIST *l = list[i].pFunctionList;
		ck_assert_ptr_ne (l, mock_list);
		ck_assert_ptr_ne (l, fx.mock_f3);
		ck_assert ((void *)l->C_GetInfo != (void *)mock_list->C_GetInfo);
		ck_assert ((void *)l->C_Sign != (void *)mock_list->C_Sign);
		ck_assert ((void *)l->C_GetFunctionList != (void *)mock_list->C_GetFunctionList);
	}
	ck_assert_int_eq (fx.shim.f3->version.major, 3);
	ck_assert_int_eq (fx.shim.f->version.minor, 40);
	ck_assert ((void *)fx.shim.f3->C_LoginUser != (void *)fx.mock_f3->C_LoginUser);
	/* It works, whichever table the backend handed over. */
	CK_INFO info;
	p11t_assert_rv (fx.shim.f3->C_GetInfo (&info), CKR_OK);
	ck_assert_int_eq (info.cryptokiVersion.major, version[0] - '0');
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("shim-init");
	TCase *tc = tcase_create ("init");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_add_test (tc, test_not_initialized_everywhere);
	tcase_add_test (tc, test_initialize_finalize);
	tcase_add_test (tc, test_partial_mutex_callbacks);
	tcase_add_test (tc, test_null_args_give_os_locking);
	tcase_add_test (tc, test_app_flags_and_callbacks_pass_down);
	tcase_add_test (tc, test_reserved_settings_consumed);
	tcase_add_test (tc, test_reserved_bad_key);
	suite_add_tcase (s, tc);

	tc = tcase_create ("interfaces");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_add_test (tc, test_get_function_list);
	tcase_add_test (tc, test_interface_list);
	tcase_add_test (tc, test_get_interface);
	tcase_add_loop_test (tc, test_tables_are_own, 0, 3);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
