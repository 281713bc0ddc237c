/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Preconditions of hkpost-p11's own functions, as p11-kit's common/debug.h
 * has them.  A broken one is a bug in hkpost-p11, never bad input: what an
 * application or a token passes is checked where it comes in, and gets the
 * answer PKCS#11 gives for it.  The failure is said (hkp11_message: stderr,
 * and syslog where the settings send messages there) and the function
 * returns what it is told to; a build configured with --enable-debug
 * (HKP11_DEBUG) aborts instead, so that the tests catch it.
 */
#ifndef HKP11_BASE_DEBUG_H
#define HKP11_BASE_DEBUG_H

/* Says that expr did not hold in function; aborts in a debug build. */
void hkp11_precondition_failed (const char *expr, const char *function);

#define hkp11_return_val_if_fail(expr, val) \
	do { \
		if (__builtin_expect (!(expr), 0)) { \
			hkp11_precondition_failed (#expr, __func__); \
			return (val); \
		} \
	} while (0)

#define hkp11_return_if_fail(expr) \
	do { \
		if (__builtin_expect (!(expr), 0)) { \
			hkp11_precondition_failed (#expr, __func__); \
			return; \
		} \
	} while (0)

#define hkp11_return_val_if_reached(val) \
	do { \
		hkp11_precondition_failed ("not reached", __func__); \
		return (val); \
	} while (0)

#endif
