/* SPDX-License-Identifier: BSD-3-Clause */
/* Portability shims: one place for every call that is not plain POSIX. */
#ifndef HKP11_COMPAT_H
#define HKP11_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the program runs with rights that the user who started it does
 * not have: set-uid, set-gid, file capabilities (getauxval(AT_SECURE), as
 * p11-kit checks it).  Such a program reads no user's file, home or
 * environment: only the system-wide configuration and what the program
 * itself passes in C_Initialize.
 */
bool hkp11_secure_mode (void);

/* getenv that ignores the environment in a secure-mode program. */
const char *hkp11_getenv (const char *name);

/* Short name of the running program, for messages and the audit log. */
const char *hkp11_program_name (void);

/* memset that the compiler may not remove: for PINs and hashes of them. */
void hkp11_wipe (void *buf, size_t len);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t hkp11_strlcpy (char *dst, const char *src, size_t size);

/* Home directory from $HOME, else the password database; NULL if neither,
 * and always NULL in a secure-mode program. */
const char *hkp11_home_dir (void);

#endif
