/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "policy/pin-policy.h"
#include "base/debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	unsigned int bit;
	const char *key;  /* in pin-require */
	const char *noun; /* in messages */
} classes[] = {
	{ HKP11_PIN_UPPER, "upper", "an upper-case letter" },
	{ HKP11_PIN_LOWER, "lower", "a lower-case letter" },
	{ HKP11_PIN_DIGIT, "digit", "a digit" },
	{ HKP11_PIN_SPECIAL, "special", "a special character" },
};
#define N_CLASSES (sizeof classes / sizeof classes[0])

void
hkp11_pin_rules_default (hkp11_pin_rules *rules)
{
	memset (rules, 0, sizeof *rules);
	rules->min_length = 8;
	rules->require = HKP11_PIN_ALL_CLASSES;
	rules->printable_ascii_only = true;
}

static unsigned int
larger (unsigned int a, unsigned int b)
{
	return a > b ? a : b;
}

/* The stricter of two limits where 0 means "no limit". */
static unsigned int
tighter_limit (unsigned int a, unsigned int b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void
hkp11_pin_rules_merge (hkp11_pin_rules *rules, const hkp11_pin_rules *other)
{
	rules->min_length = larger (rules->min_length, other->min_length);
	rules->max_length = tighter_limit (rules->max_length, other->max_length);
	rules->require |= other->require;
	rules->forbid |= other->forbid;
	/* A kind the token forbids cannot also be required: the token would
	 * refuse every PIN.  Its refusal is the stricter rule. */
	rules->require &= ~rules->forbid;
	rules->min_classes = larger (rules->min_classes, other->min_classes);
	rules->max_repeated = tighter_limit (rules->max_repeated, other->max_repeated);
	rules->printable_ascii_only = rules->printable_ascii_only || other->printable_ascii_only;
}

/* Bytes outside ASCII count as special: they are neither letters nor
 * digits on every keyboard. */
static unsigned int
class_of (unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return HKP11_PIN_UPPER;
	if (c >= 'a' && c <= 'z')
		return HKP11_PIN_LOWER;
	if (c >= '0' && c <= '9')
		return HKP11_PIN_DIGIT;
	return HKP11_PIN_SPECIAL;
}

static bool
printable_ascii (unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* Compares without an early exit, so timing tells nothing about where the
 * two PINs differ. */
static bool
same_pin (const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len)
{
	if (a_len != b_len)
		return false;
	unsigned char diff = 0;
	for (size_t i = 0; i < a_len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

bool
hkp11_pin_check (const hkp11_pin_rules *rules, const unsigned char *pin, size_t len,
		 const unsigned char *old, size_t old_len, hkp11_pin_verdict *verdict)
{
	hkp11_return_val_if_fail (rules != NULL, false);
	hkp11_return_val_if_fail (pin != NULL || len == 0, false);
	hkp11_pin_verdict v;
	unsigned int seen = 0;
	size_t run = 0;

	memset (&v, 0, sizeof v);
	v.length = len;

	for (size_t i = 0; i < len; i++) {
		if (rules->printable_ascii_only && !printable_ascii (pin[i]))
			v.failures |= HKP11_PIN_BAD_CHARACTER;
		seen |= class_of (pin[i]);
		run = (i > 0 && pin[i] == pin[i - 1]) ? run + 1 : 1;
		if (run > v.longest_run)
			v.longest_run = run;
	}

	if (rules->min_length > 0 && len < rules->min_length)
		v.failures |= HKP11_PIN_TOO_SHORT;
	if (rules->max_length > 0 && len > rules->max_length)
		v.failures |= HKP11_PIN_TOO_LONG;
	v.missing = rules->require & ~seen & HKP11_PIN_ALL_CLASSES;
	if (v.missing)
		v.failures |= HKP11_PIN_MISSING_CLASS;
	v.forbidden = rules->forbid & seen & HKP11_PIN_ALL_CLASSES;
	if (v.forbidden)
		v.failures |= HKP11_PIN_FORBIDDEN_CLASS;
	for (unsigned int bit = 1; bit <= HKP11_PIN_ALL_CLASSES; bit <<= 1)
		v.n_classes += (seen & bit) != 0;
	if (v.n_classes < rules->min_classes)
		v.failures |= HKP11_PIN_TOO_FEW_CLASSES;
	if (rules->max_repeated > 0 && v.longest_run > rules->max_repeated)
		v.failures |= HKP11_PIN_REPEATED;
	if (old != NULL && same_pin (pin, len, old, old_len))
		v.failures |= HKP11_PIN_SAME_AS_OLD;

	if (verdict != NULL)
		*verdict = v;
	return v.failures == 0;
}

bool
hkp11_pin_verdict_is_length (const hkp11_pin_verdict *verdict)
{
	const unsigned int length = HKP11_PIN_TOO_SHORT | HKP11_PIN_TOO_LONG;
	return (verdict->failures & length) != 0;
}

static const struct {
	unsigned int bit;
	const char *name;
} reason_names[] = {
	{ HKP11_PIN_TOO_SHORT, "too-short" },
	{ HKP11_PIN_TOO_LONG, "too-long" },
	{ HKP11_PIN_BAD_CHARACTER, "bad-character" },
	{ HKP11_PIN_MISSING_CLASS, "missing-class" },
	{ HKP11_PIN_FORBIDDEN_CLASS, "forbidden-class" },
	{ HKP11_PIN_TOO_FEW_CLASSES, "too-few-classes" },
	{ HKP11_PIN_REPEATED, "repeated" },
	{ HKP11_PIN_SAME_AS_OLD, "same-as-old" },
};

const char *
hkp11_pin_reason_name (const hkp11_pin_verdict *verdict)
{
	for (size_t i = 0; i < sizeof reason_names / sizeof reason_names[0]; i++) {
		if (verdict->failures & reason_names[i].bit)
			return reason_names[i].name;
	}
	return "ok";
}

/* Appends to buf at *used, keeping it terminated however small it is. */
static void append (char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__ ((format (printf, 4, 5)));

static void
append (char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	if (*used >= len)
		return;
	va_start (ap, fmt);
	int n = vsnprintf (buf + *used, len - *used, fmt, ap);
	va_end (ap);
	if (n > 0)
		*used = (size_t)n < len - *used ? *used + (size_t)n : len;
}

char *
hkp11_pin_reason_names (const hkp11_pin_verdict *verdict, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof reason_names / sizeof reason_names[0]; i++) {
		if (verdict->failures & reason_names[i].bit)
			append (buf, len, &used, "%s%s", used ? "," : "", reason_names[i].name);
	}
	if (used == 0)
		append (buf, len, &used, "ok");
	return buf;
}

/* "an upper-case letter, a digit and a special character" */
static void
append_class_list (char *buf, size_t len, size_t *used, unsigned int mask)
{
	unsigned int total = 0, done = 0;
	for (size_t i = 0; i < N_CLASSES; i++)
		total += (mask & classes[i].bit) != 0;
	for (size_t i = 0; i < N_CLASSES; i++) {
		if (!(mask & classes[i].bit))
			continue;
		const char *sep = done == 0 ? "" : (done + 1 == total ? " and " : ", ");
		append (buf, len, used, "%s%s", sep, classes[i].noun);
		done++;
	}
}

char *
hkp11_pin_describe (const hkp11_pin_verdict *verdict, const hkp11_pin_rules *rules, char *buf,
		    size_t len)
{
	size_t used = 0;
	const char *sep = "";

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (verdict->failures == 0) {
		append (buf, len, &used, "the PIN meets the policy");
		return buf;
	}

	if (verdict->failures & HKP11_PIN_TOO_SHORT) {
		append (buf, len, &used, "%shas %zu characters, at least %u are required", sep,
			verdict->length, rules->min_length);
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_TOO_LONG) {
		append (buf, len, &used, "%shas %zu characters, at most %u are allowed", sep,
			verdict->length, rules->max_length);
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_BAD_CHARACTER) {
		append (buf, len, &used,
			"%scontains a character outside printable ASCII (letters, digits, "
			"space and !\"#$%%&'()*+,-./:;<=>?@[\\]^_`{|}~ only)",
			sep);
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_MISSING_CLASS) {
		append (buf, len, &used, "%slacks ", sep);
		append_class_list (buf, len, &used, verdict->missing);
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_FORBIDDEN_CLASS) {
		append (buf, len, &used, "%scontains ", sep);
		append_class_list (buf, len, &used, verdict->forbidden);
		append (buf, len, &used, ", which the token forbids");
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_TOO_FEW_CLASSES) {
		append (buf, len, &used,
			"%smixes %u kinds of character, at least %u of upper case, lower case, "
			"digits and special characters are required",
			sep, verdict->n_classes, rules->min_classes);
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_REPEATED) {
		append (buf, len, &used,
			"%srepeats one character %zu times in a row, at most %u are allowed", sep,
			verdict->longest_run, rules->max_repeated);
		sep = "; ";
	}
	if (verdict->failures & HKP11_PIN_SAME_AS_OLD) {
		append (buf, len, &used, "%sis the same as the current PIN", sep);
		sep = "; ";
	}
	return buf;
}

char *
hkp11_pin_classes_describe (unsigned int mask, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < N_CLASSES; i++) {
		if (mask & classes[i].bit)
			append (buf, len, &used, "%s%s", used ? " " : "", classes[i].key);
	}
	if (used == 0)
		append (buf, len, &used, "none");
	return buf;
}

bool
hkp11_pin_require_parse (const char *value, unsigned int *out, char *why, size_t why_len)
{
	unsigned int mask = 0;
	bool none = false;
	const char *p = value;

	while (*p) {
		size_t skip = strspn (p, " \t,");
		p += skip;
		if (*p == '\0')
			break;
		size_t n = strcspn (p, " \t,");
		bool known = false;
		if (n == 4 && strncmp (p, "none", 4) == 0) {
			none = known = true;
		} else {
			for (size_t i = 0; i < N_CLASSES; i++) {
				if (strlen (classes[i].key) == n &&
				    strncmp (p, classes[i].key, n) == 0) {
					mask |= classes[i].bit;
					known = true;
				}
			}
		}
		if (!known) {
			snprintf (why, why_len,
				  "'%.*s' is not a character class (use upper, lower, digit, "
				  "special, or none)",
				  (int)(n > 32 ? 32 : n), p);
			return false;
		}
		p += n;
	}
	if (none && mask != 0) {
		snprintf (why, why_len, "'none' cannot be combined with a class");
		return false;
	}
	if (!none && mask == 0) {
		snprintf (why, why_len, "name at least one class, or none");
		return false;
	}
	*out = mask;
	return true;
}
