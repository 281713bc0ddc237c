/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every settings group, in one list: the module loads these at
 * C_Initialize and the tool loads the same ones, so that both know exactly
 * the same keys, types, bounds and defaults.  Each concern's keys live in
 * its own file (common/settings/); config/hkpost-p11.conf documents
 * them all, and tests/test-settings checks that the two agree.
 */
#ifndef HKP11_SETTINGS_H
#define HKP11_SETTINGS_H

#include "settings/conf.h"
#include "settings/audit.h"
#include "settings/core.h"
#include "settings/labels.h"
#include "settings/lockout.h"
#include "settings/monitor.h"
#include "settings/policy.h"

/* Room for every group hkp11_settings_groups fills in. */
#define HKP11_SETTINGS_MAX_GROUPS 8

/* Fills out with copies of every group, up to max; returns how many. */
size_t hkp11_settings_groups (hkp11_option_group *out, size_t max);

#endif
