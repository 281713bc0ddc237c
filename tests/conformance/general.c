/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Library, slots, tokens and mechanisms: what an application asks before
 * it opens a session.
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

/* Blank-padded text fields carry no NUL, and are recorded as they are. */
static void
assert_padded (const char *what, const unsigned char *field, size_t len)
{
	ck_assert_msg (memchr (field, '\0', len) == NULL, "%s holds a NUL: not blank-padded", what);
}

static CK_RV
dummy_create_mutex (CK_VOID_PTR_PTR mutex)
{
	return CKR_OK;
}

CONF_TEST (test_initialize)
{
	CK_C_INITIALIZE_ARGS args, partial;
	CK_INFO info;
	CK_ULONG n = 0;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slots[16];

	memset (&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	CALL (CKR_CRYPTOKI_ALREADY_INITIALIZED, C_Initialize, &args);
	CALL (CKR_CRYPTOKI_ALREADY_INITIALIZED, C_Initialize, NULL);
	/* C_Finalize's argument is reserved and must be NULL. */
	CALL (CKR_ARGUMENTS_BAD, C_Finalize, &args);
	CALL (CKR_OK, C_Finalize, NULL);

	/* Everything answers "not initialised" now. */
	CALL (CKR_CRYPTOKI_NOT_INITIALIZED, C_Finalize, NULL);
	CALL (CKR_CRYPTOKI_NOT_INITIALIZED, C_GetInfo, &info);
	CALL (CKR_CRYPTOKI_NOT_INITIALIZED, C_GetSlotList, CK_FALSE, NULL, &n);
	CALL (CKR_CRYPTOKI_NOT_INITIALIZED, C_GetTokenInfo, conf_slot, &ti);
	CALL (CKR_CRYPTOKI_NOT_INITIALIZED, C_OpenSession, conf_slot, CKF_SERIAL_SESSION, NULL,
	      NULL, &s);

	/* The four mutex callbacks come all together or not at all. */
	memset (&partial, 0, sizeof partial);
	partial.CreateMutex = dummy_create_mutex;
	CALL (CKR_ARGUMENTS_BAD, C_Initialize, &partial);
	CALL (CKR_CRYPTOKI_NOT_INITIALIZED, C_GetInfo, &info);

	/* NULL arguments: no locking information at all. */
	CALL (CKR_OK, C_Initialize, NULL);
	CALL (CKR_CRYPTOKI_ALREADY_INITIALIZED, C_Initialize, NULL);
	CALL (CKR_OK, C_Finalize, NULL);

	CALL (CKR_OK, C_Initialize, &args);
	n = N_ELEMENTS (slots);
	/* The token outlives the library's finalisation, though SoftHSM then
	 * gives it a slot id derived from its serial number. */
	CALL (CKR_OK, C_GetSlotList, CK_TRUE, slots, &n);
	for (CK_ULONG i = 0; i < n; i++) {
		CALL (CKR_OK, C_GetTokenInfo, slots[i], &ti);
		OUT ("flags=0x%lx label='%.32s'", (unsigned long)ti.flags, ti.label);
		if (ti.flags & CKF_TOKEN_INITIALIZED)
			conf_slot = slots[i];
	}
	ck_assert_uint_eq (n, 2);
	s = conf_session (true, true);
	CALL (CKR_OK, C_CloseSession, s);
}

CONF_TEST (test_get_info)
{
	CK_INFO info;

	memset (&info, 0, sizeof info);
	CALL (CKR_OK, C_GetInfo, &info);
	assert_padded ("manufacturerID", info.manufacturerID, sizeof info.manufacturerID);
	assert_padded ("libraryDescription", info.libraryDescription,
		       sizeof info.libraryDescription);
	/* Not the library's name and version: through the shim they are
	 * hkpost-p11's (tests/version.sh checks them). */
	OUT ("cryptoki=%u.%u flags=0x%lx", info.cryptokiVersion.major, info.cryptokiVersion.minor,
	     (unsigned long)info.flags);
	ck_assert_uint_eq (info.cryptokiVersion.major, 2);

	CALL (CKR_ARGUMENTS_BAD, C_GetInfo, NULL);
}

CONF_TEST (test_slot_list)
{
	CK_SLOT_ID slots[16];
	CK_ULONG all = 0, present = 0, n;
	bool found = false;

	CALL (CKR_OK, C_GetSlotList, CK_FALSE, NULL, &all);
	OUT ("slots=%lu", (unsigned long)all);
	/* SoftHSM keeps one free slot next to every initialised token. */
	ck_assert_uint_ge (all, 2);
	ck_assert_uint_le (all, N_ELEMENTS (slots));
	CALL (CKR_OK, C_GetSlotList, CK_TRUE, NULL, &present);
	OUT ("with token=%lu", (unsigned long)present);

	/* A short buffer is refused and told the size it needs. */
	n = 1;
	CALL (CKR_BUFFER_TOO_SMALL, C_GetSlotList, CK_FALSE, slots, &n);
	OUT_EQ ("needed", n, all);

	n = N_ELEMENTS (slots);
	CALL (CKR_OK, C_GetSlotList, CK_FALSE, slots, &n);
	OUT_EQ ("listed", n, all);
	for (CK_ULONG i = 0; i < n; i++)
		found |= slots[i] == conf_slot;
	ck_assert_msg (found, "the token's slot is not listed");

	n = N_ELEMENTS (slots);
	CALL (CKR_OK, C_GetSlotList, CK_TRUE, slots, &n);
	OUT_EQ ("listed with token", n, present);

	CALL (CKR_ARGUMENTS_BAD, C_GetSlotList, CK_FALSE, slots, NULL);
	CALL (CKR_ARGUMENTS_BAD, C_GetSlotList, CK_TRUE, NULL, NULL);
}

CONF_TEST (test_slot_info)
{
	CK_SLOT_INFO si;

	memset (&si, 0, sizeof si);
	CALL (CKR_OK, C_GetSlotInfo, conf_slot, &si);
	assert_padded ("slotDescription", si.slotDescription, sizeof si.slotDescription);
	assert_padded ("manufacturerID", si.manufacturerID, sizeof si.manufacturerID);
	OUT ("flags=0x%lx hardware=%u.%u firmware=%u.%u", (unsigned long)si.flags,
	     si.hardwareVersion.major, si.hardwareVersion.minor, si.firmwareVersion.major,
	     si.firmwareVersion.minor);
	/* The description names the slot's number: only its length compares. */
	OUT ("manufacturer='%.32s'", si.manufacturerID);
	ck_assert (si.flags & CKF_TOKEN_PRESENT);

	CALL (CKR_SLOT_ID_INVALID, C_GetSlotInfo, CONF_BAD_SLOT, &si);
	CALL (CKR_ARGUMENTS_BAD, C_GetSlotInfo, conf_slot, NULL);
}

static void
record_token_info (const CK_TOKEN_INFO *ti)
{
	assert_padded ("label", ti->label, sizeof ti->label);
	assert_padded ("manufacturerID", ti->manufacturerID, sizeof ti->manufacturerID);
	assert_padded ("model", ti->model, sizeof ti->model);
	assert_padded ("serialNumber", ti->serialNumber, sizeof ti->serialNumber);
	/* Serial numbers and the clock differ from run to run. */
	OUT ("label='%.32s' manufacturer='%.32s' model='%.16s'", ti->label, ti->manufacturerID,
	     ti->model);
	OUT ("flags=0x%lx sessions=%lu/%lu rw=%lu/%lu pin=%lu..%lu", (unsigned long)ti->flags,
	     (unsigned long)ti->ulSessionCount, (unsigned long)ti->ulMaxSessionCount,
	     (unsigned long)ti->ulRwSessionCount, (unsigned long)ti->ulMaxRwSessionCount,
	     (unsigned long)ti->ulMinPinLen, (unsigned long)ti->ulMaxPinLen);
	OUT ("memory public=%lu/%lu private=%lu/%lu hardware=%u.%u firmware=%u.%u",
	     (unsigned long)ti->ulFreePublicMemory, (unsigned long)ti->ulTotalPublicMemory,
	     (unsigned long)ti->ulFreePrivateMemory, (unsigned long)ti->ulTotalPrivateMemory,
	     ti->hardwareVersion.major, ti->hardwareVersion.minor, ti->firmwareVersion.major,
	     ti->firmwareVersion.minor);
}

CONF_TEST (test_token_info)
{
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slots[16];
	CK_ULONG n = N_ELEMENTS (slots);
	CK_UTF8CHAR label[32];

	memset (&ti, 0, sizeof ti);
	CALL (CKR_OK, C_GetTokenInfo, conf_slot, &ti);
	record_token_info (&ti);
	memset (label, ' ', sizeof label);
	memcpy (label, CONF_TOKEN_LABEL, strlen (CONF_TOKEN_LABEL));
	ck_assert (memcmp (ti.label, label, sizeof label) == 0);
	ck_assert (ti.flags & CKF_TOKEN_INITIALIZED);
	ck_assert (ti.flags & CKF_USER_PIN_INITIALIZED);
	ck_assert (ti.flags & CKF_LOGIN_REQUIRED);

	/* The free slot's token is not initialised yet. */
	CALL (CKR_OK, C_GetSlotList, CK_TRUE, slots, &n);
	for (CK_ULONG i = 0; i < n; i++) {
		if (slots[i] == conf_slot)
			continue;
		CALL (CKR_OK, C_GetTokenInfo, slots[i], &ti);
		record_token_info (&ti);
		ck_assert (!(ti.flags & CKF_TOKEN_INITIALIZED));
	}

	CALL (CKR_SLOT_ID_INVALID, C_GetTokenInfo, CONF_BAD_SLOT, &ti);
	CALL (CKR_ARGUMENTS_BAD, C_GetTokenInfo, conf_slot, NULL);
}

CONF_TEST (test_mechanisms)
{
	CK_MECHANISM_TYPE mechs[256];
	CK_ULONG n = 0, small;
	CK_MECHANISM_INFO info;
	static const CK_MECHANISM_TYPE needed[] = {
		CKM_RSA_PKCS_KEY_PAIR_GEN,
		CKM_RSA_PKCS,
		CKM_SHA256_RSA_PKCS,
		CKM_RSA_PKCS_PSS,
		CKM_SHA256_RSA_PKCS_PSS,
		CKM_RSA_PKCS_OAEP,
		CKM_EC_KEY_PAIR_GEN,
		CKM_ECDSA,
		CKM_ECDH1_DERIVE,
		CKM_AES_KEY_GEN,
		CKM_AES_CBC_PAD,
		CKM_AES_KEY_WRAP,
		CKM_SHA256,
		CKM_SHA256_HMAC,
	};

	CALL (CKR_OK, C_GetMechanismList, conf_slot, NULL, &n);
	OUT ("mechanisms=%lu", (unsigned long)n);
	ck_assert_uint_gt (n, 1);
	ck_assert_uint_le (n, N_ELEMENTS (mechs));
	small = 1;
	CALL (CKR_BUFFER_TOO_SMALL, C_GetMechanismList, conf_slot, mechs, &small);
	OUT_EQ ("needed", small, n);
	small = n;
	CALL (CKR_OK, C_GetMechanismList, conf_slot, mechs, &small);
	OUT_EQ ("listed", small, n);

	for (CK_ULONG i = 0; i < n; i++) {
		memset (&info, 0, sizeof info);
		CALL (CKR_OK, C_GetMechanismInfo, conf_slot, mechs[i], &info);
		OUT ("0x%lx keys=%lu..%lu flags=0x%lx", (unsigned long)mechs[i],
		     (unsigned long)info.ulMinKeySize, (unsigned long)info.ulMaxKeySize,
		     (unsigned long)info.flags);
	}
	for (size_t i = 0; i < N_ELEMENTS (needed); i++) {
		bool listed = false;
		for (CK_ULONG j = 0; j < n; j++)
			listed |= mechs[j] == needed[i];
		ck_assert_msg (listed, "mechanism 0x%lx is not listed", (unsigned long)needed[i]);
	}

	CALL (CKR_MECHANISM_INVALID, C_GetMechanismInfo, conf_slot, CKM_VENDOR_DEFINED | 0x4242,
	      &info);
	CALL (CKR_SLOT_ID_INVALID, C_GetMechanismInfo, CONF_BAD_SLOT, CKM_SHA256, &info);
	CALL (CKR_SLOT_ID_INVALID, C_GetMechanismList, CONF_BAD_SLOT, NULL, &n);
	CALL (CKR_ARGUMENTS_BAD, C_GetMechanismInfo, conf_slot, CKM_SHA256, NULL);
	CALL (CKR_ARGUMENTS_BAD, C_GetMechanismList, conf_slot, mechs, NULL);
}

/* Functions SoftHSM leaves out or answers with a fixed code. */
CONF_TEST (test_legacy_functions)
{
	CK_SESSION_HANDLE s = conf_session (true, false);
	CK_SLOT_ID slot;
	CK_BYTE in[16] = { 0 }, out[64];
	CK_ULONG out_len = sizeof out;
	CK_MECHANISM mech = { CKM_RSA_PKCS, NULL, 0 };

	CALL (CKR_FUNCTION_NOT_PARALLEL, C_GetFunctionStatus, s);
	CALL (CKR_FUNCTION_NOT_PARALLEL, C_CancelFunction, s);
	/* No slot events without blocking: SoftHSM says so rather than "not supported". */
	CALL (CKR_NO_EVENT, C_WaitForSlotEvent, CKF_DONT_BLOCK, &slot, NULL);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_SignRecoverInit, s, &mech, CONF_BAD_HANDLE);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_SignRecover, s, in, sizeof in, out, &out_len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_VerifyRecoverInit, s, &mech, CONF_BAD_HANDLE);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_VerifyRecover, s, in, sizeof in, out, &out_len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_DigestEncryptUpdate, s, in, sizeof in, out, &out_len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_DecryptDigestUpdate, s, in, sizeof in, out, &out_len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_SignEncryptUpdate, s, in, sizeof in, out, &out_len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_DecryptVerifyUpdate, s, in, sizeof in, out, &out_len);
}

