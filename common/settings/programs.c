/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/programs.h"

#include <stdio.h>
#include <string.h>

#define SEPARATORS " \t,"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"

bool
hkp11_program_list_parse (void *field, const char *value, char *why, size_t why_len)
{
	hkp11_program_list list = { 0 };
	const char *p = value + strspn (value, SEPARATORS);

	if (strcmp (p, "none") == 0) {
		memcpy (field, &list, sizeof list);
		return true;
	}
	if (*p == '\0') {
		snprintf (why, why_len, "expected program names, or none");
		return false;
	}
	while (*p) {
		size_t n = strcspn (p, SEPARATORS);
		size_t good = strspn (p, NAME_CHARS);
		if (good < n) {
			snprintf (why, why_len,
				  "'%.*s' is not a program name (letters, digits and . _ + - only)",
				  (int)(n < 40 ? n : 40), p);
			return false;
		}
		if (n >= HKP11_PROGRAM_NAME_MAX) {
			snprintf (why, why_len, "'%.40s...' is longer than %d characters", p,
				  HKP11_PROGRAM_NAME_MAX - 1);
			return false;
		}
		if (n == 4 && strncmp (p, "none", 4) == 0) {
			snprintf (why, why_len, "none cannot be listed with program names");
			return false;
		}
		if (list.n == HKP11_PROGRAMS_MAX) {
			snprintf (why, why_len, "more than %d program names", HKP11_PROGRAMS_MAX);
			return false;
		}
		memcpy (list.names[list.n], p, n);
		list.names[list.n][n] = '\0';
		list.n++;
		p += n;
		p += strspn (p, SEPARATORS);
	}
	memcpy (field, &list, sizeof list);
	return true;
}

bool
hkp11_program_listed (const hkp11_program_list *list, const char *program)
{
	if (program == NULL)
		return false;
	for (unsigned int i = 0; i < list->n && i < HKP11_PROGRAMS_MAX; i++) {
		size_t n = strlen (list->names[i]);
		if (strncmp (program, list->names[i], n) == 0 &&
		    (program[n] == '\0' || program[n] == '-'))
			return true;
	}
	return false;
}
