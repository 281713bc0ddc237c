/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shim's life cycle: C_Initialize, C_Finalize and fork.  Everything a
 * call needs on the hot path is two reads: the initialised flag and the
 * dispatch table, which only changes while the flag is clear.
 */
#ifndef HKP11_SHIM_H
#define HKP11_SHIM_H

#include "p11/p11.h"
#include "core/layer.h"

#include <stdbool.h>

/* The table every forwarded call goes through; built by C_Initialize. */
extern CK_FUNCTION_LIST_3_0 hkp11_dispatch;

/* Non-zero between a successful C_Initialize and C_Finalize (or a fork). */
extern int hkp11_initialized;

static inline bool
hkp11_is_initialized (void)
{
	return __atomic_load_n (&hkp11_initialized, __ATOMIC_ACQUIRE) != 0;
}

CK_RV hkp11_shim_initialize (CK_VOID_PTR init_args);
CK_RV hkp11_shim_finalize (CK_VOID_PTR reserved);

/* The backend library's path, for the audit log's C_Initialize record. */
const char *hkp11_shim_backend_path (void);

/* What C_GetFunctionList, C_GetInterfaceList and C_GetInterface answer
 * (core/functions.c); module/entry.c exports them under those names. */
CK_RV hkp11_get_function_list (CK_FUNCTION_LIST_PTR_PTR list);
CK_RV hkp11_get_interface_list (CK_INTERFACE_PTR list, CK_ULONG_PTR count);
CK_RV hkp11_get_interface (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,
			   CK_FLAGS flags);

/* The layers, top (nearest the application) first; NULL-terminated.
 * Defined in layers.c, the one place that knows them all. */
extern hkp11_layer *const hkp11_layers[];

#endif
