/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hash table keyed by a pair of PKCS#11 numbers: (slot, object handle)
 * or (session handle, 0).  Lookups are O(1) on average; the table grows
 * as it fills.
 *
 * Writers (put, steal, remove_if, clear) hold the owner's lock.  Readers
 * (get) take no lock: they call it inside an epoch read section (epoch.h)
 * or under the owner's lock.  Whatever a writer unlinks (nodes, old
 * tables, values it removes) is freed through hkp11_epoch_retire, so a
 * reader never sees memory go away under it; the owner calls
 * hkp11_epoch_reclaim after writing.  Values handed back to the owner
 * (steal, a value replaced by put) may still be seen by readers: the owner
 * retires them too, or frees them only when no reader can have found them.
 */
#ifndef HKP11_HANDLE_MAP_H
#define HKP11_HANDLE_MAP_H

#include "p11/p11.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct hkp11_handle_node hkp11_handle_node;
typedef struct hkp11_handle_table hkp11_handle_table;

typedef struct {
	hkp11_handle_table *table; /* read and replaced atomically */
	size_t count;              /* writers only */
} hkp11_handle_map;

/* A zeroed map is empty and ready; no init call is needed. */

void *hkp11_handle_map_get (const hkp11_handle_map *map, CK_ULONG a, CK_ULONG b);

/* Stores value under (a, b) and returns the value it replaces, if any.
 * Returns false (storing nothing) when out of memory. */
bool hkp11_handle_map_put (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b, void *value,
			   void **replaced);

/* Removes (a, b) and returns its value, or NULL. */
void *hkp11_handle_map_steal (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b);

/* Removes every entry for which drop returns true; its value is retired
 * with free_value (NULL: the value is not freed). */
void hkp11_handle_map_remove_if (hkp11_handle_map *map,
				 bool (*drop) (CK_ULONG a, CK_ULONG b, void *value, void *ctx),
				 void *ctx, void (*free_value) (void *value));

/* Empties the map, retiring its values with free_value and its memory. */
void hkp11_handle_map_clear (hkp11_handle_map *map, void (*free_value) (void *value));

#endif
