/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * token-flags MODULE LABEL: the raw CK_TOKEN_INFO of the token whose label
 * starts with LABEL, as the module reports it, for the shell tests:
 *
 *   flags=0x0006040d
 *   count-low=1 final-try=0 locked=0
 *   min-pin=8 max-pin=255
 *   label=eToken (5 tries left)   (with lockout-label-programs: token-flags)
 *
 * pkcs11-tool 0.23 names some flags and prints the rest as one hex number,
 * so the tests ask the module themselves.  Exit 1 when no token matches.
 */
#include "config.h"
#include "p11/p11.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	int found = 0;

	if (argc != 3) {
		fprintf (stderr, "usage: %s MODULE LABEL\n", argv[0]);
		return 2;
	}
	void *module = dlopen (argv[1], RTLD_NOW | RTLD_LOCAL);
	if (module == NULL) {
		fprintf (stderr, "%s\n", dlerror ());
		return 2;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym (module, "C_GetFunctionList");
	if (get == NULL || get (&f) != CKR_OK || f->C_Initialize (NULL) != CKR_OK ||
	    f->C_GetSlotList (CK_TRUE, slots, &n) != CKR_OK) {
		fprintf (stderr, "%s: cannot list the tokens\n", argv[1]);
		return 2;
	}
	for (CK_ULONG i = 0; i < n && !found; i++) {
		CK_TOKEN_INFO info;
		if (f->C_GetTokenInfo (slots[i], &info) != CKR_OK ||
		    strncmp ((const char *)info.label, argv[2], strlen (argv[2])) != 0)
			continue;
		found = 1;
		printf ("flags=0x%08lx\n", (unsigned long)info.flags);
		printf ("count-low=%d final-try=%d locked=%d\n",
			(info.flags & CKF_USER_PIN_COUNT_LOW) != 0,
			(info.flags & CKF_USER_PIN_FINAL_TRY) != 0,
			(info.flags & CKF_USER_PIN_LOCKED) != 0);
		printf ("min-pin=%lu max-pin=%lu\n", (unsigned long)info.ulMinPinLen,
			(unsigned long)info.ulMaxPinLen);
		printf ("label=%.32s\n", (const char *)info.label);
	}
	f->C_Finalize (NULL);
	return found ? 0 : 1;
}
