/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/message.h"
#include "base/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

/* Set from the settings at C_Initialize; read by every thread. */
static bool to_syslog;

void
hkp11_message_syslog (bool on)
{
	__atomic_store_n (&to_syslog, on, __ATOMIC_RELAXED);
}

static int
syslog_priority (hkp11_msg_level level)
{
	switch (level) {
	case HKP11_MSG_ERROR:
		return LOG_ERR;
	case HKP11_MSG_WARNING:
		return LOG_WARNING;
	default:
		return LOG_INFO;
	}
}

/* Messages quote token labels, paths and settings that others chose: none
 * of their control characters may reach a terminal or forge a log line, so
 * each message stays one line of printable text. */
static void
to_stderr (const char *raw)
{
	char line[1024];
	hkp11_text_escape (line, sizeof line, raw);
	/* One write, so lines of concurrent threads do not interleave. */
	char out[1100];
	int n = snprintf (out, sizeof out, "hkpost-p11: %s\n", line);
	if (n > 0) {
		size_t len = (size_t)n < sizeof out ? (size_t)n : sizeof out - 1;
		ssize_t ignored = write (STDERR_FILENO, out, len);
		(void)ignored;
	}
}

static void
to_syslog_if_sent (hkp11_msg_level level, const char *raw)
{
	if (!__atomic_load_n (&to_syslog, __ATOMIC_RELAXED))
		return;
	char line[1024];
	hkp11_text_escape (line, sizeof line, raw);
	/* No openlog(): the host program owns the syslog identity and options. */
	syslog (LOG_USER | syslog_priority (level), "hkpost-p11: %s", line);
}

static void emit (hkp11_msg_level level, bool stderr_only_on_tty, const char *fmt, va_list ap)
	__attribute__ ((format (printf, 3, 0)));

static void
emit (hkp11_msg_level level, bool stderr_only_on_tty, const char *fmt, va_list ap)
{
	char raw[1024];
	vsnprintf (raw, sizeof raw, fmt, ap);
	if (!stderr_only_on_tty || isatty (STDERR_FILENO))
		to_stderr (raw);
	to_syslog_if_sent (level, raw);
}

void
hkp11_message (hkp11_msg_level level, const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	emit (level, false, fmt, ap);
	va_end (ap);
}

void
hkp11_message_tty (hkp11_msg_level level, const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	emit (level, true, fmt, ap);
	va_end (ap);
}

void
hkp11_message_private (hkp11_msg_level level, bool tty_only, const char *public_text,
		       const char *private_text)
{
	if (isatty (STDERR_FILENO))
		to_stderr (private_text);
	else if (!tty_only)
		to_stderr (public_text);
	to_syslog_if_sent (level, public_text);
}
