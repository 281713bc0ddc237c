/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/paths.h"
#include "base/compat.h"

#include <stdio.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef HKP11_SYSTEM_STATE_DIR
#define HKP11_SYSTEM_STATE_DIR "/var/lib/hkpost-p11"
#endif

/* $VARIABLE/sub when VARIABLE holds an absolute path, else ~/fallback/sub. */
static bool
xdg_path (const char *variable, const char *fallback, const char *sub, char *buf, size_t len)
{
	const char *xdg = hkp11_getenv (variable);
	int n;
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf (buf, len, "%s/%s", xdg, sub);
	} else {
		const char *home = hkp11_home_dir ();
		if (home == NULL)
			return false;
		n = snprintf (buf, len, "%s/%s/%s", home, fallback, sub);
	}
	return n > 0 && (size_t)n < len;
}

bool
hkp11_xdg_state_path (const char *sub, char *buf, size_t len)
{
	return xdg_path ("XDG_STATE_HOME", ".local/state", sub, buf, len);
}

bool
hkp11_xdg_config_path (const char *sub, char *buf, size_t len)
{
	return xdg_path ("XDG_CONFIG_HOME", ".config", sub, buf, len);
}

const char *
hkp11_system_config_dir (void)
{
	return SYSCONFDIR;
}

const char *
hkp11_system_state_dir (void)
{
	return HKP11_SYSTEM_STATE_DIR;
}
