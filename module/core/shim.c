/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core/shim.h"
#include "core/backend.h"
#include "base/message.h"
#include "settings/settings.h"
#include "core/stack.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

CK_FUNCTION_LIST_3_0 hkp11_dispatch;
int hkp11_initialized;

/* Serialises C_Initialize and C_Finalize; never held on the call path. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static hkp11_backend backend;

/* Whether this process was told that no token library was found: said
 * once, not at each C_Initialize of a program that starts us again and again. */
static bool said_absent;

const char *
hkp11_shim_backend_path (void)
{
	return backend.absent ? "" : backend.path;
}

/* Whether our C_Initialize of the backend succeeded, so C_Finalize is ours
 * to call.  When another component in the process initialised it first we
 * share it and leave it initialised. */
static bool backend_owned;

#define MAX_LAYERS 8
static hkp11_layer *active_layers[MAX_LAYERS];
static size_t n_active_layers;

/* In the child only this thread exists: whatever lock another thread held
 * is gone with it, and the parent's session state is not ours. */
static void
atfork_child (void)
{
	pthread_mutex_init (&init_lock, NULL);
	hkp11_initialized = 0;
}

__attribute__ ((constructor)) static void
shim_constructor (void)
{
	pthread_atfork (NULL, NULL, atfork_child);
}

static CK_RV
check_init_args (const CK_C_INITIALIZE_ARGS *args)
{
	if (args == NULL)
		return CKR_OK;
	int callbacks = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
			(args->LockMutex != NULL) + (args->UnlockMutex != NULL);
	/* The four mutex callbacks come all together or not at all. */
	if (callbacks != 0 && callbacks != 4)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

static void
stop_layers (void)
{
	for (size_t i = 0; i < n_active_layers; i++) {
		if (active_layers[i]->stop)
			active_layers[i]->stop ();
	}
	n_active_layers = 0;
}

static CK_RV
start_layers (void)
{
	n_active_layers = hkp11_stack_select (hkp11_layers, active_layers, MAX_LAYERS);
	hkp11_stack_build (&hkp11_dispatch, &backend.functions, active_layers, n_active_layers);

	for (size_t i = 0; i < n_active_layers; i++) {
		CK_RV rv = active_layers[i]->start ? active_layers[i]->start () : CKR_OK;
		if (rv != CKR_OK) {
			/* Stop those started so far, and only those. */
			n_active_layers = i;
			stop_layers ();
			return rv;
		}
	}
	return CKR_OK;
}

CK_RV
hkp11_shim_initialize (CK_VOID_PTR init_args)
{
	const CK_C_INITIALIZE_ARGS *args = init_args;
	hkp11_option_group groups[HKP11_SETTINGS_MAX_GROUPS];
	size_t n_groups;
	hkp11_config_sources sources;
	hkp11_error err;
	CK_RV rv = check_init_args (args);
	if (rv != CKR_OK)
		return rv;

	pthread_mutex_lock (&init_lock);
	if (hkp11_is_initialized ()) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}

	/* pReserved carries our settings (NSS parameters, p11-kit
	 * x-init-reserved); it is consumed here and never passed on.  The
	 * loader copies it fault-safely: any value the host put there ends in
	 * settings or in CKR_ARGUMENTS_BAD, never in a crash. */
	n_groups = hkp11_settings_groups (groups, HKP11_SETTINGS_MAX_GROUPS);
	if (!hkp11_config_load (groups, n_groups, args ? args->pReserved : NULL, &sources, &err)) {
		hkp11_message (HKP11_MSG_ERROR, "%s", err.text);
		rv = err.in_init_reserved ? CKR_ARGUMENTS_BAD : CKR_GENERAL_ERROR;
		goto out;
	}
	/* Our messages reach syslog only where the settings send them. */
	hkp11_message_syslog (hkp11_audit_conf.syslog);

	rv = hkp11_backend_load (&backend, hkp11_core_conf.backend, sources.file, &err);
	if (rv != CKR_OK) {
		hkp11_message (HKP11_MSG_ERROR, "%s", err.text);
		goto fail;
	}
	if (backend.absent && !said_absent) {
		hkp11_message (HKP11_MSG_WARNING, "%s", err.text);
		said_absent = true;
	}

	/* The backend gets the caller's locking choices without pReserved,
	 * plus CKF_OS_LOCKING_OK: the shim may be called from several threads
	 * even when the application passed no arguments (SoftHSM, for one,
	 * drops its own locking otherwise). */
	CK_C_INITIALIZE_ARGS down;
	memset (&down, 0, sizeof down);
	if (args != NULL)
		down = *args;
	down.pReserved = NULL;
	down.flags |= CKF_OS_LOCKING_OK;

	rv = backend.functions.C_Initialize (&down);
	if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		/* Initialised by someone else in this process, or by our parent
		 * before a fork: share it, and leave its C_Finalize alone. */
		backend_owned = false;
		rv = CKR_OK;
	} else if (rv == CKR_OK) {
		backend_owned = true;
	} else {
		goto fail;
	}

	rv = start_layers ();
	if (rv != CKR_OK) {
		if (backend_owned)
			backend.functions.C_Finalize (NULL);
		goto fail;
	}

	__atomic_store_n (&hkp11_initialized, 1, __ATOMIC_RELEASE);
	goto out;

fail:
	hkp11_config_reset (groups, n_groups);
	hkp11_message_syslog (false);
out:
	pthread_mutex_unlock (&init_lock);
	return rv;
}

CK_RV
hkp11_shim_finalize (CK_VOID_PTR reserved)
{
	hkp11_option_group groups[HKP11_SETTINGS_MAX_GROUPS];
	CK_RV rv = CKR_OK;

	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;

	pthread_mutex_lock (&init_lock);
	if (!hkp11_is_initialized ()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		goto out;
	}
	__atomic_store_n (&hkp11_initialized, 0, __ATOMIC_RELEASE);

	stop_layers ();
	/* The backend's C_Finalize also wakes a thread blocked in its
	 * C_WaitForSlotEvent. */
	if (backend_owned)
		rv = backend.functions.C_Finalize (NULL);
	backend_owned = false;
	hkp11_config_reset (groups, hkp11_settings_groups (groups, HKP11_SETTINGS_MAX_GROUPS));
	hkp11_message_syslog (false);
out:
	pthread_mutex_unlock (&init_lock);
	return rv;
}
