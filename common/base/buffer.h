/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded output buffer: what does not fit is cut, and says so
 * (overflow), never written past the end.  Records and lines are built in
 * it without a malloc; numbers are written in place.
 */
#ifndef HKP11_BASE_BUFFER_H
#define HKP11_BASE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
	char *data;
	size_t len;
	size_t cap;
	/* Set when something did not fit; the contents are then cut short. */
	bool overflow;
} hkp11_buf;

static inline void
hkp11_buf_init (hkp11_buf *b, char *mem, size_t cap)
{
	b->data = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

static inline void
hkp11_buf_add (hkp11_buf *b, const void *s, size_t n)
{
	if (n > b->cap - b->len) {
		n = b->cap - b->len;
		b->overflow = true;
	}
	memcpy (b->data + b->len, s, n);
	b->len += n;
}

static inline void
hkp11_buf_add_str (hkp11_buf *b, const char *s)
{
	hkp11_buf_add (b, s, strlen (s));
}

static inline void
hkp11_buf_add_char (hkp11_buf *b, char c)
{
	if (b->len < b->cap)
		b->data[b->len++] = c;
	else
		b->overflow = true;
}

/* Decimal, at least width digits with leading zeros. */
void hkp11_buf_add_ulong_width (hkp11_buf *b, unsigned long v, int width);

/* Decimal.  Single digits (slots, states, most durations) without a call. */
static inline void
hkp11_buf_add_ulong (hkp11_buf *b, unsigned long v)
{
	if (v < 10 && b->len < b->cap)
		b->data[b->len++] = (char)('0' + v);
	else
		hkp11_buf_add_ulong_width (b, v, 1);
}

/* "0x" and eight or more lower-case hex digits, as PKCS#11 writes values. */
void hkp11_buf_add_hexnum (hkp11_buf *b, unsigned long v);

/* Lower-case hex of bytes, two digits each, no separators. */
void hkp11_buf_add_hex (hkp11_buf *b, const void *bytes, size_t n);

#endif
