/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hash chain that makes an audit log tamper-evident.
 *
 * Each process writes one chain, named by host, pid and start time.  Every
 * record carries its sequence number (from 1) and the SHA-256 of the
 * previous record of the chain: the bytes of its line, without the newline
 * (64 zeros for the first).  Deleting, editing or reordering a record
 * breaks the chain where it happened; the verifier (audit-verify.h) says
 * where.  The chain is evidence, not a seal: someone who can rewrite the
 * file can recompute it, which is why records should also leave the host
 * (syslog, journald).
 */
#ifndef HKP11_AUDIT_CHAIN_H
#define HKP11_AUDIT_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HKP11_SHA256_LEN 32
#define HKP11_AUDIT_CHAIN_NAME_MAX 128

typedef struct {
	char name[HKP11_AUDIT_CHAIN_NAME_MAX];
	uint64_t seq;                            /* of the last record added, 0 before the first */
	char prev_hex[2 * HKP11_SHA256_LEN + 1]; /* hash of that record */
	void *md;                                /* EVP_MD, fetched once */
	void *ctx;                               /* EVP_MD_CTX, reused */
} hkp11_audit_chain;

/*
 * Starts a chain "HOST/PID/START" where START is the start time in
 * microseconds since the epoch.  Characters of host outside [A-Za-z0-9._-]
 * become '_', so that the name never needs quoting.  Returns false when
 * libcrypto offers no SHA-256.
 */
bool hkp11_audit_chain_init (hkp11_audit_chain *chain, const char *host, long pid,
			     uint64_t start_us);
void hkp11_audit_chain_free (hkp11_audit_chain *chain);

/* Takes in the finished record that carried seq chain->seq + 1. */
void hkp11_audit_chain_add (hkp11_audit_chain *chain, const void *line, size_t len);

/* SHA-256 of data as 64 lower-case hex digits and a NUL (the verifier). */
bool hkp11_sha256_hex (const void *data, size_t len, char hex[2 * HKP11_SHA256_LEN + 1]);

#endif
