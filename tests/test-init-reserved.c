/*
 * C_Initialize's pReserved as a hostile host passes it: a small integer, a
 * string without a terminator that runs into an unmapped page, a string
 * longer than the limit.  Each is refused with CKR_ARGUMENTS_BAD and one
 * message, never a crash; a good string that ends right at the end of its
 * page still works.  First the fault-safe copy alone, then through the
 * shim over the mock, as an application calls it.
 */
#include "config.h"
#include "safe-copy.h"
#include "conf.h"
#include "shim-fixture.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

int
main (void)
{
	SRunner *runner = srunner_create (suite ());
	srunner_run_all (runner, CK_NORMAL);
	int failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
