/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tables the module hands out: every function of the API, refusing
 * before C_Initialize and then dispatched through the stack.  Every table
 * is the shim's own, whatever version the backend speaks.  The exported
 * symbols that hand them out are module/entry.c's.
 */
#include "config.h"
#include "core/shim.h"
#include "p11/interface.h"

#include <string.h>

/* Forwarded functions: refuse before C_Initialize, then dispatch. */
#define ENTRY(kind, name, params, args) ENTRY_##kind (name, params, args)
#define ENTRY_special(name, params, args)
#define ENTRY_forward(name, params, args) \
	static CK_RV entry_##name params \
	{ \
		if (!hkp11_is_initialized ()) \
			return CKR_CRYPTOKI_NOT_INITIALIZED; \
		return hkp11_dispatch.name args; \
	}
HKP11_FUNCTIONS_2_40 (ENTRY)
HKP11_FUNCTIONS_3_0 (ENTRY)
#undef ENTRY
#undef ENTRY_special
#undef ENTRY_forward

static CK_RV
entry_C_Initialize (CK_VOID_PTR pInitArgs)
{
	return hkp11_shim_initialize (pInitArgs);
}

static CK_RV
entry_C_Finalize (CK_VOID_PTR pReserved)
{
	return hkp11_shim_finalize (pReserved);
}

/* The tables hold the shim's own list functions too. */
#define entry_C_GetFunctionList hkp11_get_function_list
#define entry_C_GetInterfaceList hkp11_get_interface_list
#define entry_C_GetInterface hkp11_get_interface

#define FIELD(kind, name, params, args) .name = entry_##name,

static CK_FUNCTION_LIST functions_2_40 = { .version = { 2, 40 }, HKP11_FUNCTIONS_2_40 (FIELD) };

static CK_FUNCTION_LIST_3_0 functions_3_0 = { .version = { 3, 0 },
					      HKP11_FUNCTIONS_2_40 (FIELD)
						      HKP11_FUNCTIONS_3_0 (FIELD) };

#undef FIELD

/* The 3.0 interface first: it is the default.  Neither is fork-safe in
 * the 3.0 sense: a child must call C_Initialize again, as with p11-kit. */
static CK_INTERFACE interfaces[] = {
	{ (CK_CHAR *)HKP11_INTERFACE_NAME, &functions_3_0, 0 },
	{ (CK_CHAR *)HKP11_INTERFACE_NAME, &functions_2_40, 0 },
};
#define N_INTERFACES (sizeof interfaces / sizeof interfaces[0])

CK_RV
hkp11_get_function_list (CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &functions_2_40;
	return CKR_OK;
}

CK_RV
hkp11_get_interface_list (CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
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
	memcpy (list, interfaces, sizeof interfaces);
	*count = N_INTERFACES;
	return CKR_OK;
}

CK_RV
hkp11_get_interface (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
		     CK_FLAGS flags)
{
	if (iface == NULL)
		return CKR_ARGUMENTS_BAD;
	*iface = hkp11_interface_find (interfaces, N_INTERFACES, name, version, flags);
	/* Never CKR_OK with a NULL interface: NSS would crash on it. */
	return *iface != NULL ? CKR_OK : CKR_ARGUMENTS_BAD;
}
