/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/debug.h"
#include "base/message.h"

#include <stdlib.h>

void
hkp11_precondition_failed (const char *expr, const char *function)
{
	hkp11_message (HKP11_MSG_ERROR, "internal error: '%s' is not true in %s", expr, function);
#ifdef HKP11_DEBUG
	abort ();
#endif
}
