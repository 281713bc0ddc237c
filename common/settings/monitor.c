/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/monitor.h"

#include <stddef.h>

hkp11_monitor_settings hkp11_monitor_conf;
static const hkp11_monitor_settings defaults = {
	.token_events = false,
};

static const hkp11_option options[] = {
	{ .key = "monitor-token-events",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_monitor_settings, token_events) },
	{ .key = NULL },
};

const hkp11_option_group hkp11_monitor_group = {
	.name = "monitor",
	.options = options,
	.settings = &hkp11_monitor_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_monitor_conf,
};
