/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics for the person running the program: one line on stderr and,
 * where the settings send them there (audit-syslog: yes), the same line in
 * syslog.  Never pass a PIN or any secret here; callers give lengths of
 * data instead, and nothing of a PIN, not even its length: for that, see
 * hkp11_message_private.  Control characters and invalid UTF-8 in the text
 * are escaped (\n, \u001b, \xff), so a message is always one printable line.
 */
#ifndef HKP11_MESSAGE_H
#define HKP11_MESSAGE_H

#include <stdbool.h>

typedef enum {
	HKP11_MSG_ERROR,
	HKP11_MSG_WARNING,
	HKP11_MSG_INFO,
} hkp11_msg_level;

/* Writes "hkpost-p11: <text>" to stderr, and to syslog when sent there. */
void hkp11_message (hkp11_msg_level level, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

/* As hkp11_message, but the stderr line only appears on a terminal. */
void hkp11_message_tty (hkp11_msg_level level, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));

/*
 * For what only the person at the terminal may read, such as how a PIN
 * falls short of the policy (its length, the kinds of character it lacks):
 * private_text goes to stderr when stderr is a terminal.  Otherwise stderr
 * (unless tty_only) gets public_text, and so does syslog when sent there,
 * always: stderr that is no terminal is a log file or the journal.
 * public_text must say nothing of a PIN but the policy's reason names.
 */
void hkp11_message_private (hkp11_msg_level level, bool tty_only, const char *public_text,
			    const char *private_text);

/* Whether messages also go to syslog (the setting audit-syslog); off until
 * the settings say so. */
void hkp11_message_syslog (bool on);

#endif
