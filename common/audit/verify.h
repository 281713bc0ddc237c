/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks the hash chains of audit logs (see audit-chain.h) and says, chain by
 * chain, which records are missing, reordered, duplicated or edited, and
 * which lines are not records at all.  Records lost as they were written are
 * told apart from tampering: a record cut short by a full disk or a program
 * that stopped mid-write (a torn write), and records that their writer said
 * it could not write (audit-log-gap).  Text and JSON records may be mixed,
 * and a syslog prefix before a record is skipped, so the same check works on
 * a file the module wrote and on a collector's copy.
 *
 * The logic lives here so that the token-manager tool can offer it; for now
 * tests/audit-verify.c is its command line.
 */
#ifndef HKP11_AUDIT_VERIFY_H
#define HKP11_AUDIT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
	/* A chain that starts after seq 1 is a problem (otherwise a note:
	 * after rotation, the start is in an older file). */
	bool strict;
	/* Also list every chain that is fine. */
	bool verbose;
	/* Where the report goes; NULL for none. */
	FILE *out;
} hkp11_audit_verify_options;

typedef struct {
	size_t files, lines, records, chains;
	size_t broken;     /* lines that are not audit records */
	size_t missing;    /* records absent from the middle of a chain */
	size_t reordered;  /* records that come after a later one */
	size_t duplicated; /* sequence numbers seen twice */
	size_t edited;     /* records whose hash does not match the next one's prev */
	size_t partial;    /* chains that start after seq 1 */
	size_t unreadable; /* files that could not be read */
	/* Lost as they were written, no sign of tampering: */
	size_t torn; /* records cut short: the last of their chain, or said lost */
	size_t lost; /* records absent that their writer said it could not write */
} hkp11_audit_verify_result;

/*
 * Reads the files in the order given (oldest first, e.g. audit.log.1 then
 * audit.log) as one log.  "-" is standard input.  Returns true when no
 * problem was found; torn and lost records are no problem of that kind
 * (the caller says whether the log is complete).
 */
bool hkp11_audit_verify_files (const char *const *paths, size_t n_paths,
			       const hkp11_audit_verify_options *opts,
			       hkp11_audit_verify_result *result);

#endif
