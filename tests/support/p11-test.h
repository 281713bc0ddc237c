/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the C tests: load a PKCS#11 module the way an
 * application does, and make throwaway SoftHSM tokens.
 */
#ifndef HKP11_P11_TEST_H
#define HKP11_P11_TEST_H

#include "p11/p11.h"
#include "rmtree.h"

#include <check.h>
#include <stdbool.h>

typedef struct {
	void *handle;
	CK_FUNCTION_LIST_PTR f;      /* from C_GetFunctionList */
	CK_FUNCTION_LIST_3_0_PTR f3; /* from C_GetInterface, or NULL */
} p11t_module;

/* Paths of the modules under test (absolute, from the build tree). */
const char *p11t_shim_path (void);
const char *p11t_softhsm_path (void);
const char *p11t_mock_path (void);

/* dlopen()s path; aborts the test with a message on failure. */
void p11t_load (p11t_module *m, const char *path);
void p11t_unload (p11t_module *m);

/* Loads the module the test runs against: $P11T_MODULE names "direct"
 * (SoftHSM itself) or "shim" (hkpost-p11 over SoftHSM); default shim. */
const char *p11t_target_path (void);

/* A fresh directory under the tests' temporary area; caller frees. */
char *p11t_tmpdir (const char *prefix);

/* Points stderr at a new file at path; returns what restores it. */
int p11t_capture_stderr (const char *path);
void p11t_restore_stderr (int saved);

/* Runs the suite and returns the program's exit status: 0 when every
 * test passed. */
int p11t_run_suite (Suite *suite);

/* main () of a test program that runs its suite and nothing else. */
#define P11T_MAIN(suite_fn) \
	int main (void) \
	{ \
		return p11t_run_suite (suite_fn ()); \
	}

/* Writes a softhsm2.conf in a fresh directory and points SOFTHSM2_CONF and
 * HKPOST_P11_BACKEND at it and at SoftHSM; returns the directory. */
char *p11t_softhsm_setup (void);

/* Initialises a token in SoftHSM's free slot through m (already
 * C_Initialize'd) and sets the user PIN; returns its slot. */
CK_SLOT_ID p11t_init_token (p11t_module *m, const char *label, const char *so_pin,
			    const char *user_pin);

/* Opens a R/W session on slot; logs in as user when pin is not NULL. */
CK_SESSION_HANDLE p11t_open_session (p11t_module *m, CK_SLOT_ID slot, const char *pin);

/* Name of a CK_RV, for messages ("CKR_OK", or "0x...") */
const char *p11t_rv_name (CK_RV rv);

/* Checks that none of the NULL-terminated secrets appear in the file or
 * in any file below the directory; returns the first offending path. */
char *p11t_find_secret (const char *path, const char *const *secrets);

#define p11t_assert_rv(expr, expected) \
	do { \
		CK_RV rv_ = (expr); \
		ck_assert_msg (rv_ == (CK_RV)(expected), "%s returned %s, expected %s", #expr, \
			       p11t_rv_name (rv_), p11t_rv_name (expected)); \
	} while (0)

#endif
