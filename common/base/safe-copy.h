/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Copying a string through a pointer that someone else handed over and that
 * may point anywhere: C_Initialize's pReserved is ours to read only as far
 * as the caller says, and a host that passes (void *)1 or a buffer without
 * a terminator must get an error, not a crash.
 *
 * The bytes are copied by the kernel (process_vm_readv on this process, else
 * a write into a pipe), which answers EFAULT for memory that cannot be read
 * where a plain load would fault.  The copy goes page by page, so that a
 * short string just before an unmapped page is read whole and nothing past
 * its terminator is touched.
 */
#ifndef HKP11_SAFE_COPY_H
#define HKP11_SAFE_COPY_H

#include <stddef.h>

typedef enum {
	HKP11_COPY_OK,
	HKP11_COPY_FIRST_PAGE, /* points into the first page of memory: not a pointer */
	HKP11_COPY_UNREADABLE, /* the memory cannot be read (EFAULT) */
	HKP11_COPY_TOO_LONG,   /* no terminator within max_len + 1 bytes */
	HKP11_COPY_NO_MEMORY,
	HKP11_COPY_NO_WAY, /* neither process_vm_readv nor a pipe could be used */
} hkp11_copy_result;

/*
 * Copies the NUL-terminated string at src, of at most max_len bytes before
 * its terminator, into a new heap string in *out (the caller frees it).
 * Reads nothing beyond the terminator's page and at most max_len + 1 bytes.
 * On failure *out is NULL.
 */
hkp11_copy_result hkp11_safe_copy_string (const void *src, size_t max_len, char **out);

/* What a result means, for messages ("cannot be read"...). */
const char *hkp11_copy_result_text (hkp11_copy_result result);

#endif
