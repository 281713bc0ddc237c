/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/lockout.h"

#include <stddef.h>

hkp11_lockout_settings hkp11_lockout_conf;
static const hkp11_lockout_settings defaults = {
	.attempts = 15,
	.warn = 5,
	.guard = 1,
	.warn_label = true,
	/*
	 * Where the tries left are shown in the token label.  The label is the
	 * token's identity: a PKCS#11 URI's token=, pkcs11-helper's key
	 * references (gnupg-pkcs11-scd), NSS nicknames "label:name".  A
	 * renamed token is another token to them: the key goes missing and
	 * the holder cannot even log in to reset the count.  Firefox and
	 * Chromium name no token by its label (client certificates are chosen
	 * by issuer and serial number), and their password dialogs show the
	 * label and nothing else of the token: there the countdown is worth
	 * it.  Not Thunderbird: its S/MIME settings keep the signing
	 * certificate's nickname "label:name".
	 */
	.label_programs = { .n = 2, .names = { "firefox", "chromium" } },
	.repeat_guard = true,
	.state_dir = NULL,
};

static const hkp11_option options[] = {
	{ .key = "lockout-attempts",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_lockout_settings, attempts),
	  .min = 1,
	  .max = 1000 },
	{ .key = "lockout-warn",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_lockout_settings, warn),
	  .min = 0,
	  .max = 1000 },
	{ .key = "lockout-guard",
	  .type = HKP11_OPT_UINT,
	  .offset = offsetof (hkp11_lockout_settings, guard),
	  .min = 0,
	  .max = 1000 },
	{ .key = "lockout-warn-label",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_lockout_settings, warn_label) },
	{ .key = "lockout-label-programs",
	  .type = HKP11_OPT_CUSTOM,
	  .offset = offsetof (hkp11_lockout_settings, label_programs),
	  .parse = hkp11_program_list_parse },
	{ .key = "lockout-repeat-guard",
	  .type = HKP11_OPT_BOOL,
	  .offset = offsetof (hkp11_lockout_settings, repeat_guard) },
	/* Absolute: relative to each program's working directory, two
	 * programs would keep two counts and the guard would not hold. */
	{ .key = "state-dir",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (hkp11_lockout_settings, state_dir),
	  .check = hkp11_conf_absolute },
	{ .key = NULL },
};

const hkp11_option_group hkp11_lockout_group = {
	.name = "lockout",
	.options = options,
	.settings = &hkp11_lockout_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_lockout_conf,
};

bool
hkp11_lockout_enabled (const hkp11_lockout_settings *s)
{
	return s->warn > 0 || s->guard > 0 || s->repeat_guard;
}
