/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether a library is hkpost-p11 itself, so that the shim never takes
 * itself for its backend (it would forward every call to itself).
 *
 * Addresses of our exported entry points cannot tell: a library preloaded
 * (LD_PRELOAD) or opened RTLD_GLOBAL before us interposes its
 * C_GetFunctionList on ours, so our own code would see the backend's.  What
 * is compared instead is the loaded object itself, found with dladdr from
 * an address inside it (a non-exported function of ours, the backend's
 * resolved entry point), and its file's device and inode.
 *
 * A copy of the module is another file and loads as another object; it is
 * still refused when it is the very same build (the same GNU build ID): a
 * second shim under the first would count every wrong PIN twice.  Another
 * build of hkpost-p11 is not recognised.
 */
#ifndef HKP11_SELF_IDENTITY_H
#define HKP11_SELF_IDENTITY_H

#include <stdbool.h>

typedef enum {
	HKP11_SELF_NO,          /* another library */
	HKP11_SELF_SAME_OBJECT, /* this very mapping: another path to our file */
	HKP11_SELF_SAME_BUILD,  /* a copy of our file, loaded a second time */
} hkp11_self_kind;

/* Whether path names the file this module was loaded from (same device and
 * inode: the path itself, a symbolic or hard link, a bind mount). */
bool hkp11_self_file (const char *path);

/* Whether the loaded object holding addr is this module, or a copy of it. */
hkp11_self_kind hkp11_self_object (const void *addr);

#endif
