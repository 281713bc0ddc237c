/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C_Initialize's pReserved as a hostile host passes it: a small integer, a
 * string without a terminator that runs into an unmapped page, a string
 * longer than the limit.  Each is refused with CKR_ARGUMENTS_BAD and one
 * message, never a crash; a good string that ends right at the end of its
 * page still works.  First the fault-safe copy alone, then through the
 * shim over the mock, as an application calls it.
 */
#include "config.h"
#include "base/safe-copy.h"
#include "settings/conf.h"
#include "shim-fixture.h"

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__) && defined(HAVE_PROCESS_VM_READV)
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#endif

/* Two pages: the first readable, the second PROT_NONE. */
static char *pages;
static size_t page;

static void
map_pages (void)
{
	page = (size_t)sysconf (_SC_PAGESIZE);
	pages = mmap (NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne (pages, MAP_FAILED);
	ck_assert_int_eq (mprotect (pages + page, page, PROT_NONE), 0);
}

/* text placed so that its last byte is the last readable byte. */
static const char *
at_page_end (const char *text, size_t len)
{
	memcpy (pages + page - len, text, len);
	return pages + page - len;
}

/* A text of len bytes, no terminator, right before the PROT_NONE page. */
static const char *
unterminated (size_t len)
{
	memset (pages, 'x', page);
	memcpy (pages + page - len, "labels: off", len < 11 ? len : 11);
	return pages + page - len;
}

/* ---- The copy alone --------------------------------------------------- */

START_TEST (test_copy_first_page)
{
	char *out = (char *)"untouched";
	static const uintptr_t low[] = { 1, 2, 0x10, 0x7ff, 4095 };
	for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
		ck_assert_int_eq (hkp11_safe_copy_string ((const void *)low[i], 100, &out),
				  HKP11_COPY_FIRST_PAGE);
		ck_assert_ptr_null (out);
	}
}
END_TEST

START_TEST (test_copy_unreadable)
{
	char *out;
	map_pages ();
	/* The PROT_NONE page itself, an unmapped one, the top of memory. */
	ck_assert_int_eq (hkp11_safe_copy_string (pages + page, 100, &out), HKP11_COPY_UNREADABLE);
	ck_assert_ptr_null (out);
	char *gone = mmap (NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne (gone, MAP_FAILED);
	ck_assert_int_eq (munmap (gone, page), 0);
	ck_assert_int_eq (hkp11_safe_copy_string (gone + 10, 100, &out), HKP11_COPY_UNREADABLE);
	ck_assert_int_eq (hkp11_safe_copy_string ((const void *)UINTPTR_MAX, 100, &out),
			  HKP11_COPY_UNREADABLE);
	ck_assert_int_eq (hkp11_safe_copy_string ((const void *)(UINTPTR_MAX - 2), 100, &out),
			  HKP11_COPY_UNREADABLE);
	/* Readable bytes, then the protected page before any terminator. */
	ck_assert_int_eq (hkp11_safe_copy_string (unterminated (1), 100, &out),
			  HKP11_COPY_UNREADABLE);
	ck_assert_int_eq (hkp11_safe_copy_string (unterminated (50), 100, &out),
			  HKP11_COPY_UNREADABLE);
	ck_assert_ptr_null (out);
	munmap (pages, 2 * page);
}
END_TEST

START_TEST (test_copy_ends_at_page_end)
{
	char *out;
	map_pages ();
	/* The terminator is the page's last byte: nothing past it is read. */
	const char *s = at_page_end ("labels: off", sizeof "labels: off");
	ck_assert_int_eq (hkp11_safe_copy_string (s, 100, &out), HKP11_COPY_OK);
	ck_assert_str_eq (out, "labels: off");
	free (out);
	/* The empty string as the very last byte. */
	ck_assert_int_eq (hkp11_safe_copy_string (at_page_end ("", 1), 100, &out), HKP11_COPY_OK);
	ck_assert_str_eq (out, "");
	free (out);
	/* Exactly max_len bytes before it: the limit itself is fine. */
	memset (pages, 'y', page);
	pages[page - 1] = '\0';
	ck_assert_int_eq (hkp11_safe_copy_string (pages + page - 101, 100, &out), HKP11_COPY_OK);
	ck_assert_uint_eq (strlen (out), 100);
	free (out);
	munmap (pages, 2 * page);
}
END_TEST

START_TEST (test_copy_across_pages)
{
	/* A string that starts near a page's end and goes on in the next. */
	size_t pg = (size_t)sysconf (_SC_PAGESIZE);
	char *two = mmap (NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne (two, MAP_FAILED);
	memset (two, 'z', 2 * pg);
	two[pg + 30] = '\0';
	char *out;
	ck_assert_int_eq (hkp11_safe_copy_string (two + pg - 20, 100, &out), HKP11_COPY_OK);
	ck_assert_uint_eq (strlen (out), 50);
	free (out);
	/* One byte over the limit, with readable memory all round. */
	ck_assert_int_eq (hkp11_safe_copy_string (two + pg - 20, 49, &out), HKP11_COPY_TOO_LONG);
	ck_assert_ptr_null (out);
	ck_assert_int_eq (hkp11_safe_copy_string (two + pg - 20, 50, &out), HKP11_COPY_OK);
	free (out);
	munmap (two, 2 * pg);
}
END_TEST

/* Where process_vm_readv is refused (a seccomp filter, as older container
 * runtimes install), the copy goes through a pipe, with the same answers.
 * In a child of its own: the filter cannot be lifted. */
#if defined(__linux__) && defined(HAVE_PROCESS_VM_READV)
static int
copy_cases_in_child (void)
{
	struct sock_filter filter[] = {
		BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
		BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
		BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
	if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 10;
	/* The filter holds. */
	char a = 'a', b = 0;
	struct iovec local = { .iov_base = &b, .iov_len = 1 },
		     remote = { .iov_base = &a, .iov_len = 1 };
	if (process_vm_readv (getpid (), &local, 1, &remote, 1, 0) != -1 || errno != EPERM)
		return 11;

	char *out;
	map_pages ();
	if (hkp11_safe_copy_string ((void *)1, 100, &out) != HKP11_COPY_FIRST_PAGE)
		return 12;
	if (hkp11_safe_copy_string (pages + page, 100, &out) != HKP11_COPY_UNREADABLE)
		return 13;
	if (hkp11_safe_copy_string (unterminated (50), 100, &out) != HKP11_COPY_UNREADABLE)
		return 14;
	if (hkp11_safe_copy_string (at_page_end ("labels: off", 12), 100, &out) != HKP11_COPY_OK ||
	    strcmp (out, "labels: off") != 0)
		return 15;
	free (out);
	/* Longer than a pipe takes in one piece, across the page boundary. */
	char *big = malloc (3 * page);
	if (big == NULL)
		return 16;
	memset (big, 'q', 3 * page);
	big[2 * page + 7] = '\0';
	if (hkp11_safe_copy_string (big + 5, 3 * page, &out) != HKP11_COPY_OK ||
	    strlen (out) != 2 * page + 2)
		return 17;
	free (out);
	if (hkp11_safe_copy_string (big + 5, 100, &out) != HKP11_COPY_TOO_LONG)
		return 18;
	free (big);
	return 0;
}

START_TEST (test_copy_without_process_vm_readv)
{
	fflush (NULL);
	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0)
		_exit (copy_cases_in_child ());
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
		       "child: status 0x%x (exit code = the case that failed)", status);
}
END_TEST
#endif

/* ---- Through C_Initialize ------------------------------------------------ */

/* C_Initialize with pReserved, which must be refused with one message
 * holding want; nothing reaches the backend, and a good call works after. */
static void
expect_refused (const void *reserved, const char *want)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = (void *)reserved };
	fx.reset_calls ();
	fx_stderr_begin ();
	CK_RV rv = fx.shim.f->C_Initialize (&args);
	char *err = fx_stderr_end ();
	p11t_assert_rv (rv, CKR_ARGUMENTS_BAD);
	ck_assert_msg (strstr (err, "C_Initialize pReserved: not a settings string") != NULL &&
			       strstr (err, want) != NULL,
		       "stderr: %s", err);
	ck_assert_int_eq (fx_count_lines (err), 1);
	ck_assert_uint_eq (fx.call_count ("C_Initialize"), 0);
	free (err);
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
}

