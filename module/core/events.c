/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "core/events.h"
#include "base/debug.h"

static hkp11_event_sink current_sink;

void
hkp11_event_report (const hkp11_event *event)
{
	hkp11_return_if_fail (event != NULL);
	hkp11_event_sink sink = __atomic_load_n (&current_sink, __ATOMIC_ACQUIRE);
	if (sink != NULL)
		sink (event);
}

void
hkp11_event_subscribe (hkp11_event_sink sink)
{
	__atomic_store_n (&current_sink, sink, __ATOMIC_RELEASE);
}

void
hkp11_event_tell (hkp11_event_level level, const char *name, const char *function, CK_SLOT_ID slot,
		  CK_SESSION_HANDLE session, long tries_left, CK_RV result, const char *reasons,
		  const char *detail)
{
	hkp11_event event = {
		.level = level,
		.name = name,
		.function = function,
		.slot = slot,
		.session = session,
		.tries_left = tries_left,
		.result = result,
		.detail = detail,
		.reasons = reasons,
	};
	hkp11_event_report (&event);
}
