/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where files live: the user's XDG directories (their environment variable
 * when it holds an absolute path, as the XDG spec says, else the default
 * under the home) and the system's, as configure chose them.
 *
 * This file is built on its own (common/libhkp11-paths.la), not in the
 * common library: the privilege test builds the module with system paths
 * of its own in the build tree (tests/privilege.mk).
 */
#ifndef HKP11_BASE_PATHS_H
#define HKP11_BASE_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* ${XDG_STATE_HOME:-~/.local/state}/sub into buf; false without a home
 * (hkp11_home_dir) or when it does not fit. */
bool hkp11_xdg_state_path (const char *sub, char *buf, size_t len);

/* ${XDG_CONFIG_HOME:-~/.config}/sub into buf; false likewise. */
bool hkp11_xdg_config_path (const char *sub, char *buf, size_t len);

/* $(sysconfdir): the system's hkpost-p11/hkpost-p11.conf is there. */
const char *hkp11_system_config_dir (void);

/* $(localstatedir)/lib/hkpost-p11: a set-uid program's lockout state. */
const char *hkp11_system_state_dir (void);

#endif
