/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics for the person running the program: one line on stderr and the
 * same line in syslog.  Never pass a PIN or any secret here; callers give
 * lengths instead.  Control characters and invalid UTF-8 in the text are
 * escaped (\n, \u001b, \xff), so a message is always one printable line.
 */
#ifndef HKP11_MESSAGE_H
#define HKP11_MESSAGE_H

#include <stdbool.h>

typedef enum {
	HKP11_MSG_ERROR,
	HKP11_MSG_WARNING,
	HKP11_MSG_INFO,
} hkp11_msg_level;

/* Writes "hkpost-p11: <text>" to stderr and syslog. */
void hkp11_message (hkp11_msg_level level, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

/* As hkp11_message, but the stderr line only appears on a terminal. */
void hkp11_message_tty (hkp11_msg_level level, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

#endif
