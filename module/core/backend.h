/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vendor library the shim forwards to: found, loaded once, and its
 * functions copied into a complete 3.0 table whatever version it speaks.
 */
#ifndef HKP11_BACKEND_H
#define HKP11_BACKEND_H

#include "p11/p11.h"
#include "settings/conf.h"
#include "settings/core.h"

#include <stdbool.h>

typedef struct {
	char path[4096];
	/* Who chose the path: "HKPOST_P11_BACKEND", "backend in FILE", "default". */
	char chosen_by[4200];
	void *handle;
	/* Every entry is callable: functions the library lacks answer
	 * CKR_FUNCTION_NOT_SUPPORTED. */
	CK_FUNCTION_LIST_3_0 functions;
	/* The version of the table the library handed out. */
	CK_VERSION version;
	/* Nothing configured and no SafeNet library found: functions is the
	 * table of a library with no slots (no-backend.c), path and handle
	 * are those of any library loaded before. */
	bool absent;
} hkp11_backend;

/*
 * Loads the backend: $HKPOST_P11_BACKEND, else configured (may be NULL),
 * else the first SafeNet path that exists (hkp11_default_backends).
 * config_file names where `configured` came from, for messages.  Loading
 * the same path again reuses the library already mapped.
 *
 * A path named by the environment or the settings that cannot be used is
 * an error (err says why, naming the path).  When nothing is named and no
 * default path exists, the backend is absent: CKR_OK, with the table of a
 * library without slots, and err saying which paths were tried.
 */
CK_RV hkp11_backend_load (hkp11_backend *backend, const char *configured, const char *config_file,
			  hkp11_error *err);

/* Fills table with the functions of a PKCS#11 library that has no slots. */
void hkp11_no_backend_functions (CK_FUNCTION_LIST_3_0 *table);

#endif
