/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the test mock backend (tests/mock/.libs/mock-p11.so) exports besides
 * C_GetFunctionList, C_GetInterfaceList and C_GetInterface: a record of the
 * arguments each function last received, and a few controls.
 *
 * A test that loaded the shim over the mock reaches these with
 * dlopen(p11t_mock_path(), RTLD_NOW) (the same handle the shim holds) and
 * dlsym (typedefs at the end).  The knobs read from the environment are
 * described at the top of mock-p11.c.
 */
#ifndef MOCK_P11_H
#define MOCK_P11_H

#include "p11/p11.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MOCK_P11_MAX_ARGS 10
#define MOCK_P11_MAX_BUFS 3
#define MOCK_P11_BUF_COPY 256
#define MOCK_P11_MAX_ATTRS 32

/* The two slots: 7 holds the token; 12 is a reader that is empty unless
 * MOCK_P11_TOKENS=2. */
#define MOCK_P11_SLOT 7
#define MOCK_P11_SLOT2 12

/* The mechanisms the mock token offers. */
#define MOCK_P11_SIGNATURE_LEN 256 /* bytes: it pretends to be RSA 2048 */
/* Its one digest (32 bytes), a vendor mechanism: it is not SHA-256. */
#define MOCK_P11_CKM_DIGEST (CKM_VENDOR_DEFINED | 0x6d6f636bUL)

typedef struct {
	unsigned char copy[MOCK_P11_BUF_COPY]; /* the first bytes, when the pointer was not NULL */
	CK_ULONG len;                          /* the length argument as given */
	const void *ptr;
} mock_p11_buf;

typedef struct mock_p11_call {
	unsigned long count; /* calls of this function so far, this one included */
	CK_RV rv;            /* what the mock answered; (CK_RV)-1 while it runs */
	pid_t pid;           /* the process that called */

	/* Every argument in declaration order: scalars by value, pointers as
	 * addresses. */
	unsigned int n_args;
	uintptr_t args[MOCK_P11_MAX_ARGS];

	/* Input byte buffers, each an (pointer, CK_ULONG length) pair in the
	 * parameter list, in order: a PIN, data, a signature, a username...
	 * C_InitToken's 32-byte label comes last. */
	unsigned int n_bufs;
	mock_p11_buf bufs[MOCK_P11_MAX_BUFS];

	/* The value a CK_ULONG_PTR argument pointed at on entry (a buffer's
	 * size), for the first such argument; has_ulong_in tells whether it
	 * was readable. */
	int has_ulong_in;
	CK_ULONG ulong_in;

	/* The first attribute template: types and lengths (never values). */
	CK_ULONG n_attrs; /* ulCount as given */
	CK_ATTRIBUTE_TYPE attr_type[MOCK_P11_MAX_ATTRS];
	CK_ULONG attr_len[MOCK_P11_MAX_ATTRS];
	const void *attr_value[MOCK_P11_MAX_ATTRS];

	/* The mechanism, when the function takes one. */
	int has_mechanism;
	CK_MECHANISM_TYPE mechanism;
	CK_ULONG mechanism_param_len;

	/* C_Initialize: a copy of CK_C_INITIALIZE_ARGS, or init_args_null. */
	int init_args_null;
	CK_FLAGS init_flags;
	const void *init_reserved;
	void *init_create_mutex, *init_destroy_mutex, *init_lock_mutex, *init_unlock_mutex;
} mock_p11_call;

/* The last call of function ("C_Sign"), or NULL when it was never called
 * (or the name is not a PKCS#11 function).  The record lives in the mock and
 * is overwritten by the next call. */
const mock_p11_call *mock_p11_last_call (const char *function);

/* How many times function was called (0 for an unknown name). */
unsigned long mock_p11_call_count (const char *function);

/* Forgets every record and count. */
void mock_p11_reset_calls (void);

/* From now on function answers rv without doing anything; CKR_OK clears.
 * Returns 0, or -1 for an unknown name.  Same effect as MOCK_P11_FAIL. */
int mock_p11_fail (const char *function, CK_RV rv);

/* Takes the token out of slot or puts it back (slot event for
 * C_WaitForSlotEvent); returns 0, or -1 for a bad slot. */
int mock_p11_set_present (CK_SLOT_ID slot, int present);

/* The user PIN tries left on the token in slot (eToken mode counts down
 * from 15; otherwise the count never falls), or -1. */
long mock_p11_user_tries_left (CK_SLOT_ID slot);

/* From now on (until C_Initialize reads MOCK_P11_ODD_LENGTH again) every
 * size query answers len instead of the true length; on == 0 stops it. */
void mock_p11_odd_length (int on, CK_ULONG len);

/* Types for dlsym. */
typedef const mock_p11_call *(*mock_p11_last_call_fn) (const char *function);
typedef unsigned long (*mock_p11_call_count_fn) (const char *function);
typedef void (*mock_p11_reset_calls_fn) (void);
typedef int (*mock_p11_fail_fn) (const char *function, CK_RV rv);
typedef int (*mock_p11_set_present_fn) (CK_SLOT_ID slot, int present);
typedef long (*mock_p11_user_tries_left_fn) (CK_SLOT_ID slot);
typedef void (*mock_p11_odd_length_fn) (int on, CK_ULONG len);

#endif /* MOCK_P11_H */
