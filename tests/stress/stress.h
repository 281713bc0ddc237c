/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the reliability tests (tests/stress/) share: every layer switched
 * on, the lockout count read back from the state files, the audit chain
 * verified, work scaled down under valgrind, and a child process run with
 * a watchdog.
 *
 * They load the shim over the mock through tests/mock/shim-fixture.h, whose
 * configuration file takes every layer out; stress_layers_on() writes one
 * that puts every layer in, at its busiest (audit at the calls level).
 */
#ifndef HKP11_STRESS_H
#define HKP11_STRESS_H

#include "shim-fixture.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Every layer on, as busy as it gets.  Later keys win over the fixture's
 * "layers off" lines, which come first in the file. */
#define STRESS_LAYERS_ON \
	"audit: calls\n" \
	"audit-format: json\n" \
	"pin-policy: enforce\n" \
	"lockout-attempts: 15\n" \
	"lockout-warn: 5\n" \
	"lockout-guard: 1\n" \
	"lockout-repeat-guard: yes\n" \
	"labels: hkpost\n" \
	"token-label: {holder} e-Cert\n"

/* The mock's token PIN, and its CKA_ID for the e-Cert and its key. */
#define STRESS_PIN "12345678"
extern const unsigned char stress_key_id[4];

/*
 * HKP11_STRESS_SCALE (default 1) multiplies every count of the stress
 * tests: make memcheck runs them at a small fraction.  Never below 1.
 */
double stress_scale (void);
unsigned long stress_n (unsigned long n);

/* Writes fx.conf with every layer on, extra after it (may be NULL); the
 * lockout state goes to state_dir, the audit log to dir/audit.log. */
void stress_layers_on (const char *dir, const char *state_dir, const char *extra);

/* The same settings into the file path, for a test without the fixture. */
void stress_write_conf (const char *path, const char *dir, const char *state_dir,
			const char *extra);

/*
 * A fresh directory in memory (/dev/shm) when there is one, else under the
 * tests' temporary area: the lockout store syncs every record to disk,
 * which would make tests that count thousands of wrong PINs slow.  Caller
 * removes it with p11t_rmtree and frees it.
 */
char *stress_memory_dir (const char *prefix);

/* Wrong user PINs counted in all the state files of state_dir. */
unsigned long stress_state_failures (const char *state_dir);

/* Whether every file in state_dir reads as a whole record ("end" last). */
bool stress_state_readable (const char *state_dir, char *why, size_t why_len);

/* Verifies the audit log's hash chain; false with a reason when broken. */
bool stress_audit_intact (const char *path, size_t *records, char *why, size_t why_len);

/*
 * Puts a Hongkong Post e-Cert (the "personal" fixture) and an RSA key pair
 * with the same CKA_ID on the token, through f on a logged-in R/W session,
 * so that the labels layer has something to rename.  *key gets the private
 * key's handle, *cert the certificate's.  Asserts nothing: children use it.
 */
CK_RV stress_put_ecert (CK_FUNCTION_LIST_3_0_PTR f, CK_SESSION_HANDLE session,
			CK_OBJECT_HANDLE *key, CK_OBJECT_HANDLE *cert);

/* The friendly label the labels layer gives that e-Cert and its key. */
#define STRESS_FRIENDLY_LABEL "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)"

/*
 * Runs fn(arg) in a forked child with an alarm of timeout seconds and
 * returns its exit status (0..255), or 1000 + the signal that ended it.
 */
int stress_in_child (int (*fn) (void *arg), void *arg, unsigned int timeout);

/* "exit 3" / "killed by signal 11 (Segmentation fault)" */
const char *stress_status_text (int status);

#endif
