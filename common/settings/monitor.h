/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The desktop monitor's settings (`hkpost-p11 monitor`, tools/monitor/):
 * the module itself does nothing with them, but it reads the same file, so
 * it must know the keys.
 */
#ifndef HKP11_SETTINGS_MONITOR_H
#define HKP11_SETTINGS_MONITOR_H

#include "settings/conf.h"

typedef struct {
	/* Tell when a token is inserted or removed; off by default: the
	 * holder sees that anyway, and warnings must not drown. */
	bool token_events;
} hkp11_monitor_settings;

extern hkp11_monitor_settings hkp11_monitor_conf;
extern const hkp11_option_group hkp11_monitor_group;

#endif
