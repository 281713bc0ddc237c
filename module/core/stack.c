/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core/stack.h"
#include "base/debug.h"
#include "core/sessions.h"

/* Lays one layer over the table: the functions it wraps now go to it first. */
static void
overlay (CK_FUNCTION_LIST_3_0 *table, const CK_FUNCTION_LIST_3_0 *wraps)
{
#define OVERLAY(kind, name, params, args) OVERLAY_##kind (name)
#define OVERLAY_forward(name) \
	if (wraps->name != NULL) \
		table->name = wraps->name;
#define OVERLAY_special(name)
	HKP11_FUNCTIONS_2_40 (OVERLAY)
	HKP11_FUNCTIONS_3_0 (OVERLAY)
#undef OVERLAY
#undef OVERLAY_forward
#undef OVERLAY_special
}

/* A layer taken into the stack, wrapping what the settings ask of it. */
static hkp11_layer *
take (hkp11_layer *layer)
{
	if (layer->choose_wraps)
		layer->wraps = layer->choose_wraps ();
	return layer;
}

size_t
hkp11_stack_select (hkp11_layer *const *layers, hkp11_layer **active, size_t max)
{
	hkp11_return_val_if_fail (layers != NULL && active != NULL, 0);
	size_t n = 0;
	/* The session registry's place is kept: it is always at the bottom. */
	for (size_t i = 0; layers[i] && n + 1 < max; i++) {
		if (layers[i]->enabled ())
			active[n++] = take (layers[i]);
	}
	if (n < max)
		active[n++] = take (&hkp11_sessions_layer);
	return n;
}

void
hkp11_stack_build (CK_FUNCTION_LIST_3_0 *dispatch, const CK_FUNCTION_LIST_3_0 *backend,
		   hkp11_layer *const *layers, size_t n_layers)
{
	hkp11_return_if_fail (dispatch != NULL && backend != NULL);
	hkp11_return_if_fail (layers != NULL || n_layers == 0);
	CK_FUNCTION_LIST_3_0 table = *backend;

	/* Bottom up: each layer sees the table as it stands beneath it. */
	for (size_t i = n_layers; i-- > 0;) {
		*layers[i]->below = table;
		overlay (&table, layers[i]->wraps);
	}
	*dispatch = table;
}
