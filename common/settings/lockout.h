/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lockout protection's settings: how many wrong PINs a token takes,
 * when to warn, when to hold the last tries back, and where the counts
 * live.  The lockout layer (module/lockout/) acts on them; the
 * tool's status and guard release read the same counts with them.
 */
#ifndef HKP11_SETTINGS_LOCKOUT_H
#define HKP11_SETTINGS_LOCKOUT_H

#include "settings/conf.h"
#include "settings/programs.h"

typedef struct {
	unsigned int attempts;
	unsigned int warn;                 /* tries left from which to warn; 0: never */
	unsigned int guard;                /* tries left held back; 0: none */
	bool warn_label;                   /* lockout-warn-label: the label may count down at all */
	hkp11_program_list label_programs; /* ...and only in these host programs */
	bool repeat_guard;
	char *state_dir; /* NULL: ${XDG_STATE_HOME:-~/.local/state}/hkpost-p11 */
} hkp11_lockout_settings;

extern hkp11_lockout_settings hkp11_lockout_conf;
extern const hkp11_option_group hkp11_lockout_group;

/* Whether the settings leave the layer anything to do (it counts only then). */
bool hkp11_lockout_enabled (const hkp11_lockout_settings *s);

#endif
