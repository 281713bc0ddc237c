/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/policy.h"

#include <stddef.h>
#include <stdio.h>

const char *const hkp11_pin_modes[] = { "enforce", "warn", "off", NULL };

hkp11_policy_settings hkp11_policy_conf;
static const hkp11_policy_settings defaults = {
	.mode = HKP11_PIN_MODE_ENFORCE,
	.min_length = 8,
	.max_length = 0,
	.require = HKP11_PIN_ALL_CLASSES,
};

static bool
parse_require (void *field, const char *value, char *why, size_t why_len)
{
	return hkp11_pin_require_parse (value, field, why, why_len);
}

static const hkp11_option options[] = {
	{ .key = "pin-policy",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (hkp11_policy_settings, mode),
	  .choices = hkp11_pin_modes },
	{ .key = "pin-min-length",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_policy_settings, min_length),
	  .min = 1,
	  .max = 255 },
	{ .key = "pin-max-length",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_policy_settings, max_length),
	  .min = 0,
	  .max = 255 },
	{ .key = "pin-require",
	  .type = HKP11_OPT_CUSTOM,
	  .offset = offsetof (hkp11_policy_settings, require),
	  .parse = parse_require },
	{ .key = NULL },
};

/* A shortest password longer than the longest: every new one refused. */
static bool
lengths_agree (const void *settings, const char **key, const char **other, char *why,
	       size_t why_len)
{
	const hkp11_policy_settings *s = settings;
	if (s->max_length == 0 || s->min_length <= s->max_length)
		return true;
	*key = "pin-max-length";
	*other = "pin-min-length";
	snprintf (why, why_len,
		  "pin-max-length %u is below pin-min-length %u, so no password could pass",
		  s->max_length, s->min_length);
	return false;
}

const hkp11_option_group hkp11_policy_group = {
	.name = "policy",
	.options = options,
	.settings = &hkp11_policy_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_policy_conf,
	.agree = lengths_agree,
};

void
hkp11_policy_rules (const hkp11_policy_settings *s, hkp11_pin_rules *rules)
{
	hkp11_pin_rules_default (rules);
	rules->min_length = s->min_length;
	rules->max_length = s->max_length;
	rules->require = s->require;
}
