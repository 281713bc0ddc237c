/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PIN policy's settings: what a new user PIN must be, and whether a
 * weaker one is refused, reported or let through.  The policy layer
 * (module/policy/) enforces them; the tool's check-pin and
 * change-pin apply the same rules before the token is asked.
 */
#ifndef HKP11_SETTINGS_POLICY_H
#define HKP11_SETTINGS_POLICY_H

#include "settings/conf.h"
#include "policy/pin-policy.h"

/* pin-policy, in the order of its choices. */
enum { HKP11_PIN_MODE_ENFORCE, HKP11_PIN_MODE_WARN, HKP11_PIN_MODE_OFF };
/* Its choices, by value, NULL-terminated. */
extern const char *const hkp11_pin_modes[];

typedef struct {
	int mode;
	unsigned int min_length;
	unsigned int max_length; /* 0: the token's ulMaxPinLen */
	unsigned int require;    /* HKP11_PIN_UPPER | ... */
} hkp11_policy_settings;

extern hkp11_policy_settings hkp11_policy_conf;
extern const hkp11_option_group hkp11_policy_group;

/* The rules from the settings alone, before a token adds its own. */
void hkp11_policy_rules (const hkp11_policy_settings *s, hkp11_pin_rules *rules);

#endif
