/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tool talks to the token through the module, as applications do: it
 * loads hkpost-p11.so, initialises it, and asks it.  What the module writes
 * on stderr while it is loaded (its warnings, in English, for programs that
 * have no interface of their own) is captured: the tool says the same in
 * the user's language, and shows the module's words as the cause when the
 * module cannot start, or all of them with --verbose.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"
#include "p11/constants.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_in_build_tree (void);

void
cli_module_locate (cli_module *m, const char *option)
{
	const char *env = hkp11_getenv ("HKPOST_P11_MODULE");

	memset (m, 0, sizeof *m);
	m->saved_stderr = -1;
	if (option != NULL) {
		hkp11_strlcpy (m->path, option, sizeof m->path);
		m->chosen_by = N_ ("--module");
	} else if (env != NULL && env[0] != '\0') {
		hkp11_strlcpy (m->path, env, sizeof m->path);
		m->chosen_by = N_ ("HKPOST_P11_MODULE");
#ifdef CLI_BUILDDIR
	} else if (cli_in_build_tree ()) {
		snprintf (m->path, sizeof m->path, "%s/module/.libs/hkpost-p11.%s", CLI_BUILDDIR,
			  SHLEXT);
		m->chosen_by = N_ ("build tree");
#endif
	} else {
		snprintf (m->path, sizeof m->path, "%s/hkpost-p11.%s", MODULEDIR, SHLEXT);
		m->chosen_by = N_ ("installed");
	}
}

static void
capture_begin (cli_module *m)
{
	fflush (stderr);
	m->capture = tmpfile ();
	if (m->capture == NULL)
		return;
	m->saved_stderr = dup (STDERR_FILENO);
	if (m->saved_stderr < 0 || dup2 (fileno (m->capture), STDERR_FILENO) < 0) {
		fclose (m->capture);
		m->capture = NULL;
	}
}

static void
capture_end (cli_module *m)
{
	if (m->saved_stderr >= 0) {
		fflush (stderr);
		dup2 (m->saved_stderr, STDERR_FILENO);
		close (m->saved_stderr);
		m->saved_stderr = -1;
	}
}

void
cli_module_messages (cli_module *m, char *buf, size_t len)
{
	buf[0] = '\0';
	if (m->capture == NULL || len == 0)
		return;
	ssize_t n = pread (fileno (m->capture), buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* The module's last message, without its "hkpost-p11: " prefix. */
static void
last_message (cli_module *m, char *buf, size_t len)
{
	char all[8192];
	cli_module_messages (m, all, sizeof all);
	size_t n = strlen (all);
	while (n > 0 && all[n - 1] == '\n')
		all[--n] = '\0';
	char *start = strrchr (all, '\n');
	start = start ? start + 1 : all;
	if (strncmp (start, "hkpost-p11: ", 12) == 0)
		start += 12;
	hkp11_strlcpy (buf, start, len);
}

cli_status
cli_module_open (cli_module *m, const char *init_reserved, bool quiet)
{
	CK_C_GetInterface get_interface;
	CK_INTERFACE_PTR iface = NULL;
	CK_VERSION v3 = { 3, 0 };
	char why[2048];

	m->handle = dlopen (m->path, RTLD_NOW | RTLD_LOCAL);
	if (m->handle == NULL) {
		const char *e = dlerror ();
		if (!quiet)
			cli_error (_ ("Build it with 'make' and install it with 'make install', or "
				      "name "
				      "it with --module PATH or the environment variable "
				      "HKPOST_P11_MODULE."),
				   _ ("cannot load the hkpost-p11 module %s: %s"), m->path,
				   e ? e : "?");
		return CLI_SETUP;
	}
	get_interface = (CK_C_GetInterface)dlsym (m->handle, "C_GetInterface");
	if (get_interface == NULL ||
	    get_interface ((CK_UTF8CHAR_PTR)HKP11_INTERFACE_NAME, &v3, &iface, 0) != CKR_OK ||
	    iface == NULL) {
		if (!quiet)
			cli_error (_ ("Name the hkpost-p11 module with --module PATH."),
				   _ ("%s is not the hkpost-p11 module (it offers no PKCS#11 3.0 "
				      "interface)"),
				   m->path);
		return CLI_SETUP;
	}
	m->f = iface->pFunctionList;

	CK_C_INITIALIZE_ARGS args;
	memset (&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	args.pReserved = (CK_VOID_PTR)init_reserved;
	capture_begin (m);
	m->init_rv = m->f->C_Initialize (&args);
	if (m->init_rv == CKR_OK) {
		m->initialized = true;
		return CLI_OK;
	}
	if (quiet)
		return CLI_SETUP;
	last_message (m, why, sizeof why);
	if (why[0] != '\0')
		cli_error (_ ("Run 'hkpost-p11 status' to see the configuration and the token "
			      "library in use."),
			   _ ("the hkpost-p11 module cannot start: %s"), why);
	else
		cli_error (_ ("Run 'hkpost-p11 status' to see the configuration and the token "
			      "library in use."),
			   _ ("the hkpost-p11 module cannot start: C_Initialize answered %s"),
			   hkp11_rv_name (m->init_rv) ? hkp11_rv_name (m->init_rv) : "?");
	return CLI_SETUP;
}

void
cli_module_close (cli_module *m)
{
	if (m->initialized)
		m->f->C_Finalize (NULL);
	m->initialized = false;
	capture_end (m);
	if (cli_verbose && m->capture != NULL) {
		char all[8192];
		cli_module_messages (m, all, sizeof all);
		if (all[0] != '\0') {
			fprintf (cli_err, _ ("The module reported:\n"));
			fputs (all, cli_err);
		}
	}
	if (m->capture != NULL)
		fclose (m->capture);
	m->capture = NULL;
	/* The module stays mapped: it is linked -z nodelete, and a second
	 * open in this process must find it as it was left. */
	m->handle = NULL;
	m->f = NULL;
}

bool
cli_backend_info (const char *path, CK_INFO *info)
{
	/* RTLD_NOLOAD: the library the module has loaded and initialised in
	 * this process, never a second copy of it. */
	void *handle = dlopen (path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	if (handle == NULL)
		return false;
	CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym (handle, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR list = NULL;
	bool ok = get_list != NULL && get_list (&list) == CKR_OK && list != NULL &&
		  list->C_GetInfo != NULL && list->C_GetInfo (info) == CKR_OK;
	dlclose (handle);
	return ok;
}
