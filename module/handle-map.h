/*
 * A hash table keyed by a pair of PKCS#11 numbers: (slot, object handle)
 * or (session handle, 0).  Lookups are O(1) on average; the table grows
 * as it fills.  Not thread-safe: the owner holds its lock around every call.
 */
#ifndef HKP11_HANDLE_MAP_H
#define HKP11_HANDLE_MAP_H

#include "p11.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct hkp11_handle_node hkp11_handle_node;

typedef struct {
	hkp11_handle_node **buckets;
	size_t n_buckets;
	size_t count;
} hkp11_handle_map;

/* A zeroed map is empty and ready; no init call is needed. */

void *hkp11_handle_map_get (const hkp11_handle_map *map, CK_ULONG a, CK_ULONG b);

/* Stores value under (a, b) and returns the value it replaces, if any.
 * Returns false (storing nothing) when out of memory. */
bool hkp11_handle_map_put (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b, void *value,
			   void **replaced);

/* Removes (a, b) and returns its value, or NULL. */
void *hkp11_handle_map_steal (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b);

/* Removes every entry for which drop returns true, passing its value to
 * free_value (may be NULL). */
void hkp11_handle_map_remove_if (hkp11_handle_map *map,
				 bool (*drop) (CK_ULONG a, CK_ULONG b, void *value, void *ctx),
				 void *ctx, void (*free_value) (void *value));

/* Empties the map and releases its memory. */
void hkp11_handle_map_clear (hkp11_handle_map *map, void (*free_value) (void *value));

#endif
