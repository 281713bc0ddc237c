/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * syslog(3) for a program the tests run, through LD_PRELOAD: every message
 * is appended as one line to the file $HKP11_SYSLOG_RECORD, so that a test
 * sees what a module sends to syslog without a syslog daemon or root.
 * Nothing reaches the real syslog.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void syslog (int priority, const char *format, ...) __attribute__ ((format (printf, 2, 3)));
void vsyslog (int priority, const char *format, va_list ap) __attribute__ ((format (printf, 2, 0)));
void __syslog_chk (int priority, int flag, const char *format, ...)
	__attribute__ ((format (printf, 3, 4)));
void __vsyslog_chk (int priority, int flag, const char *format, va_list ap)
	__attribute__ ((format (printf, 3, 0)));

__attribute__ ((visibility ("default"))) void
vsyslog (int priority, const char *format, va_list ap)
{
	const char *path = getenv ("HKP11_SYSLOG_RECORD");
	char line[4096];
	int n = snprintf (line, sizeof line, "<%d> ", priority);
	if (path == NULL || n < 0)
		return;
	int m = vsnprintf (line + n, sizeof line - (size_t)n - 1, format, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t ignored = write (fd, line, len);
	(void)ignored;
	close (fd);
}

__attribute__ ((visibility ("default"))) void
syslog (int priority, const char *format, ...)
{
	va_list ap;
	va_start (ap, format);
	vsyslog (priority, format, ap);
	va_end (ap);
}

/* With _FORTIFY_SOURCE, syslog() calls compile to these. */
__attribute__ ((visibility ("default"))) void
__vsyslog_chk (int priority, int flag, const char *format, va_list ap)
{
	(void)flag;
	vsyslog (priority, format, ap);
}

__attribute__ ((visibility ("default"))) void
__syslog_chk (int priority, int flag, const char *format, ...)
{
	va_list ap;
	(void)flag;
	va_start (ap, format);
	vsyslog (priority, format, ap);
	va_end (ap);
}
