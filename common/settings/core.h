/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core's settings, those that belong to no layer: which vendor library
 * the shim forwards to.  The module (module/core/backend.c) and the tool
 * (`hkpost-p11 status`) both choose it from these.
 */
#ifndef HKP11_SETTINGS_CORE_H
#define HKP11_SETTINGS_CORE_H

#include "settings/conf.h"

/* Overrides the backend setting. */
#define HKP11_ENV_BACKEND "HKPOST_P11_BACKEND"

typedef struct {
	char *backend; /* NULL: the first of hkp11_default_backends that exists */
} hkp11_core_settings;

extern hkp11_core_settings hkp11_core_conf;
extern const hkp11_option_group hkp11_core_group;

/* The SafeNet library paths searched when nothing is configured, in order,
 * NULL-terminated. */
extern const char *const hkp11_default_backends[];

#endif
