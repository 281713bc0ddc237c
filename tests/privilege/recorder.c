/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for a library that a user would like a privileged program to
 * run: loading it is enough for it to run code, so its constructor writes
 * "<its own path>.ran" with the uid and effective uid it runs with.  The
 * test copies it under several names and checks which ones ran.
 *
 * Its C_GetFunctionList fails: it is no token library.
 */
#include "config.h"
#include "p11/p11.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

__attribute__ ((constructor)) static void
record (void)
{
	Dl_info info;
	char path[4096], line[64];
	if (dladdr ((void *)record, &info) == 0 || info.dli_fname == NULL)
		return;
	if (snprintf (path, sizeof path, "%s.ran", info.dli_fname) >= (int)sizeof path)
		return;
	int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	int n = snprintf (line, sizeof line, "uid=%lu euid=%lu\n", (unsigned long)getuid (),
			  (unsigned long)geteuid ());
	if (n > 0 && write (fd, line, (size_t)n) < 0)
		n = 0;
	close (fd);
}

__attribute__ ((visibility ("default"))) CK_RV C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list);

CK_RV
C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	(void)list;
	return CKR_FUNCTION_FAILED;
}
