/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/buffer.h"

#include <stdint.h>

static const char hex_digits[] = "0123456789abcdef";

/* "00" "01" ... "99": two digits per division, numbers run on every record. */
static const char decimal_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* 10, 100, ... 10^19: the number of digits without a division per digit. */
static const uint64_t powers_of_ten[] = {
	UINT64_C (10),
	UINT64_C (100),
	UINT64_C (1000),
	UINT64_C (10000),
	UINT64_C (100000),
	UINT64_C (1000000),
	UINT64_C (10000000),
	UINT64_C (100000000),
	UINT64_C (1000000000),
	UINT64_C (10000000000),
	UINT64_C (100000000000),
	UINT64_C (1000000000000),
	UINT64_C (10000000000000),
	UINT64_C (100000000000000),
	UINT64_C (1000000000000000),
	UINT64_C (10000000000000000),
	UINT64_C (100000000000000000),
	UINT64_C (1000000000000000000),
	UINT64_C (10000000000000000000),
};

void
hkp11_buf_add_ulong_width (hkp11_buf *b, unsigned long v, int width)
{
	/* Written in place, back to front, when it fits (nearly always): the
	 * copy through a temporary cost a call to memcpy per number. */
	size_t digits = 1;
	while (digits <= sizeof powers_of_ten / sizeof powers_of_ten[0] &&
	       v >= powers_of_ten[digits - 1])
		digits++;
	size_t n = width > 0 && (size_t)width > digits ? (size_t)width : digits;
	if (n <= 24 && n <= b->cap - b->len) {
		char *p = b->data + b->len + n;
		b->len += n;
		while (v >= 100) {
			p -= 2;
			memcpy (p, decimal_pairs + 2 * (v % 100), 2);
			v /= 100;
		}
		if (v >= 10) {
			p -= 2;
			memcpy (p, decimal_pairs + 2 * v, 2);
		} else {
			*--p = (char)('0' + v);
		}
		while (p > b->data + b->len - n)
			*--p = '0';
		return;
	}

	char tmp[24];
	int i = sizeof tmp;
	while (v >= 100) {
		i -= 2;
		memcpy (tmp + i, decimal_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		i -= 2;
		memcpy (tmp + i, decimal_pairs + 2 * v, 2);
	} else {
		tmp[--i] = (char)('0' + v);
	}
	while ((int)sizeof tmp - i < width && i > 0)
		tmp[--i] = '0';
	hkp11_buf_add (b, tmp + i, sizeof tmp - (size_t)i);
}

void
hkp11_buf_add_hexnum (hkp11_buf *b, unsigned long v)
{
	char tmp[2 + 2 * sizeof v];
	int digits = 8;
	while (digits < (int)(2 * sizeof v) && (v >> (4 * digits)) != 0)
		digits++;
	tmp[0] = '0';
	tmp[1] = 'x';
	for (int i = 0; i < digits; i++)
		tmp[2 + i] = hex_digits[(v >> (4 * (digits - 1 - i))) & 0xf];
	hkp11_buf_add (b, tmp, 2 + (size_t)digits);
}

void
hkp11_buf_add_hex (hkp11_buf *b, const void *bytes, size_t n)
{
	const unsigned char *p = bytes;
	for (size_t i = 0; i < n; i++) {
		if (b->cap - b->len < 2) {
			b->overflow = true;
			return;
		}
		b->data[b->len++] = hex_digits[p[i] >> 4];
		b->data[b->len++] = hex_digits[p[i] & 0xf];
	}
}
