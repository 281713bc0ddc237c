/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the settings parser, over every option the layers
 * really have (choices, numbers, booleans, strings, label templates,
 * audit-skip lists, pin-require classes), as a configuration file and as
 * the C_Initialize pReserved string.  The first byte picks the form.
 *
 * Whatever the text: no crash, no leak; a failure always says why, in one
 * line of printable UTF-8 (no control character from the text gets through
 * to a terminal or a log); a text parses the same way twice; and a reset
 * brings every setting back to its default, freeing what the text set.
 */
#include "config.h"
#include "settings/conf.h"
#include "base/text.h"
#include "core/layer.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A broken promise: say which, then crash so that libFuzzer keeps the input. */
#define FAIL() (fprintf (stderr, "%s: check at line %d failed\n", __FILE__, __LINE__), abort ())

extern hkp11_layer *const hkp11_layers[];

/* The core's own key, as module/core/shim.c has it. */
typedef struct {
	char *backend;
} core_settings;
static core_settings core;
static const core_settings core_defaults = { NULL };
static const hkp11_option core_options[] = {
	{ .key = "backend", .type = HKP11_OPT_STRING, .offset = offsetof (core_settings, backend) },
	{ .key = NULL },
};

#define MAX_GROUPS 8
static hkp11_option_group groups[MAX_GROUPS];
static size_t n_groups;

static void
init (void)
{
	groups[n_groups++] = (hkp11_option_group){ .name = "core",
						   .options = core_options,
						   .settings = &core,
						   .defaults = &core_defaults,
						   .size = sizeof core };
	for (size_t i = 0; hkp11_layers[i] && n_groups < MAX_GROUPS; i++) {
		if (hkp11_layers[i]->options)
			groups[n_groups++] = *hkp11_layers[i]->options;
	}
	/* hkp11_config_load reads a file first: an empty one. */
	setenv ("HKPOST_P11_CONF", "/dev/null", 1);
}

static void
check_defaults (void)
{
	for (size_t i = 0; i < n_groups; i++) {
		if (memcmp (groups[i].settings, groups[i].defaults, groups[i].size) != 0)
			FAIL ();
	}
}

static void
check_error (bool ok, const hkp11_error *err)
{
	if (ok)
		return;
	size_t len = strnlen (err->text, sizeof err->text);
	if (len == 0 || len == sizeof err->text)
		FAIL ();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)err->text[i];
		if (c < 0x20 || c == 0x7f)
			FAIL ();
	}
	if (!hkp11_utf8_valid (err->text, len))
		FAIL ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	hkp11_error err;
	hkp11_config_sources sources;

	if (n_groups == 0)
		init ();
	if (size == 0)
		return 0;
	bool semicolons = data[0] & 1;
	char *text = malloc (size);
	if (text == NULL)
		return 0;
	memcpy (text, data + 1, size - 1);
	text[size - 1] = '\0';

	/* As text, twice: the same answer both times. */
	hkp11_config_reset (groups, n_groups);
	memset (&err, 0, sizeof err);
	bool ok = hkp11_config_parse (groups, n_groups, text, "fuzz", semicolons, &err);
	check_error (ok, &err);
	memset (&err, 0, sizeof err);
	if (hkp11_config_parse (groups, n_groups, text, "fuzz", semicolons, &err) != ok)
		FAIL ();
	check_error (ok, &err);
	hkp11_config_reset (groups, n_groups);
	check_defaults ();

	/* As pReserved: a failure is blamed on it, and leaves the defaults. */
	memset (&err, 0, sizeof err);
	ok = hkp11_config_load (groups, n_groups, text, &sources, &err);
	check_error (ok, &err);
	if (!ok) {
		if (!err.in_init_reserved)
			FAIL ();
		check_defaults ();
	} else if (!sources.init_reserved) {
		FAIL ();
	}
	hkp11_config_reset (groups, n_groups);
	check_defaults ();
	free (text);
	return 0;
}
