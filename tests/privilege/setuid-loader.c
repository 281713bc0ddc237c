/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * setuid-loader MODULE [--reserved TEXT] [--login LABEL PIN]: a set-uid
 * root program that loads a PKCS#11 module, as pam_p11 inside sudo or su
 * does, for tests/privilege/setuid.sh.  The test copies it to a private
 * directory, makes it root's and set-uid, and runs it as a throwaway user.
 *
 * It prints what the shell test checks:
 *
 *   uid=1001 euid=0 secure=1
 *   C_Initialize=0x00000000
 *   token=setuid-test
 *   C_Login=0x000000a0
 *
 * TEXT goes to C_Initialize as pReserved (the host's own settings).  With
 * --login it logs in to the token whose label starts with LABEL.  It reads
 * nothing from the environment.  Exit 0 when it got that far, 2 on a bad
 * command line or a module that does not load.
 */
#include "config.h"
#include "p11/p11.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static void
list_tokens (CK_FUNCTION_LIST_PTR f)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	if (f->C_GetSlotList (CK_TRUE, slots, &n) != CKR_OK)
		return;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;
		if (f->C_GetTokenInfo (slots[i], &info) != CKR_OK)
			continue;
		size_t len = sizeof info.label;
		while (len > 0 && info.label[len - 1] == ' ')
			len--;
		printf ("token=%.*s\n", (int)len, (const char *)info.label);
	}
}

static void
login (CK_FUNCTION_LIST_PTR f, const char *label, const char *pin)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	if (f->C_GetSlotList (CK_TRUE, slots, &n) != CKR_OK)
		return;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;
		CK_SESSION_HANDLE s;
		if (f->C_GetTokenInfo (slots[i], &info) != CKR_OK ||
		    strncmp ((const char *)info.label, label, strlen (label)) != 0)
			continue;
		if (f->C_OpenSession (slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
			return;
		CK_RV rv = f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen (pin));
		printf ("C_Login=0x%08lx\n", (unsigned long)rv);
		f->C_CloseSession (s);
		return;
	}
}

int
main (int argc, char **argv)
{
	const char *reserved = NULL, *label = NULL, *pin = NULL;

	if (argc < 2)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp (argv[i], "--reserved") == 0 && i + 1 < argc) {
			reserved = argv[++i];
		} else if (strcmp (argv[i], "--login") == 0 && i + 2 < argc) {
			label = argv[++i];
			pin = argv[++i];
		} else {
			goto usage;
		}
	}
	printf ("uid=%lu euid=%lu secure=%lu\n", (unsigned long)getuid (),
		(unsigned long)geteuid (), getauxval (AT_SECURE));
	fflush (stdout);

	void *module = dlopen (argv[1], RTLD_NOW | RTLD_LOCAL);
	if (module == NULL) {
		fprintf (stderr, "%s\n", dlerror ());
		return 2;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym (module, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR f;
	if (get == NULL || get (&f) != CKR_OK) {
		fprintf (stderr, "%s: no function list\n", argv[1]);
		return 2;
	}
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = (void *)reserved };
	CK_RV rv = f->C_Initialize (&args);
	printf ("C_Initialize=0x%08lx\n", (unsigned long)rv);
	if (rv == CKR_OK) {
		list_tokens (f);
		if (label != NULL)
			login (f, label, pin);
		f->C_Finalize (NULL);
	}
	return 0;

usage:
	fprintf (stderr, "usage: setuid-loader MODULE [--reserved TEXT] [--login LABEL PIN]\n");
	return 2;
}
