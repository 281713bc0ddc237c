/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/sink.h"
#include "base/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
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
	for (char *p = dir + 1;; p++) {
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
	const int flags = O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
	struct stat st;
	/* A regular file (or none yet) is opened for reading too, to check
	 * that its last record is whole; a device or a FIFO is only written.
	 * A shared log may be writable but not readable for us: then it is
	 * written without the check. */
	bool plain = lstat (f->path, &st) != 0 || S_ISREG (st.st_mode);
	int fd = plain ? open (f->path, O_RDWR | flags, 0600) : -1;
	bool readable = fd >= 0;
	if (fd < 0 && (!plain || errno == EACCES))
		fd = open (f->path, O_WRONLY | flags, 0600);
	if (fd < 0)
		return errno;
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
	f->readable = readable && f->regular;
	f->end = -1;
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

/* write() until done; *written says how much went in, also on failure. */
static int
write_all (int fd, const char *p, size_t len, size_t *written)
{
	*written = 0;
	while (len > 0) {
		ssize_t n = write (fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;
		p += n;
		len -= (size_t)n;
		*written += (size_t)n;
	}
	return 0;
}

/* How long the unterminated tail before end is: up to the last newline in
 * the last HKP11_AUDIT_TAIL_MAX bytes (at least 1, a lower bound when the
 * tail is longer than that). */
#define HKP11_AUDIT_TAIL_MAX 8192
static size_t
tail_length (int fd, off_t end)
{
	char buf[HKP11_AUDIT_TAIL_MAX];
	size_t want = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
	ssize_t got = pread (fd, buf, want, end - (off_t)want);
	if (got <= 0)
		return 1;
	size_t n = 0;
	while (n < (size_t)got && buf[(size_t)got - 1 - n] != '\n')
		n++;
	return n > 0 ? n : 1;
}

/* Under the lock, with the file end-bytes long: when its last byte is not a
 * newline, a record was cut short there; a newline closes it.  Returns 0 or
 * an errno value; *torn gets the tail's length when it was closed. */
static int
close_torn_tail (hkp11_audit_file *f, off_t end, size_t *torn)
{
	char last;
	/* Our own last write ended here with a newline: nothing to read. */
	if (end == 0 || end == f->end || !f->readable)
		return 0;
	ssize_t got = pread (f->fd, &last, 1, end - 1);
	if (got < 0)
		return errno;
	if (got == 0 || last == '\n')
		return 0;
	size_t len = tail_length (f->fd, end);
	size_t written;
	int err = write_all (f->fd, "\n", 1, &written);
	if (err == 0)
		*torn = len;
	return err;
}

int
hkp11_audit_file_write (hkp11_audit_file *f, const void *data, size_t len, size_t *torn_tail)
{
	size_t written;
	*torn_tail = 0;
	if (f->fd < 0)
		return EBADF;
	/* A device or a FIFO has no end to check or to cut back to. */
	if (!f->regular)
		return write_all (f->fd, data, len, &written);

	/* Every writer of the file takes this lock, so the end of the file
	 * stays where it was between checking it, writing and undoing.  Where
	 * the file system offers no lock (ENOLCK), write as before. */
	int lock;
	while ((lock = flock (f->fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (lock != 0)
		return write_all (f->fd, data, len, &written);

	int err = 0;
	off_t start = lseek (f->fd, 0, SEEK_END);
	if (start < 0)
		err = errno;
	if (err == 0)
		err = close_torn_tail (f, start, torn_tail);
	if (err == 0) {
		if (*torn_tail > 0)
			start++;
		err = write_all (f->fd, data, len, &written);
		if (err == 0)
			f->end = start + (off_t)len;
		else if (written > 0 && ftruncate (f->fd, start) != 0)
			f->end = -1; /* left cut short: the next writer closes it */
	}
	flock (f->fd, LOCK_UN);
	return err;
}

void
hkp11_audit_file_close (hkp11_audit_file *f)
{
	if (f->fd >= 0)
		close (f->fd);
	f->fd = -1;
}
