/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Epoch-based reclamation (see epoch.h).
 *
 * Why it is safe.  The global epoch only grows.  A reader loads it and
 * announces the value in its record (both SEQ_CST) before it loads any
 * shared pointer.  A writer unlinks an item, then a reclaim stamps it with
 * a new epoch g (a SEQ_CST increment) and reads every record.  If a record
 * shows 0 or a value of at least g, its thread either entered after the
 * increment and so can only find what is linked now, or was outside and
 * enters later; an item stamped g is freed only when every record is like
 * that.  Every access to the epoch and to the records is SEQ_CST except
 * the release that ends a section, so the argument holds on any CPU, and
 * ThreadSanitizer follows it (no fences).
 */
#include "config.h"
#include "lockfree/epoch.h"
#include "base/debug.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct hkp11_epoch_reader {
	/* 0 outside a section; else the epoch the thread saw on entering. */
	uint64_t active;
	/* Whether a living thread owns the record (records are recycled). */
	bool in_use;
	/* Nesting depth; only the owning thread touches it. */
	unsigned int depth;
	/* Set before the record is published, never changed after. */
	hkp11_epoch_reader *next;
} __attribute__ ((aligned (64)));

typedef struct retired {
	void *item;
	void (*free_item) (void *item);
	uint64_t stamp; /* 0 until the next reclaim stamps it */
	struct retired *next;
} retired;

static uint64_t global_epoch = 1;
static hkp11_epoch_reader *readers; /* grows at the head, never shrinks */
static __thread hkp11_epoch_reader *mine;

/* Guards the retired lists and the claiming of records. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static retired *unstamped, *stamped;
static bool have_retired; /* either list is non-empty: a cheap check */

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool have_key;

/* The thread ends: its record goes back to the pool. */
static void
release_record (void *value)
{
	hkp11_epoch_reader *r = value;
	r->depth = 0;
	__atomic_store_n (&r->active, 0, __ATOMIC_RELEASE);
	__atomic_store_n (&r->in_use, false, __ATOMIC_RELEASE);
	mine = NULL;
}

static void
make_key (void)
{
	have_key = pthread_key_create (&key, release_record) == 0;
}

static hkp11_epoch_reader *
claim_record (void)
{
	hkp11_epoch_reader *r;

	pthread_once (&key_once, make_key);
	pthread_mutex_lock (&lock);
	for (r = __atomic_load_n (&readers, __ATOMIC_SEQ_CST); r != NULL; r = r->next) {
		if (!__atomic_load_n (&r->in_use, __ATOMIC_ACQUIRE))
			break;
	}
	if (r != NULL) {
		__atomic_store_n (&r->in_use, true, __ATOMIC_RELAXED);
	} else if ((r = aligned_alloc (64, sizeof *r)) != NULL) {
		r->active = 0;
		r->in_use = true;
		r->depth = 0;
		r->next = readers;
		__atomic_store_n (&readers, r, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock (&lock);
	/* Without a key the record is simply never recycled. */
	if (r != NULL && have_key)
		pthread_setspecific (key, r);
	mine = r;
	return r;
}

hkp11_epoch_reader *
hkp11_epoch_enter (void)
{
	hkp11_epoch_reader *r = mine;
	if (r == NULL && (r = claim_record ()) == NULL)
		return NULL;
	if (r->depth++ == 0) {
		uint64_t e = __atomic_load_n (&global_epoch, __ATOMIC_SEQ_CST);
		__atomic_store_n (&r->active, e, __ATOMIC_SEQ_CST);
	}
	return r;
}

void
hkp11_epoch_exit (hkp11_epoch_reader *r)
{
	if (r != NULL && --r->depth == 0)
		__atomic_store_n (&r->active, 0, __ATOMIC_RELEASE);
}

void
hkp11_epoch_retire (void *item, void (*free_item) (void *item))
{
	hkp11_return_if_fail (item == NULL || free_item != NULL);
	if (item == NULL)
		return;
	retired *n = malloc (sizeof *n);
	if (n == NULL)
		return;
	n->item = item;
	n->free_item = free_item;
	n->stamp = 0;
	pthread_mutex_lock (&lock);
	n->next = unstamped;
	unstamped = n;
	__atomic_store_n (&have_retired, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock (&lock);
}

void
hkp11_epoch_reclaim (void)
{
	retired *done = NULL;

	if (!__atomic_load_n (&have_retired, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock (&lock);
	/* Everything retired so far was unlinked before this increment. */
	if (unstamped != NULL) {
		uint64_t g = __atomic_add_fetch (&global_epoch, 1, __ATOMIC_SEQ_CST);
		while (unstamped != NULL) {
			retired *n = unstamped;
			unstamped = n->next;
			n->stamp = g;
			n->next = stamped;
			stamped = n;
		}
	}
	/* The oldest epoch a reader inside a section may have seen. */
	uint64_t oldest = UINT64_MAX;
	for (hkp11_epoch_reader *r = __atomic_load_n (&readers, __ATOMIC_SEQ_CST); r != NULL;
	     r = r->next) {
		uint64_t a = __atomic_load_n (&r->active, __ATOMIC_SEQ_CST);
		if (a != 0 && a < oldest)
			oldest = a;
	}
	for (retired **p = &stamped; *p != NULL;) {
		retired *n = *p;
		if (n->stamp <= oldest) {
			*p = n->next;
			n->next = done;
			done = n;
		} else {
			p = &n->next;
		}
	}
	__atomic_store_n (&have_retired, stamped != NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock (&lock);

	while (done != NULL) {
		retired *next = done->next;
		done->free_item (done->item);
		free (done);
		done = next;
	}
}

/* In a forked child only the forking thread lives, and it is outside any
 * section: every other record is free, and no lock is held. */
static void
atfork_child (void)
{
	pthread_mutex_init (&lock, NULL);
	for (hkp11_epoch_reader *r = readers; r != NULL; r = r->next) {
		if (r != mine) {
			r->active = 0;
			r->depth = 0;
			r->in_use = false;
		}
	}
}

__attribute__ ((constructor)) static void
epoch_constructor (void)
{
	pthread_atfork (NULL, NULL, atfork_child);
}
