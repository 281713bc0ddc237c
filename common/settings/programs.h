/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A setting that names host programs ("firefox chromium"): a fixed list, so
 * that settings structs holding one copy by assignment, and how a running
 * program's name (hkp11_program_name) is matched against it.
 */
#ifndef HKP11_SETTINGS_PROGRAMS_H
#define HKP11_SETTINGS_PROGRAMS_H

#include <stdbool.h>
#include <stddef.h>

#define HKP11_PROGRAMS_MAX 16
#define HKP11_PROGRAM_NAME_MAX 64 /* with the terminator */

typedef struct {
	unsigned int n;
	char names[HKP11_PROGRAMS_MAX][HKP11_PROGRAM_NAME_MAX];
} hkp11_program_list;

/*
 * A CUSTOM option's parse: names separated by blanks or commas, or "none"
 * for an empty list.  A name is letters, digits and ". _ + -", as program
 * files are called; anything else (a path, a pattern) is refused, saying why.
 */
bool hkp11_program_list_parse (void *field, const char *value, char *why, size_t why_len);

/*
 * Whether program (a program's short name) is in the list: it is a listed
 * name, or a listed name followed by '-' and a variant, so that "firefox"
 * also names Debian's "firefox-esr" and "chromium" Ubuntu's
 * "chromium-browser".  Letter case counts, as it does in file names.
 */
bool hkp11_program_listed (const hkp11_program_list *list, const char *program);

#endif
