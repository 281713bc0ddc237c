/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: e-Cert recognition and label building on arbitrary
 * DER, as a token might hand it over.  Whatever the input, parsing must
 * not crash or leak, and every label built must be valid UTF-8 without ':'.
 *
 * Built with clang when configured with --enable-fuzzing:
 *   tests/fuzz/fuzz-ecert tests/fuzz/corpus/ecert
 * Without it, fuzz-driver.c runs the same target over the committed seeds
 * as an ordinary test.
 */
#include "config.h"
#include "ecert/ecert.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_label (const char *label, size_t len)
{
	char copy[4 * HKP11_LABEL_SIZE];
	if (len > HKP11_LABEL_MAX + 64 || strlen (label) != len || strchr (label, ':') != NULL)
		abort ();
	/* A label is left alone by sanitising: valid UTF-8, no controls. */
	if (hkp11_label_sanitise (label, len, copy, sizeof copy) != len ||
	    memcmp (copy, label, len))
		abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const char *const extra[] = {
		"{holder}|{kind}|{organisation}|{srn}|{expiry}|{issuer}|{mutual-recognition}|{"
		"serial}",
		"[{srn}] [{{x}}] {holder}:{holder}",
	};
	hkp11_ecert *info = malloc (sizeof *info);
	char labels[2][HKP11_LABEL_SIZE];
	if (info == NULL)
		return 0;

	hkp11_ecert_parse (data, size, info);
	if (info->recognised && !info->parsed)
		abort ();
	for (int lang = HKP11_LANG_EN; lang <= HKP11_LANG_ZH_HANT; lang++) {
		const char *tmpls[] = { hkp11_label_default_template (lang),
					hkp11_label_subject_template (lang), extra[0], extra[1] };
		for (size_t t = 0; t < sizeof tmpls / sizeof tmpls[0]; t++) {
			size_t len = hkp11_label_build (info, tmpls[t], lang, labels[0],
							sizeof labels[0]);
			check_label (labels[0], len);
		}
	}

	/* Twins are told apart, and stay clean. */
	hkp11_label_build (info, hkp11_label_default_template (HKP11_LANG_EN), HKP11_LANG_EN,
			   labels[0], sizeof labels[0]);
	memcpy (labels[1], labels[0], sizeof labels[0]);
	hkp11_label_entry entries[2] = { { .label = labels[0], .info = info },
					 { .label = labels[1], .info = info } };
	if (!hkp11_label_make_unique (entries, 2) || strcmp (labels[0], labels[1]) == 0)
		abort ();
	check_label (labels[0], strlen (labels[0]));
	check_label (labels[1], strlen (labels[1]));

	/* The raw bytes as a would-be label, too. */
	char sanitised[4 * 512 + 1];
	size_t n = size > 512 ? 512 : size;
	size_t len = hkp11_label_sanitise ((const char *)data, n, sanitised, sizeof sanitised);
	if (strlen (sanitised) != len || strchr (sanitised, ':') != NULL)
		abort ();

	free (info);
	return 0;
}
