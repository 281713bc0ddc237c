/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text that others chose, made safe: UTF-8 decoding, the characters that
 * must never reach a terminal or a log raw, and the escaping every audit
 * record goes through.
 *
 * Audit records carry text that a token or an application chose: labels,
 * serial numbers, user names.  None of it may break a line, forge a field or
 * smuggle terminal controls into a log viewer, so it is always written
 * through one of the escapers here.  Blank-padded PKCS#11 fields are measured
 * with hkp11_padded_len and never read past their size.
 *
 * Diagnostics (base/message.c, settings errors), e-Cert labels and the
 * tool's output use the same decoding and classes.
 */
#ifndef HKP11_BASE_TEXT_H
#define HKP11_BASE_TEXT_H

#include "base/buffer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A JSON string with its quotes.  Valid UTF-8 is kept; quotes, backslashes,
 * control characters and format characters (hkp11_unicode_is_control and
 * _is_format) are escaped as \uXXXX (or \n, \t ...; a surrogate pair
 * above U+FFFF); each byte that is not valid UTF-8 becomes \ufffd.  Returns
 * false when such a byte was replaced, so that the caller can add the
 * exact bytes in hex.
 */
bool hkp11_buf_add_json_string (hkp11_buf *b, const void *bytes, size_t n);

/*
 * A double-quoted string for the text format: as for JSON, but each byte that
 * is not valid UTF-8 is written \xNN, so nothing is lost.
 */
void hkp11_buf_add_text_string (hkp11_buf *b, const void *bytes, size_t n);

/*
 * As the text format but without quotes, and quotes and backslashes left as
 * they are: for one-line diagnostics, where nothing parses the text back but
 * no control character, line break or invalid UTF-8 may reach a terminal or
 * a log.
 */
void hkp11_buf_add_plain_text (hkp11_buf *b, const void *bytes, size_t n);

/*
 * text escaped as hkp11_buf_add_plain_text into out, NUL-terminated; cut
 * short between two characters or escapes when out is too small.
 */
void hkp11_text_escape (char *out, size_t out_size, const char *text);

/* What hkp11_text_sanitise puts in place of what may not show. */
typedef struct {
	const char *invalid; /* for each byte that is not UTF-8 */
	const char *control; /* for a control character (hkp11_unicode_is_control) */
	const char *format;  /* for a format character; "" drops it */
	const char *colon;   /* for ':', or NULL to keep it */
} hkp11_sanitise_rules;

/* For labels: U+FFFD, a space, nothing, and a full-width colon (a label
 * is split at ':' by some clients). */
extern const hkp11_sanitise_rules hkp11_sanitise_label;
/* As for labels, ':' kept: for a certificate's fields. */
extern const hkp11_sanitise_rules hkp11_sanitise_field;
/* For a terminal: '?' for each. */
extern const hkp11_sanitise_rules hkp11_sanitise_terminal;

/*
 * in_len bytes of in copied into buf (buf_len > 0 bytes, NUL-terminated,
 * cut between two characters when it is full), with what rules says in
 * place of bytes that are not UTF-8, control characters, format
 * characters and colons; returns the length written.  Unlike escaping,
 * nothing can be read back: for text that is only shown.  buf may be in
 * itself when no replacement is longer than what it replaces.
 */
size_t hkp11_text_sanitise (const char *in, size_t in_len, char *buf, size_t buf_len,
			    const hkp11_sanitise_rules *rules);

/* Whether bytes are valid UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
bool hkp11_utf8_valid (const void *bytes, size_t n);

/*
 * Decodes the UTF-8 sequence at bytes (at most n bytes, n > 0): its length
 * and its code point, or 0 when the bytes there are not valid UTF-8.
 */
size_t hkp11_utf8_decode (const void *bytes, size_t n, uint32_t *cp);

/*
 * Text that others chose (a certificate, a token, a log file) is shown
 * only after these two tests.  A control character drives a terminal or
 * breaks a line: C0, DEL, C1 (U+0080 to U+009F) and the line and paragraph
 * separators.  A format character (Unicode category Cf) is invisible and
 * changes how the text around it shows: the bidirectional marks, embeddings,
 * overrides and isolates (U+200E, U+200F, U+202A to U+202E, U+2066 to
 * U+2069), zero-width characters, the BOM, the soft hyphen, tags.
 */
bool hkp11_unicode_is_control (uint32_t cp);
bool hkp11_unicode_is_format (uint32_t cp);

/*
 * Length of a blank-padded PKCS#11 text field of `size` bytes (CK_TOKEN_INFO
 * label, serial number ...): up to the first NUL, which some tokens pad with,
 * without trailing blanks, and never more than size.
 */
size_t hkp11_padded_len (const void *field, size_t size);

#endif
