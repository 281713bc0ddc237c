/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log's settings: what is recorded, in which format, where to,
 * and what happens when a record cannot be written.  The audit layer
 * (module/audit/) records with them; the tool's status and audit
 * commands find the log with them.
 */
#ifndef HKP11_SETTINGS_AUDIT_H
#define HKP11_SETTINGS_AUDIT_H

#include "audit/log.h"
#include "settings/conf.h"
#include "p11/constants.h"

#include <stdbool.h>
#include <stdint.h>

/* audit, in the order of its choices. */
enum { HKP11_AUDIT_LEVEL_OFF, HKP11_AUDIT_LEVEL_SECURITY, HKP11_AUDIT_LEVEL_CALLS };

/* The choices of audit and audit-format, by value, NULL-terminated: the
 * names records and the tool show. */
extern const char *const hkp11_audit_levels[];
extern const char *const hkp11_audit_formats[];

/* A set of API functions (audit-skip). */
typedef struct {
	uint64_t bits[(HKP11_FN_COUNT + 63) / 64];
} hkp11_fn_set;

static inline bool
hkp11_fn_set_has (const hkp11_fn_set *set, hkp11_function_id fn)
{
	return (set->bits[fn / 64] >> (fn % 64)) & 1;
}

typedef struct {
	int level;
	int format; /* hkp11_audit_format: audit-format's choices in its order */
	char *file; /* NULL: the default path; "none": no file */
	bool syslog;
	bool journald;
	int failure; /* hkp11_audit_failure: audit-failure's choices in its order */
	hkp11_fn_set skip;
} hkp11_audit_settings;

extern hkp11_audit_settings hkp11_audit_conf;
extern const hkp11_option_group hkp11_audit_group;

#endif
