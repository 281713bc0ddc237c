/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A layer is one concern of the shim (PIN policy, lockout, audit, labels).
 *
 * It wraps only the PKCS#11 functions it cares about.  When the stack is
 * built, each function a layer wraps is routed through it and the layer's
 * `below` table receives whatever lies underneath; every other function goes
 * straight past it.  A layer that is switched off is left out of the stack,
 * so it costs nothing on any call.
 */
#ifndef HKP11_LAYER_H
#define HKP11_LAYER_H

#include "p11/p11.h"
#include "settings/conf.h"

#include <stdbool.h>

typedef struct hkp11_layer {
	const char *name;

	/* The functions this layer wraps; NULL entries pass it by. */
	const CK_FUNCTION_LIST_3_0 *wraps;

	/* Optional: the functions to wrap under the loaded settings, when
	 * they depend on them (the audit layer's level); else `wraps`.  Asked
	 * in C_Initialize before the stack is built. */
	const CK_FUNCTION_LIST_3_0 *(*choose_wraps) (void);

	/* Filled in by the stack: the next function down, for every function. */
	CK_FUNCTION_LIST_3_0 *below;

	/* The layer's settings (common/settings/), or NULL when it has
	 * none.  The shim loads every group common/settings/settings.c lists, this one
	 * among them; the field tells tests that walk the layers which is whose. */
	const hkp11_option_group *options;

	/* Whether the loaded settings switch the layer on. */
	bool (*enabled) (void);

	/*
	 * Called in C_Initialize once the backend is initialised and `below`
	 * is filled in.  A failure fails C_Initialize.
	 */
	CK_RV (*start) (void);

	/* Called in C_Finalize before the backend finalises: drop caches, wipe secrets. */
	void (*stop) (void);
} hkp11_layer;

#endif
