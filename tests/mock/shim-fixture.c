/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "shim-fixture.h"

#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

shim_fx fx;

static const char *const knobs[] = {
	"MOCK_P11_VERSION",      "MOCK_P11_FAIL",
	"MOCK_P11_REMOVE_AFTER", "MOCK_P11_USER_PIN",
	"MOCK_P11_SO_PIN",       "MOCK_P11_TOKENS",
	"MOCK_P11_PIN_PAD",      "MOCK_P11_ETOKEN",
	"MOCK_P11_HIDE_RETRY",   "MOCK_P11_PIN_POLICY",
	"MOCK_P11_STATE",        "MOCK_P11_USER_TRIES",
	"MOCK_P11_MODEL",        NULL,
};

#define FX_NAME(kind, name, params, args) #name,
static const char *const function_names[] = {
	HKP11_FUNCTIONS_2_40 (FX_NAME) HKP11_FUNCTIONS_3_0 (FX_NAME) NULL,
};
#undef FX_NAME

static int saved_stderr = -1;
static char stderr_path[4200];

static void *
mock_sym (const char *name)
{
	void *sym = dlsym (fx.mock, name);
	ck_assert_msg (sym != NULL, "mock has no %s", name);
	return sym;
}

void
fx_conf (const char *extra)
{
	FILE *f = fopen (fx.conf, "w");
	ck_assert_ptr_nonnull (f);
	fputs (FX_LAYERS_OFF, f);
	if (extra != NULL)
		fputs (extra, f);
	ck_assert_int_eq (fclose (f), 0);
}

void
fx_setup (void)
{
	memset (&fx, 0, sizeof fx);
	for (int i = 0; knobs[i]; i++)
		unsetenv (knobs[i]);
	fx.dir = p11t_tmpdir ("shim");
	snprintf (fx.conf, sizeof fx.conf, "%s/hkpost-p11.conf", fx.dir);
	fx_conf (NULL);
	setenv ("HKPOST_P11_CONF", fx.conf, 1);
	setenv ("HKPOST_P11_BACKEND", p11t_mock_path (), 1);

	p11t_load (&fx.shim, p11t_shim_path ());
	ck_assert_ptr_nonnull (fx.shim.f3);
	fx.mock = dlopen (p11t_mock_path (), RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg (fx.mock != NULL, "dlopen %s: %s", p11t_mock_path (), dlerror ());
	fx.last_call = (mock_p11_last_call_fn)mock_sym ("mock_p11_last_call");
	fx.call_count = (mock_p11_call_count_fn)mock_sym ("mock_p11_call_count");
	fx.reset_calls = (mock_p11_reset_calls_fn)mock_sym ("mock_p11_reset_calls");
	fx.fail_with = (mock_p11_fail_fn)mock_sym ("mock_p11_fail");
	fx.set_present = (mock_p11_set_present_fn)mock_sym ("mock_p11_set_present");

	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)mock_sym ("C_GetFunctionList");
	ck_assert_int_eq (gfl (&fx.mock_f), CKR_OK);
	CK_C_GetInterface gi = (CK_C_GetInterface)mock_sym ("C_GetInterface");
	CK_INTERFACE_PTR iface = NULL;
	if (gi (NULL, NULL, &iface, 0) == CKR_OK)
		fx.mock_f3 = iface->pFunctionList;
	fx.reset_calls ();
}

void
fx_teardown (void)
{
	if (fx.shim.f != NULL)
		fx.shim.f->C_Finalize (NULL);
	for (int i = 0; fx.fail_with && function_names[i]; i++)
		fx.fail_with (function_names[i], CKR_OK);
	if (fx.dir != NULL) {
		p11t_rmtree (fx.dir);
		free (fx.dir);
	}
	memset (&fx, 0, sizeof fx);
}

void
fx_init (void)
{
	p11t_assert_rv (fx.shim.f->C_Initialize (NULL), CKR_OK);
}

CK_SESSION_HANDLE
fx_session (CK_SLOT_ID slot, bool login)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	p11t_assert_rv (fx.shim.f->C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
						  NULL, &h),
			CKR_OK);
	if (login)
		p11t_assert_rv (fx.shim.f->C_Login (h, CKU_USER, (CK_UTF8CHAR_PTR) "12345678", 8),
				CKR_OK);
	return h;
}

const mock_p11_call *
fx_last (const char *function)
{
	const mock_p11_call *c = fx.last_call (function);
	ck_assert_msg (c != NULL, "the mock never saw %s", function);
	return c;
}

unsigned long
fx_total_calls (void)
{
	unsigned long n = 0;
	for (int i = 0; function_names[i]; i++)
		n += fx.call_count (function_names[i]);
	return n;
}

void
fx_stderr_begin (void)
{
	snprintf (stderr_path, sizeof stderr_path, "%s/stderr", fx.dir);
	fflush (stderr);
	int fd = open (stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge (fd, 0);
	saved_stderr = dup (STDERR_FILENO);
	ck_assert_int_ge (saved_stderr, 0);
	ck_assert_int_ge (dup2 (fd, STDERR_FILENO), 0);
	close (fd);
}

char *
fx_stderr_end (void)
{
	fflush (stderr);
	ck_assert_int_ge (dup2 (saved_stderr, STDERR_FILENO), 0);
	close (saved_stderr);
	saved_stderr = -1;

	FILE *f = fopen (stderr_path, "r");
	ck_assert_ptr_nonnull (f);
	char *text = calloc (1, 65536);
	ck_assert_ptr_nonnull (text);
	size_t n = fread (text, 1, 65535, f);
	text[n] = '\0';
	fclose (f);
	return text;
}

int
fx_count_lines (const char *text)
{
	int n = 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}
