/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests of the shim's core share: the shim loaded as an
 * application loads it, over the mock backend, with every layer switched
 * off in a configuration file of the test's own; the mock's controls; and
 * stderr captured into a file.
 */
#ifndef SHIM_FIXTURE_H
#define SHIM_FIXTURE_H

#include "p11-test.h"
#include "mock-p11.h"

#include <stdbool.h>

/* Settings that take every layer out of the stack: the shim must then be
 * invisible.  The keys are those of config/hkpost-p11.conf. */
#define FX_LAYERS_OFF \
	"audit: off\n" \
	"pin-policy: off\n" \
	"lockout-warn: 0\n" \
	"lockout-guard: 0\n" \
	"lockout-repeat-guard: no\n" \
	"labels: off\n"

typedef struct {
	p11t_module shim;            /* shim.f (2.40) and shim.f3 (3.0) */
	void *mock;                  /* the mock, the same mapping the shim loads */
	CK_FUNCTION_LIST_PTR mock_f; /* the mock's own tables, for direct calls */
	CK_FUNCTION_LIST_3_0_PTR mock_f3;
	mock_p11_last_call_fn last_call;
	mock_p11_call_count_fn call_count;
	mock_p11_reset_calls_fn reset_calls;
	mock_p11_fail_fn fail_with;
	mock_p11_set_present_fn set_present;
	char *dir;
	char conf[4096];
} shim_fx;

extern shim_fx fx;

/* Checked fixture: a fresh directory and configuration, no MOCK_P11_*
 * knobs, HKPOST_P11_BACKEND at the mock; loads shim and mock. */
void fx_setup (void);
/* Finalises the shim if it is initialised, clears injected failures. */
void fx_teardown (void);

/* Rewrites the configuration file: the layers off, then extra (may be NULL). */
void fx_conf (const char *extra);

/* C_Initialize (NULL) through the shim, asserting CKR_OK. */
void fx_init (void);

/* A session on slot, logged in as user with the mock's default PIN when
 * login; through the shim. */
CK_SESSION_HANDLE fx_session (CK_SLOT_ID slot, bool login);

/* The mock's record of function's last call; fails the test if none. */
const mock_p11_call *fx_last (const char *function);

/* Mock calls of every PKCS#11 function together. */
unsigned long fx_total_calls (void);

/* Redirects stderr into a file until fx_stderr_end, which returns what
 * was written (caller frees). */
void fx_stderr_begin (void);
char *fx_stderr_end (void);

/* Lines in text. */
int fx_count_lines (const char *text);

#endif
