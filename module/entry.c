/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module's entry points: the only symbols it exports are
 * C_GetFunctionList, C_GetInterfaceList and C_GetInterface.  The tables
 * they hand out are module/core/functions.c's; everything else is in the
 * convenience library module/libhkp11-module.la, which the tool and the
 * tests link as well.
 */
#include "config.h"
#include "core/shim.h"

#define HKP11_EXPORT __attribute__ ((visibility ("default")))

HKP11_EXPORT CK_RV
C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	return hkp11_get_function_list (list);
}

HKP11_EXPORT CK_RV
C_GetInterfaceList (CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	return hkp11_get_interface_list (list, count);
}

HKP11_EXPORT CK_RV
C_GetInterface (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
		CK_FLAGS flags)
{
	return hkp11_get_interface (name, version, iface, flags);
}
