/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the mock tells about itself: library, slot and token information.
 */
#include "config.h"
#include "mock.h"
#include "p11/etoken.h"

#include <stdio.h>
#include <string.h>

CK_RV
mock_impl_C_GetInfo (CK_INFO_PTR info)
{
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	info->cryptokiVersion = mock.set.version;
	mock_pad (info->manufacturerID, sizeof info->manufacturerID,
		  mock.set.etoken ? ETOKEN_MANUFACTURER : "hkpost-p11 tests");
	mock_pad (info->libraryDescription, sizeof info->libraryDescription,
		  mock.set.etoken ? ETOKEN_LIBRARY_DESCRIPTION : "hkpost-p11 mock backend");
	info->libraryVersion = mock.set.etoken ? (CK_VERSION){ 9, 1 } : (CK_VERSION){ 1, 7 };
	return CKR_OK;
}

CK_RV
mock_impl_C_GetSlotList (CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_SLOT_ID slots[MOCK_N_SLOTS];
	CK_ULONG n = 0;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	for (int i = 0; i < MOCK_N_SLOTS; i++) {
		if (!token_present || mock.tokens[i].present)
			slots[n++] = mock.tokens[i].slot;
	}
	if (list == NULL) {
		*count = mock_size_answer (n);
		return CKR_OK;
	}
	if (*count < n) {
		*count = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy (list, slots, n * sizeof slots[0]);
	*count = n;
	return CKR_OK;
}

CK_RV
mock_impl_C_GetSlotInfo (CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	mock_token *t = mock_token_any (slot);
	char text[64];

	if (t == NULL)
		return CKR_SLOT_ID_INVALID;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	snprintf (text, sizeof text, mock.set.etoken ? "AKS ifdh %lu" : "Mock reader %lu",
		  (unsigned long)slot);
	mock_pad (info->slotDescription, sizeof info->slotDescription, text);
	mock_pad (info->manufacturerID, sizeof info->manufacturerID,
		  mock.set.etoken ? ETOKEN_MANUFACTURER : "hkpost-p11 tests");
	info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (t->present ? CKF_TOKEN_PRESENT : 0);
	info->hardwareVersion = (CK_VERSION){ 1, 0 };
	info->firmwareVersion = (CK_VERSION){ 2, 3 };
	return CKR_OK;
}

CK_RV
mock_impl_C_GetTokenInfo (CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv;
	mock_token *t = mock_token_get (slot, &rv);

	if (t == NULL)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	/* The PIN flags as they are now, whoever spent the tries. */
	mock_state_load (t);
	memset (info, 0, sizeof *info);
	memcpy (info->label, t->label, sizeof info->label);
	mock_pad (info->manufacturerID, sizeof info->manufacturerID,
		  mock.set.etoken ? ETOKEN_MANUFACTURER : "hkpost-p11 tests");
	mock_pad (info->model, sizeof info->model,
		  mock.set.model[0] ? mock.set.model
		  : mock.set.etoken ? ETOKEN_MODEL
				    : "mock");
	mock_pad (info->serialNumber, sizeof info->serialNumber, t->serial);
	info->flags = CKF_RNG | CKF_LOGIN_REQUIRED | mock_token_pin_flags (t) |
		      (t->user_pin_set ? CKF_USER_PIN_INITIALIZED : 0) |
		      (t->initialized ? CKF_TOKEN_INITIALIZED : 0) |
		      (mock.set.pin_pad ? CKF_PROTECTED_AUTHENTICATION_PATH : 0);
	info->ulMaxSessionCount = MOCK_MAX_SESSIONS;
	info->ulSessionCount = mock_count_sessions (slot, 0);
	info->ulMaxRwSessionCount = MOCK_MAX_SESSIONS;
	info->ulRwSessionCount = mock_count_sessions (slot, CKF_RW_SESSION);
	info->ulMaxPinLen = MOCK_MAX_PIN;
	info->ulMinPinLen = MOCK_MIN_PIN;
	if (mock.set.etoken && mock.set.pin_policy) {
		info->ulMaxPinLen = mock.set.policy_max_len;
		info->ulMinPinLen = mock.set.policy_min_len;
	}
	info->ulTotalPublicMemory = info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion = (CK_VERSION){ 4, 29 };
	info->firmwareVersion = (CK_VERSION){ 2, 0 };
	mock_pad (info->utcTime, sizeof info->utcTime, "");
	return CKR_OK;
}
