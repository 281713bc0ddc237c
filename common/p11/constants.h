/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of PKCS#11 constants, for logs and messages: return values (CKR_),
 * mechanisms (CKM_), attribute types (CKA_), object classes (CKO_), key
 * types (CKK_), user types (CKU_) and the API's functions.
 *
 * Lookups return NULL for a value without a name; callers print the number.
 */
#ifndef HKP11_CONSTANTS_H
#define HKP11_CONSTANTS_H

#include "p11/p11.h"

#include <stddef.h>

typedef struct {
	CK_ULONG value;
	const char *name;
} hkp11_constant;

const char *hkp11_rv_name (CK_RV rv);
const char *hkp11_mechanism_name (CK_MECHANISM_TYPE mech);
const char *hkp11_attribute_name (CK_ATTRIBUTE_TYPE type);
const char *hkp11_class_name (CK_OBJECT_CLASS klass);
const char *hkp11_key_type_name (CK_KEY_TYPE type);
const char *hkp11_user_type_name (CK_USER_TYPE type);

/* Every function of the API description, in CK_FUNCTION_LIST_3_0 order. */
typedef enum {
#define HKP11_FN_ENUM(kind, name, params, args) HKP11_FN_##name,
	HKP11_FUNCTIONS_2_40 (HKP11_FN_ENUM) HKP11_FUNCTIONS_3_0 (HKP11_FN_ENUM)
#undef HKP11_FN_ENUM
		HKP11_FN_COUNT
} hkp11_function_id;

/* "C_Login" for HKP11_FN_C_Login; NULL when out of range. */
const char *hkp11_function_name (hkp11_function_id fn);

/* The id of a function name, or -1 when the API has no such function. */
int hkp11_function_lookup (const char *name);

/* The tables themselves, sorted by value, for tests. */
typedef enum {
	HKP11_CONST_RV,
	HKP11_CONST_MECHANISM,
	HKP11_CONST_ATTRIBUTE,
	HKP11_CONST_CLASS,
	HKP11_CONST_KEY_TYPE,
	HKP11_CONST_USER_TYPE,
} hkp11_constant_kind;

const hkp11_constant *hkp11_constant_table (hkp11_constant_kind kind, size_t *count);

#endif
