/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chained hashing whose chains readers walk without a lock (see the
 * header).  A node's key never changes once it is linked; its value and
 * its next pointer are read and written atomically.  A removed node keeps
 * its next pointer, so a reader standing on it walks on; growing builds a
 * whole new table of new nodes and retires the old one, so a reader in the
 * old table finishes its walk there.
 */
#include "config.h"
#include "lockfree/handle-map.h"
#include "base/debug.h"
#include "lockfree/epoch.h"

#include <stdint.h>
#include <stdlib.h>

struct hkp11_handle_node {
	CK_ULONG a, b;
	void *value;
	hkp11_handle_node *next;
	void (*free_value) (void *value); /* set when removed; writers only */
};

struct hkp11_handle_table {
	size_t n_buckets; /* a power of two */
	hkp11_handle_node *buckets[];
};

#define LOAD(p) __atomic_load_n ((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n ((p), (v), __ATOMIC_SEQ_CST)

static size_t
bucket_of (CK_ULONG a, CK_ULONG b, size_t n_buckets)
{
	/* Handles are often small and sequential: mix before masking. */
	uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15ULL ^ (uint64_t)b;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)(h & (n_buckets - 1));
}

void *
hkp11_handle_map_get (const hkp11_handle_map *map, CK_ULONG a, CK_ULONG b)
{
	hkp11_handle_table *t = LOAD (&map->table);
	if (t == NULL)
		return NULL;
	for (hkp11_handle_node *n = LOAD (&t->buckets[bucket_of (a, b, t->n_buckets)]); n;
	     n = LOAD (&n->next)) {
		if (n->a == a && n->b == b)
			return LOAD (&n->value);
	}
	return NULL;
}

/* A retired node: its value goes with it when it was removed. */
static void
free_node (void *p)
{
	hkp11_handle_node *n = p;
	if (n->free_value != NULL && n->value != NULL)
		n->free_value (n->value);
	free (n);
}

/* A table replaced by a bigger one: its nodes, not their values. */
static void
free_table (void *p)
{
	hkp11_handle_table *t = p;
	for (size_t i = 0; i < t->n_buckets; i++) {
		hkp11_handle_node *n = t->buckets[i];
		while (n != NULL) {
			hkp11_handle_node *next = n->next;
			free (n);
			n = next;
		}
	}
	free (t);
}

static hkp11_handle_table *
table_new (size_t n_buckets)
{
	hkp11_handle_table *t = calloc (1, sizeof *t + n_buckets * sizeof t->buckets[0]);
	if (t != NULL)
		t->n_buckets = n_buckets;
	return t;
}

static bool
grow (hkp11_handle_map *map)
{
	hkp11_handle_table *old = map->table;
	hkp11_handle_table *t = table_new (old ? old->n_buckets * 2 : 64);
	if (t == NULL)
		return false;
	for (size_t i = 0; old != NULL && i < old->n_buckets; i++) {
		for (hkp11_handle_node *n = old->buckets[i]; n; n = n->next) {
			hkp11_handle_node *copy = malloc (sizeof *copy);
			if (copy == NULL) {
				free_table (t);
				return false;
			}
			size_t at = bucket_of (n->a, n->b, t->n_buckets);
			copy->a = n->a;
			copy->b = n->b;
			copy->value = n->value;
			copy->free_value = NULL;
			copy->next = t->buckets[at];
			t->buckets[at] = copy;
		}
	}
	STORE (&map->table, t);
	hkp11_epoch_retire (old, free_table);
	return true;
}

bool
hkp11_handle_map_put (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b, void *value, void **replaced)
{
	hkp11_return_val_if_fail (map != NULL, false);
	hkp11_handle_table *t = map->table;
	if (replaced != NULL)
		*replaced = NULL;
	for (hkp11_handle_node *n = t ? t->buckets[bucket_of (a, b, t->n_buckets)] : NULL; n;
	     n = n->next) {
		if (n->a == a && n->b == b) {
			if (replaced != NULL)
				*replaced = n->value;
			STORE (&n->value, value);
			return true;
		}
	}
	/* Keep chains short: at most one entry per bucket on average.  A
	 * table that cannot grow takes longer chains. */
	if ((t == NULL || map->count >= t->n_buckets) && !grow (map) && t == NULL)
		return false;
	t = map->table;
	hkp11_handle_node *n = malloc (sizeof *n);
	if (n == NULL)
		return false;
	size_t at = bucket_of (a, b, t->n_buckets);
	n->a = a;
	n->b = b;
	n->value = value;
	n->free_value = NULL;
	n->next = t->buckets[at];
	STORE (&t->buckets[at], n);
	map->count++;
	return true;
}

/* Unlinks the node at *p, retiring it (and its value with free_value). */
static void
unlink_node (hkp11_handle_map *map, hkp11_handle_node **p, void (*free_value) (void *value))
{
	hkp11_handle_node *n = *p;
	STORE (p, n->next);
	n->free_value = free_value;
	hkp11_epoch_retire (n, free_node);
	map->count--;
}

void *
hkp11_handle_map_steal (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b)
{
	hkp11_return_val_if_fail (map != NULL, NULL);
	hkp11_handle_table *t = map->table;
	if (t == NULL)
		return NULL;
	for (hkp11_handle_node **p = &t->buckets[bucket_of (a, b, t->n_buckets)]; *p;
	     p = &(*p)->next) {
		hkp11_handle_node *n = *p;
		if (n->a == a && n->b == b) {
			void *value = n->value;
			unlink_node (map, p, NULL);
			return value;
		}
	}
	return NULL;
}

void
hkp11_handle_map_remove_if (hkp11_handle_map *map,
			    bool (*drop) (CK_ULONG a, CK_ULONG b, void *value, void *ctx),
			    void *ctx, void (*free_value) (void *value))
{
	hkp11_return_if_fail (map != NULL);
	hkp11_handle_table *t = map->table;
	for (size_t i = 0; t != NULL && i < t->n_buckets; i++) {
		hkp11_handle_node **p = &t->buckets[i];
		while (*p != NULL) {
			hkp11_handle_node *n = *p;
			if (drop == NULL || drop (n->a, n->b, n->value, ctx))
				unlink_node (map, p, free_value);
			else
				p = &n->next;
		}
	}
}

void
hkp11_handle_map_clear (hkp11_handle_map *map, void (*free_value) (void *value))
{
	hkp11_return_if_fail (map != NULL);
	hkp11_handle_map_remove_if (map, NULL, NULL, free_value);
	hkp11_handle_table *t = map->table;
	STORE (&map->table, NULL);
	hkp11_epoch_retire (t, free_table);
	map->count = 0;
}
