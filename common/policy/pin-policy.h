/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PIN policy as a pure check: a candidate PIN and the rules in, a verdict
 * out.  No I/O, no PKCS#11 calls, no allocation: the policy layer and the
 * token-manager tool both use it, and the unit tests drive it from a table.
 *
 * A verdict names every rule the PIN breaks.  Two ways to tell it:
 *  - hkp11_pin_reason_names: the fixed names of the rules broken, nothing
 *    about the PIN itself.  The only form for the audit log, syslog and
 *    any other place that others may read.
 *  - hkp11_pin_describe: a sentence that gives the PIN's length and the
 *    kinds of character it has or lacks (never a character of it), for the
 *    holder's own terminal or dialog only.
 */
#ifndef HKP11_PIN_POLICY_H
#define HKP11_PIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Character classes a rule can require or forbid. */
#define HKP11_PIN_UPPER 0x01u
#define HKP11_PIN_LOWER 0x02u
#define HKP11_PIN_DIGIT 0x04u
#define HKP11_PIN_SPECIAL 0x08u
#define HKP11_PIN_ALL_CLASSES 0x0fu

typedef struct {
	unsigned int min_length;   /* 0: no minimum */
	unsigned int max_length;   /* 0: no maximum */
	unsigned int require;      /* classes that must each appear at least once */
	unsigned int forbid;       /* classes that must not appear */
	unsigned int min_classes;  /* how many different classes must appear */
	unsigned int max_repeated; /* longest run of one character; 0: any */
	/* Refuse anything but printable ASCII (0x20-0x7e): tokens differ on
	 * other bytes, and a PIN typed on one keyboard must work on another. */
	bool printable_ascii_only;
} hkp11_pin_rules;

/* Failures, as bits: a PIN can break several rules at once. */
#define HKP11_PIN_TOO_SHORT 0x0001u
#define HKP11_PIN_TOO_LONG 0x0002u
#define HKP11_PIN_BAD_CHARACTER 0x0004u
#define HKP11_PIN_MISSING_CLASS 0x0008u   /* see hkp11_pin_verdict.missing */
#define HKP11_PIN_FORBIDDEN_CLASS 0x0010u /* see hkp11_pin_verdict.forbidden */
#define HKP11_PIN_REPEATED 0x0020u
#define HKP11_PIN_SAME_AS_OLD 0x0040u
#define HKP11_PIN_TOO_FEW_CLASSES 0x0080u /* see hkp11_pin_verdict.n_classes */

typedef struct {
	unsigned int failures;  /* 0 when the PIN passes */
	unsigned int missing;   /* required classes that do not appear */
	unsigned int forbidden; /* forbidden classes that do appear */
	size_t length;          /* of the candidate, for messages */
	size_t longest_run;     /* longest run of one character */
	unsigned int n_classes; /* different classes that appear */
} hkp11_pin_verdict;

/* The built-in rules: 8 or more printable ASCII characters with upper and
 * lower case, a digit and a special character. */
void hkp11_pin_rules_default (hkp11_pin_rules *rules);

/* Makes rules the stricter of itself and other, rule by rule. */
void hkp11_pin_rules_merge (hkp11_pin_rules *rules, const hkp11_pin_rules *other);

/*
 * Checks pin (len bytes, not NUL-terminated) against rules.  When old is
 * not NULL the new PIN must also differ from it.  Returns true when the PIN
 * passes; the verdict says why not otherwise.
 */
bool hkp11_pin_check (const hkp11_pin_rules *rules, const unsigned char *pin, size_t len,
		      const unsigned char *old, size_t old_len, hkp11_pin_verdict *verdict);

/* Whether the verdict is about length only (CKR_PIN_LEN_RANGE rather than
 * CKR_PIN_INVALID). */
bool hkp11_pin_verdict_is_length (const hkp11_pin_verdict *verdict);

/*
 * Writes what is wrong as a predicate for "the new PIN ...", naming every
 * failure: "has 6 characters, at least 8 are required; lacks an upper-case
 * letter and a special character".  Never quotes the PIN, but tells its
 * length and make-up: for the holder's own terminal or dialog, never for a
 * log.  Returns buf.
 */
char *hkp11_pin_describe (const hkp11_pin_verdict *verdict, const hkp11_pin_rules *rules, char *buf,
			  size_t len);

/* The short, fixed name of the first failure for machine-readable logs:
 * "too-short", "too-long", "bad-character", "missing-class",
 * "forbidden-class", "too-few-classes", "repeated", "same-as-old", or "ok". */
const char *hkp11_pin_reason_name (const hkp11_pin_verdict *verdict);

/* The names of every failure, in that order, separated by commas
 * ("too-short,missing-class"), or "ok": no count, no class, nothing else
 * of the PIN.  What logs may say of a PIN.  Returns buf. */
char *hkp11_pin_reason_names (const hkp11_pin_verdict *verdict, char *buf, size_t len);

/*
 * Parses a pin-require value: class names "upper", "lower", "digit",
 * "special" separated by spaces or commas, or "none".  On failure describes
 * why in why.
 */
bool hkp11_pin_require_parse (const char *value, unsigned int *classes, char *why, size_t why_len);

/* Names of the classes in a mask, "upper case, digit" style. */
char *hkp11_pin_classes_describe (unsigned int classes, char *buf, size_t len);

#endif
