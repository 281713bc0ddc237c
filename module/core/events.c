/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core/events.h"

static hkp11_event_sink current_sink;

void
hkp11_event_report (const hkp11_event *event)
{
	hkp11_event_sink sink = __atomic_load_n (&current_sink, __ATOMIC_ACQUIRE);
	if (sink != NULL)
		sink (event);
}

void
hkp11_event_subscribe (hkp11_event_sink sink)
{
	__atomic_store_n (&current_sink, sink, __ATOMIC_RELEASE);
}
