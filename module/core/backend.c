/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core/backend.h"
#include "base/debug.h"
#include "base/compat.h"
#include "base/paths.h"
#include "core/self-identity.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Typed stubs for functions a backend does not provide. */
#define UNSUPPORTED(kind, name, params, args) \
	static CK_RV unsupported_##name params \
	{ \
		return CKR_FUNCTION_NOT_SUPPORTED; \
	}
HKP11_FUNCTIONS_2_40 (UNSUPPORTED)
HKP11_FUNCTIONS_3_0 (UNSUPPORTED)
#undef UNSUPPORTED

static void
fill_missing (CK_FUNCTION_LIST_3_0 *table)
{
#define FILL(kind, name, params, args) \
	if (table->name == NULL) \
		table->name = unsupported_##name;
	HKP11_FUNCTIONS_2_40 (FILL)
	HKP11_FUNCTIONS_3_0 (FILL)
#undef FILL
}

/* Copies field by field into a zeroed table of the newest version: some
 * modules report one version and hand out another's table. */
static void
copy_2_40 (CK_FUNCTION_LIST_3_0 *dst, const CK_FUNCTION_LIST *src)
{
#define COPY(kind, name, params, args) dst->name = src->name;
	HKP11_FUNCTIONS_2_40 (COPY)
#undef COPY
}

static void
copy_3_0 (CK_FUNCTION_LIST_3_0 *dst, const CK_FUNCTION_LIST_3_0 *src)
{
#define COPY(kind, name, params, args) dst->name = src->name;
	HKP11_FUNCTIONS_2_40 (COPY)
	HKP11_FUNCTIONS_3_0 (COPY)
#undef COPY
}

static CK_RV
get_functions (hkp11_backend *b, hkp11_error *err)
{
	CK_FUNCTION_LIST_3_0 table;
	memset (&table, 0, sizeof table);

	/* Prefer the 3.0 interface, as NSS does. */
	CK_C_GetInterface get_interface = (CK_C_GetInterface)dlsym (b->handle, "C_GetInterface");
	if (get_interface != NULL) {
		CK_INTERFACE_PTR iface = NULL;
		CK_VERSION v3 = { 3, 0 };
		if (get_interface ((CK_UTF8CHAR_PTR)HKP11_INTERFACE_NAME, &v3, &iface, 0) ==
			    CKR_OK &&
		    iface != NULL && iface->pFunctionList != NULL) {
			const CK_FUNCTION_LIST_3_0 *list = iface->pFunctionList;
			if (list->version.major >= 3) {
				copy_3_0 (&table, list);
				b->version = list->version;
				goto done;
			}
		}
	}

	CK_C_GetFunctionList get_list =
		(CK_C_GetFunctionList)dlsym (b->handle, "C_GetFunctionList");
	if (get_list == NULL) {
		snprintf (err->text, sizeof err->text,
			  "backend %s (%s) is not a PKCS#11 library: it has no C_GetFunctionList",
			  b->path, b->chosen_by);
		return CKR_GENERAL_ERROR;
	}
	CK_FUNCTION_LIST_PTR list = NULL;
	CK_RV rv = get_list (&list);
	if (rv != CKR_OK || list == NULL) {
		snprintf (err->text, sizeof err->text,
			  "backend %s (%s): C_GetFunctionList failed (0x%08lx)", b->path,
			  b->chosen_by, (unsigned long)rv);
		return CKR_GENERAL_ERROR;
	}
	copy_2_40 (&table, list);
	b->version = list->version;

done:
	if (table.C_Initialize == NULL || table.C_Finalize == NULL) {
		snprintf (err->text, sizeof err->text,
			  "backend %s (%s) is not a usable PKCS#11 library: no C_Initialize",
			  b->path, b->chosen_by);
		return CKR_GENERAL_ERROR;
	}
	fill_missing (&table);
	b->functions = table;
	return CKR_OK;
}

static CK_RV
refuse_self (hkp11_backend *b, const char *path, hkp11_self_kind kind, hkp11_error *err)
{
	snprintf (err->text, sizeof err->text,
		  "backend %s (%s) is %s; point it at the token vendor's library, e.g. %s", path,
		  b->chosen_by,
		  kind == HKP11_SELF_SAME_BUILD ? "a copy of hkpost-p11" : "hkpost-p11 itself",
		  hkp11_default_backends[0]);
	return CKR_GENERAL_ERROR;
}

