/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/settings.h"

static const hkp11_option_group *const groups[] = {
	&hkp11_core_group,  &hkp11_policy_group, &hkp11_lockout_group,
	&hkp11_audit_group, &hkp11_labels_group, &hkp11_monitor_group,
};
_Static_assert(sizeof groups / sizeof groups[0] <= HKP11_SETTINGS_MAX_GROUPS,
	       "HKP11_SETTINGS_MAX_GROUPS");

size_t
hkp11_settings_groups (hkp11_option_group *out, size_t max)
{
	size_t n = 0;
	for (; n < sizeof groups / sizeof groups[0] && n < max; n++)
		out[n] = *groups[n];
	return n;
}
