/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where audit records go: a file, syslog (facility authpriv) and, when built
 * with libsystemd, the journal with structured fields.  These are also how
 * a fleet's records reach a central collector (README.md, "Audit log").
 */
#ifndef HKP11_AUDIT_SINK_H
#define HKP11_AUDIT_SINK_H

#include "audit/format.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
	char path[4096];
	int fd; /* -1 when closed */
	dev_t dev;
	ino_t ino;
	bool regular;  /* a regular file can be rotated away; a device cannot */
	bool readable; /* opened for reading too: its last byte can be checked */
	off_t end;     /* where our last write ended, or -1: the tail there is whole */
} hkp11_audit_file;

#define HKP11_AUDIT_FILE_INIT \
	{ \
		.fd = -1, .end = -1 \
	}

/*
 * Opens path for appending: created 0600, close-on-exec, refusing a symbolic
 * link.  A regular file is opened for reading as well (when the mode lets
 * us), to check its last byte.  With create_dirs, missing parent
 * directories are made 0700.  Returns 0 or an errno value.
 */
int hkp11_audit_file_open (hkp11_audit_file *f, const char *path, bool create_dirs);

/* Reopens when path no longer names the open file (rotated, deleted).
 * One stat(): cheap enough for every flush.  Returns 0 or an errno value. */
int hkp11_audit_file_follow (hkp11_audit_file *f);

/*
 * Appends whole records: the bytes go in with one write() (another only
 * after a short write or a signal), so that processes sharing the file never
 * mix lines, and they go in whole or not at all.  On a regular file, under
 * an exclusive flock(2) that every writer takes:
 *  - a tail that does not end in a newline (a record cut short by a crash,
 *    a full disk, or a writer that could not undo it) is closed with one
 *    first, so that the next record starts a line of its own; *torn_tail
 *    gets that tail's length (0: none);
 *  - when the bytes cannot all be written (disk full, file size limit),
 *    what was written of them is cut off again (ftruncate).
 * Returns 0 or an errno value.
 */
int hkp11_audit_file_write (hkp11_audit_file *f, const void *data, size_t len, size_t *torn_tail);

void hkp11_audit_file_close (hkp11_audit_file *f);

/*
 * Sends one record to the local syslog daemon (/dev/log) with facility
 * authpriv and the identifier "hkpost-p11-audit", leaving the host
 * program's own openlog() settings alone.  Returns 0 or an errno value.
 */
#define HKP11_AUDIT_SYSLOG_IDENT "hkpost-p11-audit"
int hkp11_audit_syslog_write (int priority, const char *line, size_t len);
void hkp11_audit_syslog_close (void);

/* Whether the journal sink was built in (configure found libsystemd). */
bool hkp11_audit_journal_built (void);

/* Sends one record to the journal: MESSAGE is the line, and the chain and
 * call fields are separate HKP11_* fields.  Returns 0 or an errno value
 * (ENOSYS when not built in). */
int hkp11_audit_journal_write (int priority, const hkp11_audit_stamp *stamp,
			       const hkp11_audit_record *rec, const char *line, size_t len);

#endif