CONF_TEST (test_init_token)
{
	CK_UTF8CHAR label[32];
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;

	memset (label, ' ', sizeof label);
	memcpy (label, "renewed", 7);

	s = conf_session (false, false);
	CALL (CKR_SESSION_EXISTS, C_InitToken, conf_slot, (CK_UTF8CHAR_PTR)CONF_SO_PIN,
	      strlen (CONF_SO_PIN), label);
	CALL (CKR_OK, C_CloseSession, s);

	CALL (CKR_PIN_INCORRECT, C_InitToken, conf_slot, (CK_UTF8CHAR_PTR) "wrong-so-pin", 12,
	      label);
	CALL (CKR_ARGUMENTS_BAD, C_InitToken, conf_slot, (CK_UTF8CHAR_PTR)CONF_SO_PIN,
	      strlen (CONF_SO_PIN), NULL);
	CALL (CKR_SLOT_ID_INVALID, C_InitToken, CONF_BAD_SLOT, (CK_UTF8CHAR_PTR)CONF_SO_PIN,
	      strlen (CONF_SO_PIN), label);

	/* Re-initialising wipes the user PIN and takes the new label. */
	CALL (CKR_OK, C_InitToken, conf_slot, (CK_UTF8CHAR_PTR)CONF_SO_PIN, strlen (CONF_SO_PIN),
	      label);
	CALL (CKR_OK, C_GetTokenInfo, conf_slot, &ti);
	record_token_info (&ti);
	ck_assert (memcmp (ti.label, label, sizeof label) == 0);
	ck_assert (!(ti.flags & CKF_USER_PIN_INITIALIZED));

	s = conf_session (true, false);
	CALL (CKR_USER_PIN_NOT_INITIALIZED, C_Login, s, CKU_USER, (CK_UTF8CHAR_PTR)CONF_USER_PIN,
	      strlen (CONF_USER_PIN));
}

TCase *
conf_tcase_general (void)
{
	TCase *tc = conf_tcase_new ("general");
	tcase_add_test (tc, test_initialize);
	tcase_add_test (tc, test_get_info);
	tcase_add_test (tc, test_slot_list);
	tcase_add_test (tc, test_slot_info);
	tcase_add_test (tc, test_token_info);
	tcase_add_test (tc, test_mechanisms);
	tcase_add_test (tc, test_legacy_functions);
	tcase_add_test (tc, test_init_token);
	return tc;
}
