/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * journald sink, built when configure finds libsystemd.  MESSAGE is the
 * record as written to the file; the fields a collector filters on are also
 * sent as separate HKP11_* journal fields (their names: audit/fields.h).
 *
 * libsystemd is loaded with dlopen on the first record, and only when the
 * journal is one of the destinations: linked in, it and what it pulls
 * (libgcrypt, liblzma, libzstd, liblz4, libcap) cost every process that
 * loads the module about 1-3 MiB of memory, journal or not.
 */
#include "config.h"
#include "audit/sink.h"
#include "audit/fields.h"
#include "p11/constants.h"

#include <errno.h>

#ifdef HAVE_LIBSYSTEMD

#include "base/message.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

/* sd_journal_sendv(3), a stable part of libsystemd's ABI. */
typedef int (*journal_sendv_fn) (const struct iovec *iov, int n);

static journal_sendv_fn journal_sendv;
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;

static void
load_libsystemd (void)
{
	void *handle = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	void *sym = handle ? dlsym (handle, "sd_journal_sendv") : NULL;
	if (sym == NULL) {
		const char *why = dlerror ();
		hkp11_message (
			HKP11_MSG_ERROR,
			"audit-journald: cannot load libsystemd.so.0 (%s); install libsystemd0 "
			"or use audit-syslog",
			why ? why : "sd_journal_sendv missing");
		if (handle != NULL)
			dlclose (handle);
		return;
	}
	/* Kept loaded for the life of the process. */
	memcpy (&journal_sendv, &sym, sizeof journal_sendv);
}

#define MAX_FIELDS 16

bool
hkp11_audit_journal_built (void)
{
	return true;
}

typedef struct {
	struct iovec iov[MAX_FIELDS];
	int n;
	char store[1024];
	size_t used;
} fields;

static void add_field (fields *f, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
add_field (fields *f, const char *fmt, ...)
{
	if (f->n >= MAX_FIELDS || f->used >= sizeof f->store)
		return;
	va_list ap;
	va_start (ap, fmt);
	int n = vsnprintf (f->store + f->used, sizeof f->store - f->used, fmt, ap);
	va_end (ap);
	if (n < 0 || (size_t)n >= sizeof f->store - f->used)
		return;
	f->iov[f->n].iov_base = f->store + f->used;
	f->iov[f->n].iov_len = (size_t)n;
	f->n++;
	f->used += (size_t)n + 1;
}

int
hkp11_audit_journal_write (int priority, const hkp11_audit_stamp *stamp,
			   const hkp11_audit_record *rec, const char *line, size_t len)
{
	static const char *const kinds[] = { "security", "call", "event" };
	fields f;
	f.n = 0;
	f.used = 0;

	add_field (&f, "PRIORITY=%d", priority & 7);
	add_field (&f, "SYSLOG_FACILITY=%d", 10);
	add_field (&f, "SYSLOG_IDENTIFIER=%s", HKP11_AUDIT_SYSLOG_IDENT);
#define FIELD(id) hkp11_audit_field_journal[HKP11_AUDIT_F_##id]
	add_field (&f, "%s=%s", FIELD (KIND), kinds[rec->kind]);
	add_field (&f, "%s=%s", FIELD (EVENT), rec->event);
	add_field (&f, "%s=%llu", FIELD (SEQ), (unsigned long long)stamp->seq);
	add_field (&f, "%s=%s", FIELD (CHAIN), stamp->chain);
	add_field (&f, "%s=%s", FIELD (PREV), stamp->prev_hex);
	if (rec->has_slot)
		add_field (&f, "%s=%lu", FIELD (SLOT), (unsigned long)rec->slot);
	if (rec->has_session)
		add_field (&f, "%s=%lu", FIELD (SESSION), (unsigned long)rec->session);
	if (rec->has_result) {
		const char *name = hkp11_rv_name (rec->result);
		if (name)
			add_field (&f, "%s=%s", FIELD (RESULT), name);
		else
			add_field (&f, "%s=0x%08lx", FIELD (RESULT), (unsigned long)rec->result);
	}
#undef FIELD

	/* The record as one field: "MESSAGE=" and the line. */
	struct iovec iov[MAX_FIELDS + 2];
	int n = 0;
	char msg_field[8 + 8192];
	size_t msg_len = len < sizeof msg_field - 8 ? len : sizeof msg_field - 8;
	memcpy (msg_field, "MESSAGE=", 8);
	memcpy (msg_field + 8, line, msg_len);
	iov[n].iov_base = msg_field;
	iov[n].iov_len = 8 + msg_len;
	n++;
	for (int i = 0; i < f.n; i++)
		iov[n++] = f.iov[i];

	/* sd_journal_sendv drops records silently when journald is not
	 * running; audit-failure must know. */
	if (access ("/run/systemd/journal/socket", W_OK) != 0)
		return errno;
	pthread_once (&journal_once, load_libsystemd);
	if (journal_sendv == NULL)
		return ELIBACC;
	int r = journal_sendv (iov, n);
	return r < 0 ? -r : 0;
}

#else /* !HAVE_LIBSYSTEMD */

bool
hkp11_audit_journal_built (void)
{
	return false;
}

int
hkp11_audit_journal_write (int priority, const hkp11_audit_stamp *stamp,
			   const hkp11_audit_record *rec, const char *line, size_t len)
{
	return ENOSYS;
}

#endif
