#include "config.h"
#include "handle-map.h"

#include <stdint.h>
#include <stdlib.h>

struct hkp11_handle_node {
	CK_ULONG a, b;
	void *value;
	hkp11_handle_node *next;
};

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
	if (map->n_buckets == 0)
		return NULL;
	for (hkp11_handle_node *n = map->buckets[bucket_of (a, b, map->n_buckets)]; n; n = n->next) {
		if (n->a == a && n->b == b)
			return n->value;
	}
	return NULL;
}

static bool
grow (hkp11_handle_map *map)
{
	size_t n_buckets = map->n_buckets ? map->n_buckets * 2 : 64;
	hkp11_handle_node **buckets = calloc (n_buckets, sizeof *buckets);
	if (buckets == NULL)
		return false;
	for (size_t i = 0; i < map->n_buckets; i++) {
		hkp11_handle_node *n = map->buckets[i];
		while (n != NULL) {
			hkp11_handle_node *next = n->next;
			size_t b = bucket_of (n->a, n->b, n_buckets);
			n->next = buckets[b];
			buckets[b] = n;
			n = next;
		}
	}
	free (map->buckets);
	map->buckets = buckets;
	map->n_buckets = n_buckets;
	return true;
}

bool
hkp11_handle_map_put (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b, void *value, void **replaced)
{
	if (replaced != NULL)
		*replaced = NULL;
	if (map->n_buckets > 0) {
		for (hkp11_handle_node *n = map->buckets[bucket_of (a, b, map->n_buckets)]; n;
		     n = n->next) {
			if (n->a == a && n->b == b) {
				if (replaced != NULL)
					*replaced = n->value;
				n->value = value;
				return true;
			}
		}
	}
	/* Keep chains short: at most one entry per bucket on average. */
	if (map->count >= map->n_buckets && !grow (map))
		return false;
	hkp11_handle_node *n = malloc (sizeof *n);
	if (n == NULL)
		return false;
	size_t at = bucket_of (a, b, map->n_buckets);
	n->a = a;
	n->b = b;
	n->value = value;
	n->next = map->buckets[at];
	map->buckets[at] = n;
	map->count++;
	return true;
}

void *
hkp11_handle_map_steal (hkp11_handle_map *map, CK_ULONG a, CK_ULONG b)
{
	if (map->n_buckets == 0)
		return NULL;
	for (hkp11_handle_node **p = &map->buckets[bucket_of (a, b, map->n_buckets)]; *p;
	     p = &(*p)->next) {
		hkp11_handle_node *n = *p;
		if (n->a == a && n->b == b) {
			void *value = n->value;
			*p = n->next;
			free (n);
			map->count--;
			return value;
		}
	}
	return NULL;
}

void
hkp11_handle_map_remove_if (hkp11_handle_map *map,
			    bool (*drop) (CK_ULONG a, CK_ULONG b, void *value, void *ctx), void *ctx,
			    void (*free_value) (void *value))
{
	for (size_t i = 0; i < map->n_buckets; i++) {
		hkp11_handle_node **p = &map->buckets[i];
		while (*p != NULL) {
			hkp11_handle_node *n = *p;
			if (drop == NULL || drop (n->a, n->b, n->value, ctx)) {
				*p = n->next;
				if (free_value != NULL)
					free_value (n->value);
				free (n);
				map->count--;
			} else {
				p = &n->next;
			}
		}
	}
}

void
hkp11_handle_map_clear (hkp11_handle_map *map, void (*free_value) (void *value))
{
	hkp11_handle_map_remove_if (map, NULL, NULL, free_value);
	free (map->buckets);
	map->buckets = NULL;
	map->n_buckets = 0;
	map->count = 0;
}
