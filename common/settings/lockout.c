/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/lockout.h"

#include <stddef.h>

hkp11_lockout_settings hkp11_lockout_conf;
static const hkp11_lockout_settings defaults = {
	.attempts = 15,
	.warn = 5,
	.guard = 1,
	.warn_label = true,
	.repeat_guard = true,
	.state_dir = NULL,
};

static const hkp11_option options[] = {
	{ .key = "lockout-attempts",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_lockout_settings, attempts),
	  .min = 1,
	  .max = 1000 },
	{ .key = "lockout-warn",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_lockout_settings, warn),
	  .min = 0,
	  .max = 1000 },
	{ .key = "lockout-guard",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_lockout_settings, guard),
	  .min = 0,
	  .max = 1000 },
	{ .key = "lockout-warn-label",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_lockout_settings, warn_label) },
	{ .key = "lockout-repeat-guard",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_lockout_settings, repeat_guard) },
	/* Absolute: relative to each program's working directory, two
	 * programs would keep two counts and the guard would not hold. */
	{ .key = "state-dir",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (hkp11_lockout_settings, state_dir),
	  .check = hkp11_conf_absolute },
	{ .key = NULL },
};

const hkp11_option_group hkp11_lockout_group = {
	.name = "lockout",
	.options = options,
	.settings = &hkp11_lockout_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_lockout_conf,
};

bool
hkp11_lockout_enabled (const hkp11_lockout_settings *s)
{
	return s->warn > 0 || s->guard > 0 || s->repeat_guard;
}
