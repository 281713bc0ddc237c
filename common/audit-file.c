/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit-sink.h"
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p of the directories above path, each 0700. */
static int
make_parents (const char *path)
{
	char dir[4096];
	if (hkp11_strlcpy (dir, path, sizeof dir) >= sizeof dir)
		return ENAMETOOLONG;
	char *slash = strrchr (dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir (dir, 0700) != 0 && errno != EEXIST)
				return errno;
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

static int
open_fd (hkp11_audit_file *f)
{
	int fd = open (f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		       0600);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat (fd, &st) != 0) {
		int err = errno;
		close (fd);
		return err;
	}
	if (f->fd >= 0)
		close (f->fd);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->regular = S_ISREG (st.st_mode);
	return 0;
}

int
hkp11_audit_file_open (hkp11_audit_file *f, const char *path, bool create_dirs)
{
	hkp11_audit_file_close (f);
	if (hkp11_strlcpy (f->path, path, sizeof f->path) >= sizeof f->path)
		return ENAMETOOLONG;
	if (create_dirs) {
		int err = make_parents (path);
		if (err != 0)
			return err;
	}
	return open_fd (f);
}

int
hkp11_audit_file_follow (hkp11_audit_file *f)
{
	if (f->path[0] == '\0')
		return EBADF;
	if (f->fd >= 0 && !f->regular)
		return 0;
	struct stat st;
	if (f->fd >= 0 && stat (f->path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
		return 0;
	/* Renamed or deleted (logrotate), or never opened: a fresh file at
	 * the same path takes the next records. */
	return open_fd (f);
}

int
hkp11_audit_file_write (hkp11_audit_file *f, const void *data, size_t len)
{
	const char *p = data;
	if (f->fd < 0)
		return EBADF;
	while (len > 0) {
		ssize_t n = write (f->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
hkp11_audit_file_close (hkp11_audit_file *f)
{
	if (f->fd >= 0)
		close (f->fd);
	f->fd = -1;
}
