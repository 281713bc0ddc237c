/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A mock PKCS#11 backend for tests: a standalone in-memory token, built as
 * a real loadable module (tests/mock/.libs/mock-p11.so), that records the
 * arguments of every call and fails on demand.
 *
 * Slots 7 and 12 (odd ids on purpose); slot 7 holds a token, slot 12 is an
 * empty reader unless MOCK_P11_TOKENS=2.  Session and object handles are odd
 * large numbers.  Signatures are a keyed hash of the data (the key is the
 * RSA modulus, else CKA_VALUE, else CKA_ID), so sign and verify agree.
 *
 * Knobs, read from the environment by C_Initialize (MOCK_P11_VERSION also
 * by C_GetFunctionList, C_GetInterfaceList and C_GetInterface):
 *
 *   MOCK_P11_VERSION=2.20|2.40|3.0   default 3.0.  2.x: C_GetInterface and
 *        C_GetInterfaceList answer CKR_FUNCTION_NOT_SUPPORTED and
 *        C_GetFunctionList hands out a table of that version.
 *   MOCK_P11_FAIL="C_Sign=CKR_DEVICE_ERROR,C_Login=0x000000A0"
 *        those functions answer that CK_RV without doing anything (names
 *        of common CKR_ values or numbers; "=CKR_OK" clears).  Same as
 *        mock_p11_fail().  C_Initialize=... fails C_Initialize itself.
 *   MOCK_P11_REMOVE_AFTER=N   the token(s) disappear after N calls counted
 *        from C_Initialize: their sessions answer CKR_DEVICE_REMOVED, the
 *        slot CKR_TOKEN_NOT_PRESENT, and C_WaitForSlotEvent sees the event.
 *   MOCK_P11_ODD_LENGTH=0|1|huge|unavailable|N   every size query (NULL
 *        output buffer, NULL pValue, NULL slot or mechanism list) answers
 *        that length instead of the true one: huge is 2^63-1, unavailable
 *        CK_UNAVAILABLE_INFORMATION.  Same as mock_p11_odd_length().
 *   MOCK_P11_USER_PIN   default "12345678" (the Hongkong Post envelope shape).
 *   MOCK_P11_SO_PIN     default "87654321".
 *   MOCK_P11_TOKENS=2   a second token in slot 12.
 *   MOCK_P11_PIN_PAD=1  CKF_PROTECTED_AUTHENTICATION_PATH: C_Login with a
 *        NULL PIN succeeds (the PIN was "typed on the reader").
 *   MOCK_P11_ETOKEN=1   behave like a SafeNet eToken (doc/domain.md, common/p11/etoken.h):
 *        library "SafeNet eToken PKCS#11", manufacturer "SafeNet, Inc.",
 *        model and label "eToken", serial "0a1b2c3d" (slot 12: "0a1b2c3e");
 *        15 wrong user PINs lock it (CKR_PIN_LOCKED, CKF_USER_PIN_LOCKED;
 *        CKF_USER_PIN_COUNT_LOW and _FINAL_TRY as tries fall), a correct
 *        PIN resets the count; a CKO_HW_FEATURE object of type
 *        ETCKH_TOKEN_OBJECT carries ETCKA_RETRY_USER, _USER_MAX, _SO, _SO_MAX.
 *        Without it the mock never counts wrong PINs and never locks.
 *   MOCK_P11_MODEL=TEXT  the model of every token (16 bytes at most),
 *        instead of "mock" or "eToken": text a token chose, for the tests
 *        of what reaches a terminal.
 *   MOCK_P11_HIDE_RETRY=1   the token object carries no ETCKA_RETRY_* attributes.
 *   MOCK_P11_USER_TRIES=N   (eToken mode) N wrong user PINs lock it, not 15.
 *   MOCK_P11_PIN_POLICY="min-len=10,max-len=20,mix=1,history=3,max-repeated=2,
 *        numbers=2,upper=2,lower=2,special=0,max-age=90"   (eToken mode) an
 *        ETCKH_PIN_POLICY object with those ETCKA_PIN_* values (0 don't care,
 *        1 forbidden, 2 enforce for the classes), which C_SetPIN and
 *        C_InitPIN also enforce: CKR_PIN_LEN_RANGE or CKR_PIN_INVALID.
 *   MOCK_P11_PRESENT_FILE=FILE  the token of slot 7 is in its reader while
 *        FILE exists: another process inserts and removes it (creating and
 *        deleting FILE), and C_WaitForSlotEvent sees it within 100 ms.
 *   MOCK_P11_STATE=FILE  keep the user PIN and the retry counters of slot 7
 *        in FILE, so that several processes see one token: read by
 *        C_Initialize, written (temp file + rename) on every change.  The
 *        PIN is stored obfuscated, never in clear.
 *
 * The record of each call and the controls are described in mock-p11.h.
 * Caution for hostile-input tests: like a real module, the mock reads the
 * buffers and templates it is given (up to MOCK_P11_BUF_COPY bytes and
 * MOCK_P11_MAX_ATTRS attributes are copied into the record), so a length
 * larger than its buffer is read past its end.
 */
