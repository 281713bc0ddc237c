/* SPDX-License-Identifier: BSD-3-Clause */
/* Portability shims: one place for every call that is not plain POSIX. */
#ifndef HKP11_COMPAT_H
#define HKP11_COMPAT_H

#include <stddef.h>

/* getenv that ignores the environment in set-uid/set-gid processes. */
const char *hkp11_getenv (const char *name);

/* Short name of the running program, for messages and the audit log. */
const char *hkp11_program_name (void);

/* memset that the compiler may not remove: for PINs and hashes of them. */
void hkp11_wipe (void *buf, size_t len);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t hkp11_strlcpy (char *dst, const char *src, size_t size);

/* Home directory from $HOME, else the password database; NULL if neither. */
const char *hkp11_home_dir (void);

#endif
