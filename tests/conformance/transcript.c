/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transcript: one line per call, appended to $P11T_TRANSCRIPT with
 * O_APPEND so that each forked test adds to the same file in order.
 */
#include "config.h"
#include "conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *current_test = "?";

static void
append_line (const char *line)
{
	const char *path = getenv ("P11T_TRANSCRIPT");
	if (path == NULL || path[0] == '\0')
		return;
	int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_msg (fd >= 0, "open transcript %s: %s", path, strerror (errno));
	size_t len = strlen (line);
	/* One write per line: lines of forked tests never interleave. */
	ssize_t done = write (fd, line, len);
	int saved = errno;
	close (fd);
	ck_assert_msg (done == (ssize_t)len, "write transcript %s: %s", path, strerror (saved));
}

void
conf_begin (const char *test)
{
	char line[256];
	current_test = test;
	snprintf (line, sizeof line, "== %s\n", test);
	append_line (line);
}

CK_RV
conf_record (const char *fn, CK_RV rv)
{
	char line[256];
	snprintf (line, sizeof line, "%s: %s %s\n", current_test, fn, conf_rv_name (rv));
	append_line (line);
	return rv;
}

void
conf_out (const char *fmt, ...)
{
	char body[4096], line[4200];
	va_list ap;
	va_start (ap, fmt);
	vsnprintf (body, sizeof body, fmt, ap);
	va_end (ap);
	snprintf (line, sizeof line, "%s:   %s\n", current_test, body);
	append_line (line);
}

const char *
conf_hex (const void *data, size_t len)
{
	static char bufs[4][1100];
	static int next;
	char *out = bufs[next++ % 4];
	const unsigned char *p = data;
	size_t i;
	for (i = 0; i < len && i * 2 + 2 < sizeof bufs[0]; i++)
		snprintf (out + i * 2, 3, "%02x", p[i]);
	out[i * 2] = '\0';
	return out;
}

size_t
conf_unhex (const char *hex, unsigned char *buf)
{
	size_t n = strlen (hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		ck_assert_int_eq (sscanf (hex + i * 2, "%2x", &b), 1);
		buf[i] = (unsigned char)b;
	}
	return n;
}

const char *
conf_rv_name (CK_RV rv)
{
	static char buf[32];
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
		NAME (CKR_NO_EVENT)
		NAME (CKR_NEED_TO_CREATE_THREADS)
		NAME (CKR_CANT_LOCK)
		NAME (CKR_ATTRIBUTE_READ_ONLY)
		NAME (CKR_ATTRIBUTE_SENSITIVE)
		NAME (CKR_ATTRIBUTE_TYPE_INVALID)
		NAME (CKR_ATTRIBUTE_VALUE_INVALID)
		NAME (CKR_ACTION_PROHIBITED)
		NAME (CKR_DATA_INVALID)
		NAME (CKR_DATA_LEN_RANGE)
		NAME (CKR_DEVICE_ERROR)
		NAME (CKR_DEVICE_MEMORY)
		NAME (CKR_DEVICE_REMOVED)
		NAME (CKR_ENCRYPTED_DATA_INVALID)
		NAME (CKR_ENCRYPTED_DATA_LEN_RANGE)
		NAME (CKR_FUNCTION_CANCELED)
		NAME (CKR_FUNCTION_NOT_PARALLEL)
		NAME (CKR_FUNCTION_NOT_SUPPORTED)
		NAME (CKR_KEY_HANDLE_INVALID)
		NAME (CKR_KEY_SIZE_RANGE)
		NAME (CKR_KEY_TYPE_INCONSISTENT)
		NAME (CKR_KEY_NOT_NEEDED)
		NAME (CKR_KEY_CHANGED)
		NAME (CKR_KEY_NEEDED)
		NAME (CKR_KEY_INDIGESTIBLE)
		NAME (CKR_KEY_FUNCTION_NOT_PERMITTED)
		NAME (CKR_KEY_NOT_WRAPPABLE)
		NAME (CKR_KEY_UNEXTRACTABLE)
		NAME (CKR_MECHANISM_INVALID)
		NAME (CKR_MECHANISM_PARAM_INVALID)
		NAME (CKR_OBJECT_HANDLE_INVALID)
		NAME (CKR_OPERATION_ACTIVE)
		NAME (CKR_OPERATION_NOT_INITIALIZED)
		NAME (CKR_PIN_INCORRECT)
		NAME (CKR_PIN_INVALID)
		NAME (CKR_PIN_LEN_RANGE)
		NAME (CKR_PIN_EXPIRED)
		NAME (CKR_PIN_LOCKED)
		NAME (CKR_SESSION_CLOSED)
		NAME (CKR_SESSION_COUNT)
		NAME (CKR_SESSION_HANDLE_INVALID)
		NAME (CKR_SESSION_PARALLEL_NOT_SUPPORTED)
		NAME (CKR_SESSION_READ_ONLY)
		NAME (CKR_SESSION_EXISTS)
		NAME (CKR_SESSION_READ_ONLY_EXISTS)
		NAME (CKR_SESSION_READ_WRITE_SO_EXISTS)
		NAME (CKR_SIGNATURE_INVALID)
		NAME (CKR_SIGNATURE_LEN_RANGE)
		NAME (CKR_TEMPLATE_INCOMPLETE)
		NAME (CKR_TEMPLATE_INCONSISTENT)
		NAME (CKR_TOKEN_NOT_PRESENT)
		NAME (CKR_TOKEN_NOT_RECOGNIZED)
		NAME (CKR_TOKEN_WRITE_PROTECTED)
		NAME (CKR_UNWRAPPING_KEY_HANDLE_INVALID)
		NAME (CKR_UNWRAPPING_KEY_SIZE_RANGE)
		NAME (CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)
		NAME (CKR_USER_ALREADY_LOGGED_IN)
		NAME (CKR_USER_NOT_LOGGED_IN)
		NAME (CKR_USER_PIN_NOT_INITIALIZED)
		NAME (CKR_USER_TYPE_INVALID)
		NAME (CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
		NAME (CKR_USER_TOO_MANY_TYPES)
		NAME (CKR_WRAPPED_KEY_INVALID)
		NAME (CKR_WRAPPED_KEY_LEN_RANGE)
		NAME (CKR_WRAPPING_KEY_HANDLE_INVALID)
		NAME (CKR_WRAPPING_KEY_SIZE_RANGE)
		NAME (CKR_WRAPPING_KEY_TYPE_INCONSISTENT)
		NAME (CKR_RANDOM_SEED_NOT_SUPPORTED)
		NAME (CKR_RANDOM_NO_RNG)
		NAME (CKR_DOMAIN_PARAMS_INVALID)
		NAME (CKR_CURVE_NOT_SUPPORTED)
		NAME (CKR_BUFFER_TOO_SMALL)
		NAME (CKR_SAVED_STATE_INVALID)
		NAME (CKR_INFORMATION_SENSITIVE)
		NAME (CKR_STATE_UNSAVEABLE)
		NAME (CKR_CRYPTOKI_NOT_INITIALIZED)
		NAME (CKR_CRYPTOKI_ALREADY_INITIALIZED)
		NAME (CKR_MUTEX_BAD)
		NAME (CKR_MUTEX_NOT_LOCKED)
		NAME (CKR_FUNCTION_REJECTED)
#undef NAME
	default:
		snprintf (buf, sizeof buf, "0x%08lx", (unsigned long)rv);
		return buf;
	}
}
