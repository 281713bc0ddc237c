/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording what each call received (mock-p11.h describes the record).
 *
 * The argument list of each function is walked by type: a byte pointer
 * followed by a CK_ULONG is an input buffer, an attribute pointer followed
 * by a CK_ULONG a template, a "pul..." pointer a length in and out.
 */
#include "config.h"
#include "mock.h"

#include <string.h>
#include <unistd.h>

static mock_p11_call records[MOCK_FN_COUNT];
static unsigned long counts[MOCK_FN_COUNT];

static void
push_arg (mock_rec_walk *w, uintptr_t value)
{
	if (w->rec.n_args < MOCK_P11_MAX_ARGS)
		w->rec.args[w->rec.n_args++] = value;
}

static void
add_buf (mock_rec_walk *w, const void *ptr, CK_ULONG len)
{
	if (w->rec.n_bufs >= MOCK_P11_MAX_BUFS)
		return;
	mock_p11_buf *b = &w->rec.bufs[w->rec.n_bufs++];
	b->ptr = ptr;
	b->len = len;
	if (ptr != NULL)
		memcpy (b->copy, ptr, len < MOCK_P11_BUF_COPY ? len : MOCK_P11_BUF_COPY);
}

void
mock_rec_scalar (mock_rec_walk *w, const char *name, CK_ULONG value)
{
	push_arg (w, value);
	if (w->have_pending)
		add_buf (w, w->pending_buf, value);
	w->have_pending = false;
	if (w->have_attrs && !w->attrs_done) {
		const CK_ATTRIBUTE *t = w->pending_attrs;
		w->rec.n_attrs = value;
		for (CK_ULONG i = 0; t != NULL && i < value && i < MOCK_P11_MAX_ATTRS; i++) {
			w->rec.attr_type[i] = t[i].type;
			w->rec.attr_len[i] = t[i].ulValueLen;
			w->rec.attr_value[i] = t[i].pValue;
		}
		w->attrs_done = true;
	}
	w->have_attrs = false;
}

void
mock_rec_pointer (mock_rec_walk *w, const char *name, const void *p)
{
	push_arg (w, (uintptr_t)p);
	w->have_pending = false;
	w->have_attrs = false;
}

void
mock_rec_bbool (mock_rec_walk *w, const char *name, CK_BBOOL value)
{
	mock_rec_pointer (w, name, NULL);
	w->rec.args[w->rec.n_args - 1] = value;
}

void
mock_rec_bytes (mock_rec_walk *w, const char *name, const unsigned char *p)
{
	mock_rec_pointer (w, name, p);
	w->pending_buf = p;
	w->pending_is_bytes = true;
	w->have_pending = true;
}

void
mock_rec_void (mock_rec_walk *w, const char *name, const void *p)
{
	mock_rec_pointer (w, name, p);
	w->pending_buf = p;
	w->pending_is_bytes = false;
	w->have_pending = true;
}

void
mock_rec_ulong_ptr (mock_rec_walk *w, const char *name, const CK_ULONG *p)
{
	mock_rec_pointer (w, name, p);
	if (strncmp (name, "pul", 3) == 0 && !w->rec.has_ulong_in && p != NULL) {
		w->rec.has_ulong_in = 1;
		w->rec.ulong_in = *p;
	}
}

void
mock_rec_attrs (mock_rec_walk *w, const char *name, const CK_ATTRIBUTE *p)
{
	mock_rec_pointer (w, name, p);
	w->pending_attrs = p;
	w->have_attrs = true;
}

void
mock_rec_mechanism (mock_rec_walk *w, const char *name, const CK_MECHANISM *p)
{
	mock_rec_pointer (w, name, p);
	if (p != NULL) {
		w->rec.has_mechanism = 1;
		w->rec.mechanism = p->mechanism;
		w->rec.mechanism_param_len = p->ulParameterLen;
	}
}

void
mock_rec_notify (mock_rec_walk *w, const char *name, CK_NOTIFY p)
{
	mock_rec_pointer (w, name, NULL);
	w->rec.args[w->rec.n_args - 1] = (uintptr_t)p;
}

void
mock_rec_begin (mock_rec_walk *w, int index)
{
	memset (w, 0, sizeof *w);
	w->index = index;
	pthread_mutex_lock (&mock.lock);
	w->rec.count = ++counts[index];
	w->rec.pid = getpid ();
	w->rec.rv = (CK_RV)-1;
}

void
mock_rec_args_done (mock_rec_walk *w)
{
	/* A byte pointer left without a length: C_InitToken's 32-byte label. */
	if (w->have_pending && w->pending_is_bytes)
		add_buf (w, w->pending_buf, 32);
	if (w->index == MOCK_FN_C_Initialize) {
		const CK_C_INITIALIZE_ARGS *a = (const void *)w->rec.args[0];
		w->rec.init_args_null = a == NULL;
		if (a != NULL) {
			w->rec.init_flags = a->flags;
			w->rec.init_reserved = a->pReserved;
			w->rec.init_create_mutex = (void *)a->CreateMutex;
			w->rec.init_destroy_mutex = (void *)a->DestroyMutex;
			w->rec.init_lock_mutex = (void *)a->LockMutex;
			w->rec.init_unlock_mutex = (void *)a->UnlockMutex;
		}
	}
	/* Visible while the call runs (C_WaitForSlotEvent may block). */
	records[w->index] = w->rec;
}

CK_RV
mock_rec_end (mock_rec_walk *w, CK_RV rv)
{
	if (records[w->index].count == w->rec.count)
		records[w->index].rv = rv;
	pthread_mutex_unlock (&mock.lock);
	return rv;
}

/* The test interface of mock-p11.h. */

MOCK_EXPORT const mock_p11_call *
mock_p11_last_call (const char *function)
{
	int i = mock_function_index (function);
	if (i < 0 || counts[i] == 0)
		return NULL;
	return &records[i];
}

MOCK_EXPORT unsigned long
mock_p11_call_count (const char *function)
{
	int i = mock_function_index (function);
	unsigned long n;
	if (i < 0)
		return 0;
	/* Tests poll this while other threads call in (TSan). */
	pthread_mutex_lock (&mock.lock);
	n = counts[i];
	pthread_mutex_unlock (&mock.lock);
	return n;
}

MOCK_EXPORT void
mock_p11_reset_calls (void)
{
	pthread_mutex_lock (&mock.lock);
	memset (records, 0, sizeof records);
	memset (counts, 0, sizeof counts);
	pthread_mutex_unlock (&mock.lock);
}
