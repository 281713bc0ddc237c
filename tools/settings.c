/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The settings the tool shows and applies: the policy (check-pin,
 * change-pin), the lockout counts (status, guard release), the audit
 * destination and the token library.
 *
 * They are the module's own settings groups (common/settings/settings.h), read from
 * the file the module reads with the same hkp11_config_load: the same keys,
 * types, bounds, defaults and messages (config/hkpost-p11.conf documents
 * them).  A setting the module would refuse, the tool refuses too.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "audit/log.h"
#include "base/compat.h"
#include "settings/settings.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static size_t
groups_of (hkp11_option_group *groups)
{
	return hkp11_settings_groups (groups, HKP11_SETTINGS_MAX_GROUPS);
}

bool
cli_settings_load (cli_settings *s, char *why, size_t why_len)
{
	hkp11_option_group groups[HKP11_SETTINGS_MAX_GROUPS];
	hkp11_config_sources sources;
	hkp11_error err;

	memset (s, 0, sizeof *s);
	s->core = &hkp11_core_conf;
	s->policy = &hkp11_policy_conf;
	s->lockout = &hkp11_lockout_conf;
	s->audit = &hkp11_audit_conf;
	s->labels = &hkp11_labels_conf;
	s->monitor = &hkp11_monitor_conf;
	why[0] = '\0';
	if (!hkp11_config_load (groups, groups_of (groups), NULL, &sources, &err)) {
		hkp11_strlcpy (why, err.text, why_len);
		return false;
	}
	hkp11_strlcpy (s->file, sources.file, sizeof s->file);
	const char *env = hkp11_getenv (HKP11_ENV_CONF);
	s->named_by_env = s->file[0] != '\0' && env != NULL && env[0] != '\0';
	return true;
}

void
cli_settings_free (cli_settings *s)
{
	hkp11_option_group groups[HKP11_SETTINGS_MAX_GROUPS];

	(void)s;
	hkp11_config_reset (groups, groups_of (groups));
}

void
cli_settings_audit_file (const cli_settings *s, char *buf, size_t len)
{
	buf[0] = '\0';
	if (s->audit->level == HKP11_AUDIT_LEVEL_OFF)
		return;
	if (s->audit->file != NULL) {
		if (strcmp (s->audit->file, "none") != 0)
			hkp11_strlcpy (buf, s->audit->file, len);
		return;
	}
	if (!hkp11_audit_log_default_path (buf, len))
		buf[0] = '\0';
}

void
cli_settings_backend (const cli_settings *s, cli_backend_choice *c)
{
	memset (c, 0, sizeof *c);
	const char *env = hkp11_getenv (HKP11_ENV_BACKEND);
	if (env != NULL && env[0] != '\0') {
		c->found = true;
		hkp11_strlcpy (c->path, env, sizeof c->path);
		snprintf (c->chosen_by, sizeof c->chosen_by, _ ("from HKPOST_P11_BACKEND"));
		return;
	}
	if (s->core->backend != NULL) {
		c->found = true;
		hkp11_strlcpy (c->path, s->core->backend, sizeof c->path);
		snprintf (c->chosen_by, sizeof c->chosen_by, _ ("from 'backend' in %s"), s->file);
		return;
	}
	size_t used = 0;
	for (int i = 0; hkp11_default_backends[i]; i++) {
		if (access (hkp11_default_backends[i], F_OK) == 0) {
			c->found = true;
			hkp11_strlcpy (c->path, hkp11_default_backends[i], sizeof c->path);
			snprintf (c->chosen_by, sizeof c->chosen_by,
				  _ ("the default SafeNet location"));
			return;
		}
		int n = snprintf (c->tried + used, sizeof c->tried - used, "%s%s", i ? ", " : "",
				  hkp11_default_backends[i]);
		if (n > 0 && (size_t)n < sizeof c->tried - used)
			used += (size_t)n;
	}
}
