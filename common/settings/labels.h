/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The friendly labels' settings: which certificates get one, in which
 * language, and from which templates.  The labels layer
 * (module/labels/) builds labels with them; the tool's show command
 * tells whether the labels it reads are the module's.
 */
#ifndef HKP11_SETTINGS_LABELS_H
#define HKP11_SETTINGS_LABELS_H

#include "settings/conf.h"
#include "ecert/ecert.h"

/* labels, in the order of its choices. */
enum { HKP11_LABELS_HKPOST, HKP11_LABELS_ALL, HKP11_LABELS_OFF };

typedef struct {
	int mode;
	int language;               /* hkp11_label_language */
	char *label_template;       /* NULL: the language's default */
	char *token_label_template; /* NULL: the token keeps its own label */
} hkp11_labels_settings;

extern hkp11_labels_settings hkp11_labels_conf;
extern const hkp11_option_group hkp11_labels_group;

#endif
