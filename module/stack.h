/* SPDX-License-Identifier: BSD-3-Clause */
/* Assembles the layers into the table every call is dispatched through. */
#ifndef HKP11_STACK_H
#define HKP11_STACK_H

#include "layer.h"

#include <stddef.h>

/*
 * Routes each forwarded function of dispatch through the enabled layers,
 * listed top (nearest the application) first, down to the backend table.
 * Fills in each layer's `below` table.
 */
void hkp11_stack_build (CK_FUNCTION_LIST_3_0 *dispatch, const CK_FUNCTION_LIST_3_0 *backend,
			hkp11_layer *const *layers, size_t n_layers);

#endif
