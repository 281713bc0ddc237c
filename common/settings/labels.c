/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/labels.h"

#include <stddef.h>

static const char *const modes[] = { "hkpost", "all", "off", NULL };
/* Indexed by hkp11_label_language. */
static const char *const languages[] = { "en", "zh-Hant", NULL };
_Static_assert(HKP11_LANG_EN == 0 && HKP11_LANG_ZH_HANT == 1, "label-language choices");

hkp11_labels_settings hkp11_labels_conf;
static const hkp11_labels_settings defaults = {
	.mode = HKP11_LABELS_HKPOST,
	.language = HKP11_LANG_EN,
	.label_template = NULL,
	.token_label_template = NULL,
};

static const hkp11_option options[] = {
	{ .key = "labels",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (hkp11_labels_settings, mode),
	  .choices = modes },
	{ .key = "label-language",
	  .type = HKP11_OPT_CHOICE,
	  .offset = offsetof (hkp11_labels_settings, language),
	  .choices = languages },
	{ .key = "label-template",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (hkp11_labels_settings, label_template),
	  .check = hkp11_label_template_check },
	{ .key = "token-label",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (hkp11_labels_settings, token_label_template),
	  .check = hkp11_label_template_check },
	{ .key = NULL },
};

const hkp11_option_group hkp11_labels_group = {
	.name = "labels",
	.options = options,
	.settings = &hkp11_labels_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_labels_conf,
};
