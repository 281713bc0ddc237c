/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * syslog sink.  Records are sent straight to the local syslog socket rather
 * than through syslog(3): the identifier and facility are then always ours
 * (rsyslog can route on them) and the host program's openlog() settings,
 * LOG_PERROR included, never apply to them.
 */
#include "config.h"
#include "audit/sink.h"
#include "base/compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef LOG_AUTHPRIV
#define LOG_AUTHPRIV (10 << 3)
#endif

/* Overridable for tests and unusual systems. */
#define HKP11_ENV_SYSLOG_SOCKET "HKPOST_P11_SYSLOG_SOCKET"

static int sock = -1;
static int sock_type;

static int
connect_socket (void)
{
	const char *path = hkp11_getenv (HKP11_ENV_SYSLOG_SOCKET);
	if (path == NULL || path[0] == '\0')
		path = "/dev/log";
	struct sockaddr_un addr;
	memset (&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	if (hkp11_strlcpy (addr.sun_path, path, sizeof addr.sun_path) >= sizeof addr.sun_path)
		return ENAMETOOLONG;

	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	int err = 0;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		int fd = socket (AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		if (connect (fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
			sock = fd;
			sock_type = types[i];
			return 0;
		}
		err = errno;
		close (fd);
		if (err != EPROTOTYPE)
			break;
	}
	return err;
}

void
hkp11_audit_syslog_close (void)
{
	if (sock >= 0)
		close (sock);
	sock = -1;
}

int
hkp11_audit_syslog_write (int priority, const char *line, size_t len)
{
	/* RFC 3164, as syslog(3) writes it: <PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG */
	char head[128];
	time_t now = time (NULL);
	struct tm tm;
	char stamp[32] = "";
	if (localtime_r (&now, &tm) != NULL)
		strftime (stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	int n = snprintf (head, sizeof head, "<%d>%s %s[%ld]: ", LOG_AUTHPRIV | (priority & 7),
			  stamp, HKP11_AUDIT_SYSLOG_IDENT, (long)getpid ());
	if (n < 0 || (size_t)n >= sizeof head)
		return EINVAL;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (sock < 0) {
			int err = connect_socket ();
			if (err != 0)
				return err;
		}
		struct iovec iov[3] = {
			{ head, (size_t)n },
			{ (void *)line, len },
			{ "", sock_type == SOCK_STREAM ? 1 : 0 }, /* stream framing: NUL */
		};
		struct msghdr msg;
		memset (&msg, 0, sizeof msg);
		msg.msg_iov = iov;
		msg.msg_iovlen = 3;
		if (sendmsg (sock, &msg, MSG_NOSIGNAL) >= 0)
			return 0;
		int err = errno;
		/* The daemon restarted: reconnect once. */
		hkp11_audit_syslog_close ();
		if (err != ECONNREFUSED && err != ENOTCONN && err != EPIPE && err != ECONNRESET)
			return err;
	}
	return ECONNREFUSED;
}