static CK_RV
open_path (hkp11_backend *b, const char *path, hkp11_error *err)
{
	/* Our own file under this or another name: refused before loading. */
	if (hkp11_self_file (path))
		return refuse_self (b, path, HKP11_SELF_SAME_OBJECT, err);

	/* A library already mapped stays mapped: a thread may still be
	 * returning from it, and many vendor libraries do not survive
	 * dlclose.  Loading the same path again is then free. */
	if (b->handle == NULL || strcmp (b->path, path) != 0) {
		void *handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
		if (handle == NULL) {
			const char *why = dlerror ();
			snprintf (err->text, sizeof err->text, "cannot load backend %s (%s): %s",
				  path, b->chosen_by, why ? why : "unknown error");
			return CKR_GENERAL_ERROR;
		}
		/* What dlopen mapped, judged by the object its entry point lies
		 * in: our file by a path stat cannot see (a bind mount, a path
		 * gone since), or a copy of the module.  dlsym on the handle
		 * looks in that library first, whatever is preloaded. */
		hkp11_self_kind kind = hkp11_self_object (dlsym (handle, "C_GetFunctionList"));
		if (kind != HKP11_SELF_NO) {
			dlclose (handle);
			return refuse_self (b, path, kind, err);
		}
		b->handle = handle;
		hkp11_strlcpy (b->path, path, sizeof b->path);
	}
	return get_functions (b, err);
}

CK_RV
hkp11_backend_load (hkp11_backend *b, const char *configured, const char *config_file,
		    hkp11_error *err)
{
	hkp11_return_val_if_fail (b != NULL && err != NULL, CKR_GENERAL_ERROR);
	b->absent = false;
	const char *env = hkp11_getenv (HKP11_ENV_BACKEND);
	if (env != NULL && env[0] != '\0') {
		snprintf (b->chosen_by, sizeof b->chosen_by, "from %s", HKP11_ENV_BACKEND);
		return open_path (b, env, err);
	}
	if (configured != NULL) {
		snprintf (b->chosen_by, sizeof b->chosen_by, "from 'backend' in %s",
			  config_file && config_file[0] ? config_file : "C_Initialize pReserved");
		return open_path (b, configured, err);
	}

	char tried[2048] = "";
	size_t used = 0;
	for (int i = 0; hkp11_default_backends[i]; i++) {
		const char *path = hkp11_default_backends[i];
		if (access (path, F_OK) == 0) {
			snprintf (b->chosen_by, sizeof b->chosen_by, "default SafeNet location");
			return open_path (b, path, err);
		}
		int n = snprintf (tried + used, sizeof tried - used, "%s%s", i ? ", " : "", path);
		if (n > 0 && (size_t)n < sizeof tried - used)
			used += (size_t)n;
	}
	/* Not an error: the module is there and lists no token, as a reader
	 * module does with no reader; the caller says why, once. */
	b->absent = true;
	snprintf (b->chosen_by, sizeof b->chosen_by, "none found");
	hkp11_no_backend_functions (&b->functions);
	b->version = b->functions.version;
	if (hkp11_secure_mode ())
		/* Neither a user's file nor the environment counts here. */
		snprintf (err->text, sizeof err->text,
			  "no token library found (tried %s), so no token is listed; install "
			  "SafeNet Authentication "
			  "Client, or set 'backend: /path/to/libeTPkcs11.%s' in %s/hkpost-p11/%s, "
			  "the one configuration a set-uid, set-gid or privileged program reads",
			  tried, SHLEXT, hkp11_system_config_dir (), HKP11_CONFIG_NAME);
	else
		snprintf (err->text, sizeof err->text,
			  "no token library found (tried %s), so no token is listed; install "
			  "SafeNet Authentication Client, or set 'backend: "
			  "/path/to/libeTPkcs11.%s' in ~/.config/hkpost-p11/%s or the "
			  "environment variable %s",
			  tried, SHLEXT, HKP11_CONFIG_NAME, HKP11_ENV_BACKEND);
	return CKR_OK;
}
