/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "p11-test.h"

#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef P11T_BUILDDIR
#error "P11T_BUILDDIR must name the build tree"
#endif

static char path_buf[3][PATH_MAX];

const char *
p11t_shim_path (void)
{
	snprintf (path_buf[0], PATH_MAX, "%s/module/.libs/hkpost-p11.%s", P11T_BUILDDIR, SHLEXT);
	return path_buf[0];
}

const char *
p11t_softhsm_path (void)
{
	const char *env = getenv ("SOFTHSM2_MODULE");
	if (env && env[0])
		return env;
	return P11T_SOFTHSM2_MODULE;
}

const char *
p11t_mock_path (void)
{
	snprintf (path_buf[2], PATH_MAX, "%s/tests/mock/.libs/mock-p11.%s", P11T_BUILDDIR, SHLEXT);
	return path_buf[2];
}

const char *
p11t_target_path (void)
{
	const char *which = getenv ("P11T_MODULE");
	if (which && strcmp (which, "direct") == 0)
		return p11t_softhsm_path ();
	return p11t_shim_path ();
}

void
p11t_load (p11t_module *m, const char *path)
{
	memset (m, 0, sizeof *m);
	m->handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg (m->handle != NULL, "dlopen %s: %s", path, dlerror ());
	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym (m->handle, "C_GetFunctionList");
	ck_assert_msg (gfl != NULL, "%s has no C_GetFunctionList", path);
	ck_assert_int_eq (gfl (&m->f), CKR_OK);
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym (m->handle, "C_GetInterface");
	if (gi != NULL) {
		CK_INTERFACE_PTR iface = NULL;
		CK_VERSION v3 = { 3, 0 };
		if (gi ((CK_UTF8CHAR_PTR) "PKCS 11", &v3, &iface, 0) == CKR_OK && iface)
			m->f3 = iface->pFunctionList;
	}
}

void
p11t_unload (p11t_module *m)
{
	/* Modules are never dlclose()d: SoftHSM and OpenSSL do not survive it. */
	memset (m, 0, sizeof *m);
}

char *
p11t_tmpdir (const char *prefix)
{
	char base[PATH_MAX];
	snprintf (base, sizeof base, "%s/tests/tmp", P11T_BUILDDIR);
	mkdir (base, 0700);
	char *dir = malloc (PATH_MAX);
	ck_assert_ptr_nonnull (dir);
	snprintf (dir, PATH_MAX, "%s/%s-XXXXXX", base, prefix);
	ck_assert_msg (mkdtemp (dir) != NULL, "mkdtemp %s: %s", dir, strerror (errno));
	return dir;
}

int
p11t_capture_stderr (const char *path)
{
	fflush (stderr);
	int saved = dup (STDERR_FILENO);
	int fd = open (path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	ck_assert_int_ge (fd, 0);
	dup2 (fd, STDERR_FILENO);
	close (fd);
	return saved;
}

void
p11t_restore_stderr (int saved)
{
	fflush (stderr);
	dup2 (saved, STDERR_FILENO);
	close (saved);
}

int
p11t_run_suite (Suite *suite)
{
	SRunner *runner = srunner_create (suite);
	srunner_run_all (runner, CK_NORMAL);
	int failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *
p11t_softhsm_setup (void)
{
	char *dir = p11t_tmpdir ("softhsm");
	char path[PATH_MAX], tokens[PATH_MAX];
	snprintf (tokens, sizeof tokens, "%s/tokens", dir);
	ck_assert_int_eq (mkdir (tokens, 0700), 0);
	snprintf (path, sizeof path, "%s/softhsm2.conf", dir);
	FILE *f = fopen (path, "w");
	ck_assert_ptr_nonnull (f);
	fprintf (f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		 tokens);
	fclose (f);
	setenv ("SOFTHSM2_CONF", path, 1);
	setenv ("HKPOST_P11_BACKEND", p11t_softhsm_path (), 1);
	/* Tests never read the developer's own settings. */
	snprintf (path, sizeof path, "%s/empty.conf", dir);
	f = fopen (path, "w");
	ck_assert_ptr_nonnull (f);
	fclose (f);
	setenv ("HKPOST_P11_CONF", path, 1);
	return dir;
}

static void
pad (CK_UTF8CHAR *dst, const char *src, size_t len)
{
	memset (dst, ' ', len);
	memcpy (dst, src, strlen (src) < len ? strlen (src) : len);
}

CK_SLOT_ID
p11t_init_token (p11t_module *m, const char *label, const char *so_pin, const char *user_pin)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	p11t_assert_rv (m->f->C_GetSlotList (CK_FALSE, slots, &n), CKR_OK);
	ck_assert_uint_gt (n, 0);
	CK_SLOT_ID free_slot = slots[n - 1];
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (m->f->C_GetTokenInfo (slots[i], &ti) == CKR_OK &&
		    !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			free_slot = slots[i];
			break;
		}
	}
	CK_UTF8CHAR lab[32];
	pad (lab, label, sizeof lab);
	p11t_assert_rv (
		m->f->C_InitToken (free_slot, (CK_UTF8CHAR_PTR)so_pin, strlen (so_pin), lab),
		CKR_OK);

	/* SoftHSM moves an initialised token to a new slot id: find it by label. */
	n = 16;
	p11t_assert_rv (m->f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	CK_SLOT_ID slot = (CK_SLOT_ID)-1;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (m->f->C_GetTokenInfo (slots[i], &ti) == CKR_OK &&
		    memcmp (ti.label, lab, sizeof lab) == 0 &&
		    !(ti.flags & CKF_USER_PIN_INITIALIZED)) {
			slot = slots[i];
			break;
		}
	}
	ck_assert_msg (slot != (CK_SLOT_ID)-1, "initialised token '%s' not found", label);

	CK_SESSION_HANDLE s;
	p11t_assert_rv (
		m->f->C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		CKR_OK);
	p11t_assert_rv (m->f->C_Login (s, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, strlen (so_pin)),
			CKR_OK);
	p11t_assert_rv (m->f->C_InitPIN (s, (CK_UTF8CHAR_PTR)user_pin, strlen (user_pin)), CKR_OK);
	p11t_assert_rv (m->f->C_Logout (s), CKR_OK);
	p11t_assert_rv (m->f->C_CloseSession (s), CKR_OK);
	return slot;
}