#include "config.h"
#include "mock.h"
#include "p11-each.h"
#include "p11/interface.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Not a CK_RV any function answers: the call goes on to its implementation. */
#define MOCK_PROCEED ((CK_RV)-2)

mock_state mock = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.event = PTHREAD_COND_INITIALIZER,
};

#define MOCK_NAME(kind, name, params, args) #name,
static const char *const function_names[MOCK_FN_COUNT] = { HKP11_FUNCTIONS_2_40 (
	MOCK_NAME) HKP11_FUNCTIONS_3_0 (MOCK_NAME) };
#undef MOCK_NAME

int
mock_function_index (const char *name)
{
	for (int i = 0; name && i < MOCK_FN_COUNT; i++) {
		if (strcmp (function_names[i], name) == 0)
			return i;
	}
	return -1;
}

const char *
mock_function_name (int index)
{
	return index >= 0 && index < MOCK_FN_COUNT ? function_names[index] : "?";
}

/* Functions nobody gave a body answer CKR_FUNCTION_NOT_SUPPORTED. */
#define MOCK_WEAK(kind, name, params, args) MOCK_WEAK_##kind (name, params)
#define MOCK_WEAK_special(name, params)
#define MOCK_WEAK_forward(name, params) \
	__attribute__ ((weak)) CK_RV mock_impl_##name params \
	{ \
		return CKR_FUNCTION_NOT_SUPPORTED; \
	}
HKP11_FUNCTIONS_2_40 (MOCK_WEAK)
HKP11_FUNCTIONS_3_0 (MOCK_WEAK)
#undef MOCK_WEAK
#undef MOCK_WEAK_special
#undef MOCK_WEAK_forward

static CK_RV
gate (int index)
{
	if (index != MOCK_FN_C_Initialize && mock.fail_set[index])
		return mock.fail[index];
	switch (index) {
	case MOCK_FN_C_Initialize:
	case MOCK_FN_C_GetFunctionList:
	case MOCK_FN_C_GetInterfaceList:
	case MOCK_FN_C_GetInterface:
		return MOCK_PROCEED;
	}
	if (!mock.initialized)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (index == MOCK_FN_C_Finalize)
		return MOCK_PROCEED;
	mock.calls++;
	mock_present_sync ();
	if (mock.set.remove_after != 0 && mock.calls > mock.set.remove_after) {
		mock.set.remove_after = 0;
		for (int i = 0; i < MOCK_N_SLOTS; i++) {
			if (mock.tokens[i].present) {
				mock_token_remove (&mock.tokens[i]);
				mock_slot_event (mock.tokens[i].slot);
			}
		}
	}
	return MOCK_PROCEED;
}

