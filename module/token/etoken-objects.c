/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "token/etoken-objects.h"
#include "base/debug.h"
#include "p11/etoken.h"

#include <stdint.h>
#include <string.h>

/* A CK_ULONG by the book, but accept what a vendor may hand back instead. */
static bool
decode_number (const CK_ATTRIBUTE *attr, const unsigned char *raw, unsigned long *out)
{
	if (attr->ulValueLen == sizeof (CK_ULONG)) {
		CK_ULONG v;
		memcpy (&v, raw, sizeof v);
		*out = v;
	} else if (attr->ulValueLen == sizeof (uint32_t)) {
		uint32_t v;
		memcpy (&v, raw, sizeof v);
		*out = v;
	} else if (attr->ulValueLen == 1) {
		*out = raw[0];
	} else {
		return false;
	}
	return true;
}

typedef struct {
	CK_ATTRIBUTE_TYPE type;
	bool found;
	unsigned long value;
} number_attr;

/* Finds the feature object of the given type and reads numbers from it. */
static hkp11_etoken_result
read_feature (const CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot, CK_HW_FEATURE_TYPE feature,
	      number_attr *attrs, size_t n_attrs)
{
	CK_OBJECT_CLASS klass = CKO_HW_FEATURE;
	CK_ATTRIBUTE find[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_HW_FEATURE_TYPE, &feature, sizeof feature },
	};
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE object;
	CK_ULONG found = 0;
	hkp11_etoken_result result = HKP11_ETOKEN_FAILED;
	CK_RV rv;

	rv = f->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &session);
	if (rv != CKR_OK)
		return HKP11_ETOKEN_FAILED;
	rv = f->C_FindObjectsInit (session, find, 2);
	if (rv == CKR_OK) {
		rv = f->C_FindObjects (session, &object, 1, &found);
		f->C_FindObjectsFinal (session);
	}
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_VALUE_INVALID ||
	    rv == CKR_TEMPLATE_INCONSISTENT || (rv == CKR_OK && found == 0)) {
		result = HKP11_ETOKEN_ABSENT;
		goto out;
	}
	if (rv != CKR_OK)
		goto out;

	/* One attribute at a time: a token may know some and not others. */
	result = HKP11_ETOKEN_ABSENT;
	for (size_t i = 0; i < n_attrs; i++) {
		unsigned char raw[sizeof (CK_ULONG)];
		CK_ATTRIBUTE attr = { attrs[i].type, raw, sizeof raw };
		attrs[i].found = false;
		rv = f->C_GetAttributeValue (session, object, &attr, 1);
		if (rv == CKR_OK && attr.ulValueLen != CK_UNAVAILABLE_INFORMATION &&
		    decode_number (&attr, raw, &attrs[i].value)) {
			attrs[i].found = true;
			result = HKP11_ETOKEN_FOUND;
		} else if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
			   rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_BUFFER_TOO_SMALL) {
			result = HKP11_ETOKEN_FAILED;
			break;
		}
	}
out:
	f->C_CloseSession (session);
	return result;
}

hkp11_etoken_result
hkp11_etoken_read_retries (const CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot, unsigned long *left,
			   unsigned long *max)
{
	hkp11_return_val_if_fail (f != NULL && left != NULL && max != NULL, HKP11_ETOKEN_FAILED);
	number_attr attrs[] = {
		{ ETCKA_RETRY_USER, false, 0 },
		{ ETCKA_RETRY_USER_MAX, false, 0 },
	};
	hkp11_etoken_result result = read_feature (f, slot, ETCKH_TOKEN_OBJECT, attrs, 2);
	if (result != HKP11_ETOKEN_FOUND)
		return result;
	/* Without the counter itself the maximum tells nothing. */
	if (!attrs[0].found)
		return HKP11_ETOKEN_ABSENT;
	*left = attrs[0].value;
	*max = attrs[1].found ? attrs[1].value : 0;
	return HKP11_ETOKEN_FOUND;
}

hkp11_etoken_result
hkp11_etoken_read_pin_policy (const CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot,
			      hkp11_pin_rules *rules)
{
	hkp11_return_val_if_fail (f != NULL && rules != NULL, HKP11_ETOKEN_FAILED);
	enum { MIN_LEN, MAX_LEN, MIX, REPEATED, NUMBERS, UPPER, LOWER, SPECIAL, N };
	number_attr attrs[N] = {
		[MIN_LEN] = { ETCKA_PIN_MIN_LEN, false, 0 },
		[MAX_LEN] = { ETCKA_PIN_MAX_LEN, false, 0 },
		[MIX] = { ETCKA_PIN_MIX_CHARS, false, 0 },
		[REPEATED] = { ETCKA_PIN_MAX_REPEATED, false, 0 },
		[NUMBERS] = { ETCKA_PIN_NUMBERS, false, 0 },
		[UPPER] = { ETCKA_PIN_UPPER_CASE, false, 0 },
		[LOWER] = { ETCKA_PIN_LOWER_CASE, false, 0 },
		[SPECIAL] = { ETCKA_PIN_SPECIAL, false, 0 },
	};
	static const struct {
		int index;
		unsigned int klass;
	} classes[] = {
		{ NUMBERS, HKP11_PIN_DIGIT },
		{ UPPER, HKP11_PIN_UPPER },
		{ LOWER, HKP11_PIN_LOWER },
		{ SPECIAL, HKP11_PIN_SPECIAL },
	};

	memset (rules, 0, sizeof *rules);
	hkp11_etoken_result result = read_feature (f, slot, ETCKH_PIN_POLICY, attrs, N);
	if (result != HKP11_ETOKEN_FOUND)
		return result;

	if (attrs[MIN_LEN].found && attrs[MIN_LEN].value < 1024)
		rules->min_length = (unsigned int)attrs[MIN_LEN].value;
	if (attrs[MAX_LEN].found && attrs[MAX_LEN].value < 1024)
		rules->max_length = (unsigned int)attrs[MAX_LEN].value;
	if (attrs[REPEATED].found && attrs[REPEATED].value < 1024)
		rules->max_repeated = (unsigned int)attrs[REPEATED].value;
	/* SAC's "mix characters": three of the four kinds (unconfirmed). */
	if (attrs[MIX].found && attrs[MIX].value != 0)
		rules->min_classes = 3;
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		if (!attrs[classes[i].index].found)
			continue;
		if (attrs[classes[i].index].value == ETCK_PIN_ENFORCE)
			rules->require |= classes[i].klass;
		else if (attrs[classes[i].index].value == ETCK_PIN_FORBIDDEN)
			rules->forbid |= classes[i].klass;
	}
	return HKP11_ETOKEN_FOUND;
}
