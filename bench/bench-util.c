/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the benchmark and its memory-measuring program. */
#include "config.h"
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_BUILDDIR
#error "BENCH_BUILDDIR must name the build tree"
#endif

bench_options bench_opt;
const char *bench_backend_name = "";

/* ---- Helpers ------------------------------------------------------------- */

void
bench_die (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	fprintf (stderr, "hkpost-p11-bench: ");
	vfprintf (stderr, fmt, ap);
	fprintf (stderr, "\n");
	va_end (ap);
	exit (2);
}

const char *
bench_rv_name (CK_RV rv)
{
	static __thread char buf[32];
	switch (rv) {
#define NAME(x) \
	case x: \
		return #x;
		NAME (CKR_OK)
		NAME (CKR_HOST_MEMORY)
		NAME (CKR_SLOT_ID_INVALID)
		NAME (CKR_GENERAL_ERROR)
		NAME (CKR_FUNCTION_FAILED)
		NAME (CKR_ARGUMENTS_BAD)
		NAME (CKR_ATTRIBUTE_SENSITIVE)
		NAME (CKR_ATTRIBUTE_TYPE_INVALID)
		NAME (CKR_ATTRIBUTE_VALUE_INVALID)
		NAME (CKR_DEVICE_ERROR)
		NAME (CKR_FUNCTION_NOT_SUPPORTED)
		NAME (CKR_KEY_HANDLE_INVALID)
		NAME (CKR_MECHANISM_INVALID)
		NAME (CKR_OBJECT_HANDLE_INVALID)
		NAME (CKR_OPERATION_ACTIVE)
		NAME (CKR_OPERATION_NOT_INITIALIZED)
		NAME (CKR_PIN_INCORRECT)
		NAME (CKR_PIN_LOCKED)
		NAME (CKR_SESSION_HANDLE_INVALID)
		NAME (CKR_SESSION_READ_ONLY)
		NAME (CKR_TEMPLATE_INCOMPLETE)
		NAME (CKR_TOKEN_NOT_PRESENT)
		NAME (CKR_USER_ALREADY_LOGGED_IN)
		NAME (CKR_USER_NOT_LOGGED_IN)
		NAME (CKR_BUFFER_TOO_SMALL)
		NAME (CKR_CRYPTOKI_NOT_INITIALIZED)
		NAME (CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef NAME
	default:
		snprintf (buf, sizeof buf, "0x%08lx", (unsigned long)rv);
		return buf;
	}
}

void
bench_check (CK_RV rv, CK_RV expected, const char *what, const char *module)
{
	if (rv != expected)
		bench_die ("%s through %s returned %s, expected %s", what, module,
			   bench_rv_name (rv), bench_rv_name (expected));
}

uint64_t
bench_now_ns (void)
{
	struct timespec ts;
	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
bench_emit (int fd, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start (ap, fmt);
	int n = vsnprintf (line, sizeof line - 1, fmt, ap);
	va_end (ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	/* Result lines are single lines whatever a message held. */
	for (int i = 0; i < n; i++) {
		if (line[i] == '\n')
			line[i] = ' ';
	}
	line[n++] = '\n';
	if (write (fd, line, (size_t)n) != n)
		bench_die ("cannot report a result: %s", strerror (errno));
}

bool
bench_write_file (const char *path, const char *text)
{
	FILE *f = fopen (path, "w");
	if (f == NULL)
		return false;
	bool ok = fputs (text, f) >= 0;
	return fclose (f) == 0 && ok;
}

char *
bench_read_file (const char *path, size_t *len)
{
	FILE *f = fopen (path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, used = 0;
	char *buf = malloc (cap);
	size_t got;
	while (buf && (got = fread (buf + used, 1, cap - used - 1, f)) > 0) {
		used += got;
		if (cap - used < 2) {
			char *bigger = realloc (buf, cap * 2);
			if (bigger == NULL) {
				free (buf);
				buf = NULL;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose (f);
	if (buf == NULL)
		bench_die ("out of memory");
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

long
bench_vm_hwm_kib (void)
{
	char *status = bench_read_file ("/proc/self/status", NULL);
	const char *p = status ? strstr (status, "VmHWM:") : NULL;
	long kib = p ? strtol (p + 6, NULL, 10) : -1;
	free (status);
	return kib;
}

static void
first_existing (char *dst, size_t len, const char *const *candidates)
{
	for (size_t i = 0; candidates[i]; i++) {
		if (access (candidates[i], R_OK) == 0) {
			snprintf (dst, len, "%s", candidates[i]);
			return;
		}
	}
	snprintf (dst, len, "%s", candidates[0]);
}

void
bench_default_paths (void)
{
	static const char *const spy_paths[] = {
		BENCH_LIBDIR "/pkcs11-spy.so",   "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so",
		"/usr/lib64/pkcs11-spy.so",      "/usr/lib/pkcs11-spy.so",
		"/usr/lib/pkcs11/pkcs11-spy.so", NULL,
	};
	static const char *const proxy_paths[] = {
		BENCH_LIBDIR "/p11-kit-proxy.so",
		"/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
		"/usr/lib64/p11-kit-proxy.so",
		"/usr/lib/p11-kit-proxy.so",
		NULL,
	};
	const char *softhsm = getenv ("SOFTHSM2_MODULE");
	snprintf (bench_opt.shim, PATH_MAX, "%s/module/.libs/hkpost-p11.%s", BENCH_BUILDDIR,
		  SHLEXT);
	snprintf (bench_opt.null_module, PATH_MAX, "%s/bench/.libs/null-p11.%s", BENCH_BUILDDIR,
		  SHLEXT);
	snprintf (bench_opt.softhsm, PATH_MAX, "%s",
		  softhsm && *softhsm ? softhsm : BENCH_SOFTHSM2_MODULE);
	first_existing (bench_opt.spy, PATH_MAX, spy_paths);
	first_existing (bench_opt.proxy, PATH_MAX, proxy_paths);
	snprintf (bench_opt.confdir, PATH_MAX, "%s/bench/conf", BENCH_SRCDIR);
	snprintf (bench_opt.p11kit_configs, PATH_MAX, "%s", BENCH_P11KIT_CONFIGS);
}

bool
bench_parse_common (int opt, const char *arg)
{
	char *dst;
	switch (opt) {
	case BENCH_OPT_SHIM:
		dst = bench_opt.shim;
		break;
	case BENCH_OPT_NULL:
		dst = bench_opt.null_module;
		break;
	case BENCH_OPT_SOFTHSM:
		dst = bench_opt.softhsm;
		break;
	case BENCH_OPT_SPY:
		dst = bench_opt.spy;
		break;
	case BENCH_OPT_PROXY:
		dst = bench_opt.proxy;
		break;
	case BENCH_OPT_CONFDIR:
		dst = bench_opt.confdir;
		break;
	case BENCH_OPT_WORKDIR:
		dst = bench_opt.workdir;
		break;
	case BENCH_OPT_P11KIT_CONFIGS:
		dst = bench_opt.p11kit_configs;
		break;
	case BENCH_OPT_BACKEND:
		bench_opt.only_backend = arg;
		return true;
	default:
		return false;
	}
	snprintf (dst, PATH_MAX, "%s", arg);
	return true;
}