#define MOCK_WRAP(kind, name, params, args) \
	static CK_RV mock_##name params \
	{ \
		mock_rec_walk walk_; \
		CK_RV rv_; \
		mock_rec_begin (&walk_, MOCK_FN_##name); \
		P11E_EACH_T (MOCK_REC_ARG, args) \
		mock_rec_args_done (&walk_); \
		rv_ = gate (MOCK_FN_##name); \
		if (rv_ == MOCK_PROCEED) \
			rv_ = mock_impl_##name args; \
		return mock_rec_end (&walk_, rv_); \
	}
HKP11_FUNCTIONS_2_40 (MOCK_WRAP)
HKP11_FUNCTIONS_3_0 (MOCK_WRAP)
#undef MOCK_WRAP

#define MOCK_FIELD(kind, name, params, args) .name = mock_##name,
static CK_FUNCTION_LIST_3_0 table_3_0 = { .version = { 3, 0 },
					  HKP11_FUNCTIONS_2_40 (MOCK_FIELD)
						  HKP11_FUNCTIONS_3_0 (MOCK_FIELD) };
static CK_FUNCTION_LIST table_2 = { .version = { 2, 40 }, HKP11_FUNCTIONS_2_40 (MOCK_FIELD) };
#undef MOCK_FIELD

static CK_INTERFACE interfaces[] = {
	{ (CK_CHAR *)"PKCS 11", &table_3_0, 0 },
	{ (CK_CHAR *)"PKCS 11", &table_2, 0 },
};
#define N_INTERFACES (sizeof interfaces / sizeof interfaces[0])

CK_VERSION
mock_version_from_env (void)
{
	const char *v = getenv ("MOCK_P11_VERSION");
	CK_VERSION version = { 3, 0 };
	if (v != NULL && strcmp (v, "2.20") == 0)
		version.minor = 20;
	else if (v != NULL && strcmp (v, "2.40") == 0)
		version.minor = 40;
	else
		return version;
	version.major = 2;
	return version;
}

CK_RV
mock_impl_C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	CK_VERSION v = mock_version_from_env ();
	/* A 3.0 module's C_GetFunctionList still hands out the 2.40 layout. */
	table_2.version = v.major >= 3 ? (CK_VERSION){ 2, 40 } : v;
	*list = &table_2;
	return CKR_OK;
}

CK_RV
mock_impl_C_GetInterfaceList (CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	if (mock_version_from_env ().major < 3)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list == NULL) {
		*count = N_INTERFACES;
		return CKR_OK;
	}
	if (*count < N_INTERFACES) {
		*count = N_INTERFACES;
		return CKR_BUFFER_TOO_SMALL;
	}
	table_2.version = (CK_VERSION){ 2, 40 };
	memcpy (list, interfaces, sizeof interfaces);
	*count = N_INTERFACES;
	return CKR_OK;
}

CK_RV
mock_impl_C_GetInterface (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
			  CK_FLAGS flags)
{
	if (mock_version_from_env ().major < 3)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (iface == NULL)
		return CKR_ARGUMENTS_BAD;
	table_2.version = (CK_VERSION){ 2, 40 };
	*iface = hkp11_interface_find (interfaces, N_INTERFACES, name, version, flags);
	return *iface != NULL ? CKR_OK : CKR_ARGUMENTS_BAD;
}

MOCK_EXPORT CK_RV
C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	return mock_C_GetFunctionList (list);
}

MOCK_EXPORT CK_RV
C_GetInterfaceList (CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	return mock_C_GetInterfaceList (list, count);
}

MOCK_EXPORT CK_RV
C_GetInterface (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
		CK_FLAGS flags)
{
	return mock_C_GetInterface (name, version, iface, flags);
}

/* The controls of mock-p11.h. */

MOCK_EXPORT int
mock_p11_fail (const char *function, CK_RV rv)
{
	int i = mock_function_index (function);
	if (i < 0)
		return -1;
	pthread_mutex_lock (&mock.lock);
	mock.fail[i] = rv;
	mock.fail_set[i] = rv != CKR_OK;
	pthread_mutex_unlock (&mock.lock);
	return 0;
}

MOCK_EXPORT int
mock_p11_set_present (CK_SLOT_ID slot, int present)
{
	pthread_mutex_lock (&mock.lock);
	mock_token *t = mock_token_any (slot);
	if (t != NULL && (bool)present != t->present) {
		if (present)
			mock_token_insert (t);
		else
			mock_token_remove (t);
		mock_slot_event (slot);
	}
	pthread_mutex_unlock (&mock.lock);
	return t ? 0 : -1;
}

CK_ULONG
mock_size_answer (CK_ULONG real)
{
	return mock.set.odd_length ? mock.set.odd_len : real;
}

MOCK_EXPORT void
mock_p11_odd_length (int on, CK_ULONG len)
{
	pthread_mutex_lock (&mock.lock);
	mock.set.odd_length = on != 0;
	mock.set.odd_len = len;
	pthread_mutex_unlock (&mock.lock);
}

MOCK_EXPORT long
mock_p11_user_tries_left (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&mock.lock);
	mock_token *t = mock_token_any (slot);
	long left = t ? (long)t->user_tries : -1;
	pthread_mutex_unlock (&mock.lock);
	return left;
}
