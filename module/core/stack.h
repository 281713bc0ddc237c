/* SPDX-License-Identifier: BSD-3-Clause */
/* Assembles the layers into the table every call is dispatched through. */
#ifndef HKP11_STACK_H
#define HKP11_STACK_H

#include "core/layer.h"

#include <stddef.h>

/*
 * Picks the layers the loaded settings switch on, in order, into active
 * (at most max), each with the functions it wraps under those settings,
 * and puts the session registry (core/sessions.h) under them, last.
 * Returns how many.
 */
size_t hkp11_stack_select (hkp11_layer *const *layers, hkp11_layer **active, size_t max);

/*
 * Routes each forwarded function of dispatch through the enabled layers,
 * listed top (nearest the application) first, down to the backend table.
 * Fills in each layer's `below` table.
 */
void hkp11_stack_build (CK_FUNCTION_LIST_3_0 *dispatch, const CK_FUNCTION_LIST_3_0 *backend,
			hkp11_layer *const *layers, size_t n_layers);

#endif
