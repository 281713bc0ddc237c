/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log as news: the records appended since the monitor last
 * looked.  The log names what the state files cannot: the program that
 * typed a wrong password, and each login the guard refused (a refusal
 * changes no count, so it leaves no other trace).
 *
 * Records are whole lines, written at once (common/audit-log.c); a line
 * still without its newline is left for the next look.  A log rotated away
 * (a new file at the same path) or cut short is read from its start.
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Far above the longest record (HKP11_AUDIT_MAX_RECORD, 8 KiB). */
#define CHUNK (64 * 1024)

void
mon_audit_feed_open (mon_audit_feed *feed, const char *path, bool json)
{
	struct stat st;
	memset (feed, 0, sizeof *feed);
	hkp11_strlcpy (feed->path, path, sizeof feed->path);
	feed->json = json;
	if (stat (path, &st) == 0 && S_ISREG (st.st_mode)) {
		feed->dev = st.st_dev;
		feed->ino = st.st_ino;
		feed->offset = st.st_size;
		feed->known = true;
	}
}

static void
parse_line (mon_audit_feed *feed, char *line, void (*record) (const cli_record *r, void *data),
	    void *data, cli_record *r)
{
	/* A syslog copy or a JSON object: as `audit show` reads them. */
	if (cli_record_parse (line, line + strlen (line), r))
		record (r, data);
}

void
mon_audit_feed_read (mon_audit_feed *feed, void (*record) (const cli_record *r, void *data),
		     void *data)
{
	struct stat st;

	if (feed->path[0] == '\0')
		return;
	int fd = open (feed->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
		close (fd);
		return;
	}
	/* Another file at the path, or this one cut short: from the start.
	 * A file deleted and made again may get the same inode; then the
	 * byte before where reading goes on is no record's end. */
	char before = '\n';
	if (feed->known && feed->offset > 0 && st.st_size >= feed->offset &&
	    pread (fd, &before, 1, feed->offset - 1) != 1)
		before = '?';
	if (!feed->known || st.st_dev != feed->dev || st.st_ino != feed->ino ||
	    st.st_size < feed->offset || before != '\n') {
		feed->dev = st.st_dev;
		feed->ino = st.st_ino;
		feed->offset = 0;
		feed->known = true;
	}

	char *buf = malloc (CHUNK + 1);
	cli_record *r = malloc (sizeof *r);
	if (buf == NULL || r == NULL)
		goto out;
	for (;;) {
		ssize_t n = pread (fd, buf, CHUNK, feed->offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf[n] = '\0';
		size_t used = 0;
		for (;;) {
			char *nl = memchr (buf + used, '\n', (size_t)n - used);
			if (nl == NULL)
				break;
			*nl = '\0';
			parse_line (feed, buf + used, record, data, r);
			used = (size_t)(nl - buf) + 1;
		}
		if (used == 0) {
			/* No newline in a whole chunk: no record of ours; skip it,
			 * unless it is the unfinished end of the file. */
			if (n == CHUNK)
				feed->offset += n;
			break;
		}
		feed->offset += (off_t)used;
		if ((size_t)n < CHUNK)
			break;
	}
out:
	free (r);
	free (buf);
	close (fd);
}
