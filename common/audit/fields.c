/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/fields.h"

const char *const hkp11_audit_field_keys[HKP11_AUDIT_N_FIELDS] = {
#define KEY(id, key, journal) [HKP11_AUDIT_F_##id] = key,
	HKP11_AUDIT_FIELDS (KEY) HKP11_AUDIT_EVENT_ARGS (KEY)
#undef KEY
};

const char *const hkp11_audit_field_journal[HKP11_AUDIT_N_FIELDS] = {
#define JOURNAL(id, key, journal) [HKP11_AUDIT_F_##id] = journal,
	HKP11_AUDIT_FIELDS (JOURNAL) HKP11_AUDIT_EVENT_ARGS (JOURNAL)
#undef JOURNAL
};
