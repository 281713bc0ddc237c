/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/audit.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const hkp11_audit_levels[] = { "off", "security", "calls", NULL };
/* Indexed by hkp11_audit_format and hkp11_audit_failure. */
const char *const hkp11_audit_formats[] = { "text", "json", NULL };
static const char *const failures[] = { "continue", "deny", NULL };
_Static_assert(HKP11_AUDIT_TEXT == 0 && HKP11_AUDIT_JSON == 1, "audit-format choices");
_Static_assert(HKP11_AUDIT_CONTINUE == 0 && HKP11_AUDIT_DENY == 1, "audit-failure choices");

hkp11_audit_settings hkp11_audit_conf;
static const hkp11_audit_settings defaults = {
	.level = HKP11_AUDIT_LEVEL_SECURITY,
	.format = HKP11_AUDIT_TEXT,
	.file = NULL,
	.failure = HKP11_AUDIT_CONTINUE,
};

/* "C_GetSlotInfo C_GetSessionInfo", separated by blanks or commas. */
static bool
parse_skip (void *field, const char *value, char *why, size_t why_len)
{
	hkp11_fn_set set;
	memset (&set, 0, sizeof set);
	const char *p = value;
	while (*p) {
		size_t n = strcspn (p, " \t,");
		if (n > 0) {
			char name[64];
			if (n >= sizeof name) {
				snprintf (why, why_len, "'%.40s...' is not a PKCS#11 function", p);
				return false;
			}
			memcpy (name, p, n);
			name[n] = '\0';
			int fn = hkp11_function_lookup (name);
			if (fn < 0) {
				snprintf (why, why_len, "'%s' is not a PKCS#11 function", name);
				return false;
			}
			set.bits[fn / 64] |= (uint64_t)1 << (fn % 64);
		}
		p += n;
		p += strspn (p, " \t,");
	}
	memcpy (field, &set, sizeof set);
	return true;
}

static void
release_skip (void *field)
{
	memset (field, 0, sizeof (hkp11_fn_set));
}

static const hkp11_option options[] = {
	{ .key = "audit",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (hkp11_audit_settings, level),
	  .choices = hkp11_audit_levels },
	{ .key = "audit-format",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (hkp11_audit_settings, format),
	  .choices = hkp11_audit_formats },
	{ .key = "audit-file",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (hkp11_audit_settings, file),
	  .check = hkp11_conf_absolute_or_none },
	{ .key = "audit-syslog",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_audit_settings, syslog) },
	{ .key = "audit-journald",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_audit_settings, journald) },
	{ .key = "audit-failure",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (hkp11_audit_settings, failure),
	  .choices = failures },
	{ .key = "audit-skip",
	  .type = HKP11_OPT_CUSTOM,
	  .offset = offsetof (hkp11_audit_settings, skip),
	  .parse = parse_skip,
	  .release = release_skip },
	{ .key = NULL },
};

const hkp11_option_group hkp11_audit_group = {
	.name = "audit",
	.options = options,
	.settings = &hkp11_audit_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_audit_conf,
};
