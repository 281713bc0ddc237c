/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handle map and the epoch reclamation under it: what the labels
 * layer's lock-free label reads stand on.  Readers look values up without
 * a lock while a writer adds, replaces, removes and outgrows; a value is
 * freed only when no reader can hold it (run it under TSan or ASan: a
 * value freed too early is a report there, and a wrong answer here).
 */
#include "config.h"
#include "lockfree/epoch.h"
#include "lockfree/handle-map.h"
#include "p11-test.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC 0x1abe15UL

typedef struct {
	unsigned long magic; /* MAGIC while alive */
	CK_ULONG a, b;
} value;

static unsigned long n_made, n_freed; /* under the writer's lock, or single-threaded */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static value *
value_new (CK_ULONG a, CK_ULONG b)
{
	value *v = malloc (sizeof *v);
	ck_assert_ptr_nonnull (v);
	v->magic = MAGIC;
	v->a = a;
	v->b = b;
	__atomic_add_fetch (&n_made, 1, __ATOMIC_RELAXED);
	return v;
}

static void
value_free (void *p)
{
	value *v = p;
	v->magic = 0;
	free (v);
	__atomic_add_fetch (&n_freed, 1, __ATOMIC_RELAXED);
}

static bool
odd_a (CK_ULONG a, CK_ULONG b, void *v, void *ctx)
{
	return a % 2 == 1;
}

static void
reset_counts (void)
{
	n_made = n_freed = 0;
}

START_TEST (test_basics)
{
	hkp11_handle_map map = { 0 };
	void *replaced = (void *)1;

	reset_counts ();
	ck_assert_ptr_null (hkp11_handle_map_get (&map, 1, 2));
	ck_assert_ptr_null (hkp11_handle_map_steal (&map, 1, 2));

	/* Past the first table's 64 buckets, several times. */
	for (CK_ULONG i = 0; i < 1000; i++) {
		ck_assert (hkp11_handle_map_put (&map, i, 7, value_new (i, 7), &replaced));
		ck_assert_ptr_null (replaced);
	}
	ck_assert_uint_eq (map.count, 1000);
	for (CK_ULONG i = 0; i < 1000; i++) {
		value *v = hkp11_handle_map_get (&map, i, 7);
		ck_assert_ptr_nonnull (v);
		ck_assert_uint_eq (v->a, i);
		ck_assert_ptr_null (hkp11_handle_map_get (&map, i, 8));
	}

	/* Replacing hands the old value back. */
	value *old = hkp11_handle_map_get (&map, 5, 7);
	ck_assert (hkp11_handle_map_put (&map, 5, 7, value_new (5, 7), &replaced));
	ck_assert_ptr_eq (replaced, old);
	hkp11_epoch_retire (replaced, value_free);

	/* Stealing hands the value back; remove_if retires. */
	value *stolen = hkp11_handle_map_steal (&map, 10, 7);
	ck_assert_ptr_nonnull (stolen);
	ck_assert_uint_eq (stolen->a, 10);
	ck_assert_ptr_null (hkp11_handle_map_get (&map, 10, 7));
	value_free (stolen);
	hkp11_handle_map_remove_if (&map, odd_a, NULL, value_free);
	ck_assert_uint_eq (map.count, 499);
	ck_assert_ptr_null (hkp11_handle_map_get (&map, 11, 7));
	ck_assert_ptr_nonnull (hkp11_handle_map_get (&map, 12, 7));

	/* No reader: everything retired goes at the next reclaim. */
	hkp11_epoch_reclaim ();
	ck_assert_uint_eq (n_freed, 1 + 1 + 500);
	hkp11_handle_map_clear (&map, value_free);
	hkp11_epoch_reclaim ();
	ck_assert_ptr_null (hkp11_handle_map_get (&map, 12, 7));
	ck_assert_uint_eq (map.count, 0);
	ck_assert_uint_eq (n_freed, n_made);
}
END_TEST