CK_SESSION_HANDLE
p11t_open_session (p11t_module *m, CK_SLOT_ID slot, const char *pin)
{
	CK_SESSION_HANDLE s;
	p11t_assert_rv (
		m->f->C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		CKR_OK);
	if (pin != NULL)
		p11t_assert_rv (m->f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen (pin)),
				CKR_OK);
	return s;
}

const char *
p11t_rv_name (CK_RV rv)
{
	static __thread char buf[32];
	switch (rv) {
#define NAME(x) \
	case x: \
		return #x;
		NAME (CKR_OK)
		NAME (CKR_CANCEL)
		NAME (CKR_HOST_MEMORY)
		NAME (CKR_SLOT_ID_INVALID)
		NAME (CKR_GENERAL_ERROR)
		NAME (CKR_FUNCTION_FAILED)
		NAME (CKR_ARGUMENTS_BAD)
		NAME (CKR_ATTRIBUTE_SENSITIVE)
		NAME (CKR_ATTRIBUTE_TYPE_INVALID)
		NAME (CKR_ATTRIBUTE_VALUE_INVALID)
		NAME (CKR_DEVICE_ERROR)
		NAME (CKR_DEVICE_REMOVED)
		NAME (CKR_FUNCTION_NOT_SUPPORTED)
		NAME (CKR_KEY_HANDLE_INVALID)
		NAME (CKR_MECHANISM_INVALID)
		NAME (CKR_OBJECT_HANDLE_INVALID)
		NAME (CKR_OPERATION_NOT_INITIALIZED)
		NAME (CKR_PIN_INCORRECT)
		NAME (CKR_PIN_INVALID)
		NAME (CKR_PIN_LEN_RANGE)
		NAME (CKR_PIN_LOCKED)
		NAME (CKR_SESSION_HANDLE_INVALID)
		NAME (CKR_SESSION_READ_ONLY)
		NAME (CKR_SIGNATURE_INVALID)
		NAME (CKR_TEMPLATE_INCOMPLETE)
		NAME (CKR_TOKEN_NOT_PRESENT)
		NAME (CKR_USER_ALREADY_LOGGED_IN)
		NAME (CKR_USER_NOT_LOGGED_IN)
		NAME (CKR_USER_TYPE_INVALID)
		NAME (CKR_BUFFER_TOO_SMALL)
		NAME (CKR_CRYPTOKI_NOT_INITIALIZED)
		NAME (CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef NAME
	default:
		snprintf (buf, sizeof buf, "0x%08lx", (unsigned long)rv);
		return buf;
	}
}

static bool
file_contains (const char *path, const char *needle)
{
	FILE *f = fopen (path, "rb");
	if (f == NULL)
		return false;
	size_t nlen = strlen (needle);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char chunk[8192];
	size_t got;
	while ((got = fread (chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got > cap) {
			cap = (len + got) * 2;
			buf = realloc (buf, cap);
			ck_assert_ptr_nonnull (buf);
		}
		memcpy (buf + len, chunk, got);
		len += got;
	}
	fclose (f);
	bool found = false;
	for (size_t i = 0; nlen && i + nlen <= len && !found; i++)
		found = memcmp (buf + i, needle, nlen) == 0;
	free (buf);
	return found;
}

char *
p11t_find_secret (const char *path, const char *const *secrets)
{
	struct stat st;
	if (lstat (path, &st) != 0)
		return NULL;
	if (S_ISDIR (st.st_mode)) {
		DIR *d = opendir (path);
		if (d == NULL)
			return NULL;
		struct dirent *e;
		char *hit = NULL;
		while (hit == NULL && (e = readdir (d)) != NULL) {
			if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
				continue;
			char child[PATH_MAX];
			snprintf (child, sizeof child, "%s/%s", path, e->d_name);
			hit = p11t_find_secret (child, secrets);
		}
		closedir (d);
		return hit;
	}
	if (!S_ISREG (st.st_mode))
		return NULL;
	for (int i = 0; secrets[i]; i++) {
		if (file_contains (path, secrets[i]))
			return strdup (path);
	}
	return NULL;
}
