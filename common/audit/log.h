/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log of this process: one chain, one buffer, the sinks, and what
 * to do when they fail.
 *
 * Records are formatted straight into a per-process buffer under one lock,
 * so that the file holds each process's records in sequence order and no
 * record costs a malloc.  A record written `now` (security records) goes out
 * with everything buffered before the call returns; other records wait until
 * the buffer fills (64 KiB), the next `now` record, hkp11_audit_log_flush,
 * hkp11_audit_log_close or process exit.  No thread is ever started.
 */
#ifndef HKP11_AUDIT_LOG_H
#define HKP11_AUDIT_LOG_H

#include "audit/format.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	HKP11_AUDIT_CONTINUE, /* complain once, carry on */
	HKP11_AUDIT_DENY,     /* refuse security-relevant calls that cannot be logged */
} hkp11_audit_failure;

typedef struct {
	hkp11_audit_format format;
	hkp11_audit_failure failure;
	/* NULL: the default path (hkp11_audit_log_default_path), falling back to
	 * syslog when it cannot be written, and syslog alone in a secure-mode
	 * program (hkp11_secure_mode); "none": no file. */
	const char *file;
	bool syslog;
	bool journald;
} hkp11_audit_options;

#define HKP11_AUDIT_BUFFER_SIZE (64 * 1024)
/* Room kept free for one record; longer records are cut. */
#define HKP11_AUDIT_MAX_RECORD (8 * 1024)

/*
 * Opens the log with these options.  The chain starts with the first open
 * of a process (and again in a forked child); later opens continue it.
 * Returns false only when no chain can be kept (no SHA-256).
 */
bool hkp11_audit_log_open (const hkp11_audit_options *opts);

/* Writes what is buffered and closes the file. */
void hkp11_audit_log_close (void);

/*
 * Adds a record.  With now, it and everything buffered are written before
 * this returns.  Returns false when the record was not written to every
 * destination (for audit-failure: deny); records buffered for later count
 * as written until a flush fails.
 */
bool hkp11_audit_log_write (const hkp11_audit_record *rec, bool now);

/* Writes what is buffered.  Returns false when that failed. */
bool hkp11_audit_log_flush (void);

/* ${XDG_STATE_HOME:-~/.local/state}/hkpost-p11/audit.log; false without a home. */
bool hkp11_audit_log_default_path (char *path, size_t len);

/* The file records go to, or "" when none (syslog only); for messages. */
const char *hkp11_audit_log_file (void);

/* The name of this process's chain ("HOST/PID/START"), or "" before open. */
const char *hkp11_audit_log_chain (void);

#endif