START_TEST (test_reader_holds)
{
	hkp11_handle_map map = { 0 };

	reset_counts ();
	ck_assert (hkp11_handle_map_put (&map, 1, 0, value_new (1, 0), NULL));

	/* A reader inside a section keeps what it may have seen alive... */
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	ck_assert_ptr_nonnull (r);
	value *v = hkp11_handle_map_get (&map, 1, 0);
	ck_assert_ptr_nonnull (v);
	hkp11_epoch_retire (hkp11_handle_map_steal (&map, 1, 0), value_free);
	hkp11_epoch_reclaim ();
	ck_assert_uint_eq (n_freed, 0);
	ck_assert_uint_eq (v->magic, MAGIC);

	/* ...through nested sections... */
	hkp11_epoch_reader *inner = hkp11_epoch_enter ();
	hkp11_epoch_exit (inner);
	hkp11_epoch_reclaim ();
	ck_assert_uint_eq (n_freed, 0);

	/* ...until it leaves. */
	hkp11_epoch_exit (r);
	hkp11_epoch_reclaim ();
	ck_assert_uint_eq (n_freed, 1);

	/* What is retired after a reader entered waits only for it. */
	r = hkp11_epoch_enter ();
	hkp11_epoch_exit (r);
	ck_assert (hkp11_handle_map_put (&map, 2, 0, value_new (2, 0), NULL));
	hkp11_handle_map_clear (&map, value_free);
	hkp11_epoch_reclaim ();
	ck_assert_uint_eq (n_freed, n_made);
}
END_TEST

/* ---- many readers, one writer --------------------------------------------- */

#define KEYS 257
static hkp11_handle_map shared;
static volatile int stop_readers;

static void *
reader (void *arg)
{
	unsigned long found = 0, seed = (unsigned long)(uintptr_t)arg;
	while (!__atomic_load_n (&stop_readers, __ATOMIC_ACQUIRE)) {
		hkp11_epoch_reader *r = hkp11_epoch_enter ();
		if (r == NULL)
			return (void *)1;
		for (int i = 0; i < 64; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			CK_ULONG a = (seed >> 33) % KEYS, b = a % 3;
			value *v = hkp11_handle_map_get (&shared, a, b);
			if (v == NULL)
				continue;
			if (v->magic != MAGIC || v->a != a || v->b != b) {
				hkp11_epoch_exit (r);
				return (void *)2;
			}
			found++;
		}
		hkp11_epoch_exit (r);
	}
	return found > 0 ? NULL : (void *)3;
}

static void *
writer (void *arg)
{
	unsigned long seed = 42;
	for (int i = 0; i < 20000; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		CK_ULONG a = (seed >> 33) % KEYS, b = a % 3;
		void *replaced = NULL;
		pthread_mutex_lock (&lock);
		switch ((seed >> 20) % 8) {
		case 0:
			hkp11_epoch_retire (hkp11_handle_map_steal (&shared, a, b), value_free);
			break;
		case 1:
			if (i % 1000 == 1)
				hkp11_handle_map_remove_if (&shared, odd_a, NULL, value_free);
			else if (i % 5000 == 1)
				hkp11_handle_map_clear (&shared, value_free);
			break;
		default:
			if (!hkp11_handle_map_put (&shared, a, b, value_new (a, b), &replaced)) {
				pthread_mutex_unlock (&lock);
				return (void *)1;
			}
			hkp11_epoch_retire (replaced, value_free);
		}
		pthread_mutex_unlock (&lock);
		hkp11_epoch_reclaim ();
	}
	return NULL;
}

START_TEST (test_readers_and_writer)
{
	pthread_t t[4];
	void *result;

	reset_counts ();
	stop_readers = 0;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq (pthread_create (&t[i], NULL, reader, (void *)(uintptr_t)(i + 1)),
				  0);
	ck_assert_int_eq (pthread_create (&t[3], NULL, writer, NULL), 0);
	ck_assert_int_eq (pthread_join (t[3], &result), 0);
	ck_assert_msg (result == NULL, "the writer ran out of memory");
	__atomic_store_n (&stop_readers, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq (pthread_join (t[i], &result), 0);
		ck_assert_msg (result == NULL, "reader %d: %s", i,
			       result == (void *)2   ? "saw a freed or wrong value"
			       : result == (void *)3 ? "never found a value"
						     : "no epoch record");
	}
	/* The readers are gone: everything can go. */
	hkp11_handle_map_clear (&shared, value_free);
	hkp11_epoch_reclaim ();
	ck_assert_uint_eq (n_freed, n_made);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("handle-map");
	TCase *tc = tcase_create ("map");
	tcase_set_timeout (tc, 120);
	tcase_add_test (tc, test_basics);
	tcase_add_test (tc, test_reader_holds);
	tcase_add_test (tc, test_readers_and_writer);
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}