START_TEST (test_initialize_pointer_one)
{
	expect_refused ((void *)1, "first page of memory");
	expect_refused ((void *)(uintptr_t)0xfff, "first page of memory");
}
END_TEST

START_TEST (test_initialize_unterminated_before_guard_page)
{
	map_pages ();
	expect_refused (unterminated (11), "cannot be read");
	expect_refused (unterminated (page), "cannot be read");
	expect_refused (pages + page, "cannot be read");
	munmap (pages, 2 * page);
}
END_TEST

START_TEST (test_initialize_too_long)
{
	size_t len = HKP11_INIT_RESERVED_MAX + 1;
	char *blob = malloc (len + 1);
	ck_assert_ptr_nonnull (blob);
	/* Comment lines, each short enough to be an item. */
	for (size_t i = 0; i < len; i++)
		blob[i] = i % 64 == 63 ? '\n' : '#';
	blob[len] = '\0';
	expect_refused (blob, "it is longer, or has no terminating NUL");
	/* At the limit it is read, and taken as settings: comments. */
	blob[len - 1] = '\0';
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = blob };
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_OK);
	free (blob);
}
END_TEST

START_TEST (test_initialize_string_at_page_end)
{
	map_pages ();
	char settings[64];
	int n = snprintf (settings, sizeof settings, "labels: off; audit: off");
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK,
				      .pReserved = (void *)at_page_end (settings, (size_t)n + 1) };
	p11t_assert_rv (fx.shim.f->C_Initialize (&args), CKR_OK);
	ck_assert_ptr_null (fx_last ("C_Initialize")->init_reserved);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	/* A bad setting there is named as usual. */
	n = snprintf (settings, sizeof settings, "labels: sideways");
	args.pReserved = (void *)at_page_end (settings, (size_t)n + 1);
	fx_stderr_begin ();
	CK_RV rv = fx.shim.f->C_Initialize (&args);
	char *err = fx_stderr_end ();
	p11t_assert_rv (rv, CKR_ARGUMENTS_BAD);
	ck_assert_msg (strstr (err, "C_Initialize pReserved, item 1: bad value for key 'labels'") !=
			       NULL,
		       "stderr: %s", err);
	free (err);
	munmap (pages, 2 * page);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("init-reserved");
	TCase *tc = tcase_create ("copy");
	tcase_add_test (tc, test_copy_first_page);
	tcase_add_test (tc, test_copy_unreadable);
	tcase_add_test (tc, test_copy_ends_at_page_end);
	tcase_add_test (tc, test_copy_across_pages);
#if defined(__linux__) && defined(HAVE_PROCESS_VM_READV)
	tcase_add_test (tc, test_copy_without_process_vm_readv);
#endif
	suite_add_tcase (s, tc);

	tc = tcase_create ("C_Initialize");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_add_test (tc, test_initialize_pointer_one);
	tcase_add_test (tc, test_initialize_unterminated_before_guard_page);
	tcase_add_test (tc, test_initialize_too_long);
	tcase_add_test (tc, test_initialize_string_at_page_end);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
