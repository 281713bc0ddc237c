/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tokens coming and going: a thread of the monitor waits in a blocking
 * C_WaitForSlotEvent through the module and hands each event to the main
 * loop.  The thread is the monitor's own (the monitor is a program of ours,
 * not an application the module is loaded into: the module itself never
 * starts one).  C_Finalize wakes it at the end.
 *
 * A token library that cannot wait (SoftHSM answers
 * CKR_FUNCTION_NOT_SUPPORTED) ends the thread; the monitor then polls the
 * slot list instead.
 */
#include "config.h"
#include "monitor.h"

#include <glib.h>

struct mon_slots {
	CK_FUNCTION_LIST_3_0 *f;
	void (*event) (void *data);
	void *data;
	GThread *thread;
	gint waiting;  /* atomic: the thread is in its loop */
	gint stopping; /* atomic: the monitor is ending */
};

static gboolean
deliver (gpointer data)
{
	mon_slots *s = data;
	if (!g_atomic_int_get (&s->stopping))
		s->event (s->data);
	return G_SOURCE_REMOVE;
}

static gpointer
wait_loop (gpointer data)
{
	mon_slots *s = data;
	unsigned int failures = 0;

	while (!g_atomic_int_get (&s->stopping)) {
		CK_SLOT_ID slot = 0;
		CK_RV rv = s->f->C_WaitForSlotEvent (0, &slot, NULL);
		if (g_atomic_int_get (&s->stopping))
			break;
		if (rv == CKR_OK) {
			failures = 0;
			/* The main loop owns everything else: it does the work. */
			g_idle_add (deliver, s);
			continue;
		}
		/* Not supported, or broken: a library that fails at once each
		 * time would spin this thread; polling does the job. */
		if (rv == CKR_FUNCTION_NOT_SUPPORTED || ++failures >= 3)
			break;
		g_usleep (G_USEC_PER_SEC);
	}
	g_atomic_int_set (&s->waiting, 0);
	return NULL;
}

mon_slots *
mon_slots_start (CK_FUNCTION_LIST_3_0 *f, void (*event) (void *data), void *data)
{
	mon_slots *s = g_new0 (mon_slots, 1);
	s->f = f;
	s->event = event;
	s->data = data;
	g_atomic_int_set (&s->waiting, 1);
	s->thread = g_thread_try_new ("hkpost-p11-slots", wait_loop, s, NULL);
	if (s->thread == NULL)
		g_atomic_int_set (&s->waiting, 0);
	return s;
}

bool
mon_slots_waiting (mon_slots *s)
{
	return g_atomic_int_get (&s->waiting) != 0;
}

void
mon_slots_stopping (mon_slots *s)
{
	if (s != NULL)
		g_atomic_int_set (&s->stopping, 1);
}

void
mon_slots_free (mon_slots *s)
{
	if (s == NULL)
		return;
	g_atomic_int_set (&s->stopping, 1);
	if (s->thread != NULL)
		g_thread_join (s->thread);
	/* An event posted before the end must not find s gone. */
	while (g_idle_remove_by_data (s))
		;
	g_free (s);
}
