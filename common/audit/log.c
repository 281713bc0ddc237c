/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/log.h"
#include "base/debug.h"
#include "base/paths.h"
#include "audit/fields.h"
#include "audit/chain.h"
#include "audit/sink.h"
#include "base/compat.h"
#include "base/message.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Everything below is guarded by lock. */
static struct {
	bool open;
	pid_t pid; /* the process the chain and the buffer belong to */
	hkp11_audit_format format;
	hkp11_audit_failure failure;
	bool use_file, use_syslog, use_journal;
	hkp11_audit_file file;
	hkp11_audit_chain chain;
	bool chain_ready;
	char identity[1024];
	size_t identity_len;

	char buf[HKP11_AUDIT_BUFFER_SIZE];
	size_t pending;         /* bytes waiting in buf */
	uint64_t pending_first; /* seq of the first of them */
	uint64_t pending_count;

	time_t ts_sec; /* the second ts_head was made for */
	char ts_head[24];
	size_t ts_head_len;

	/* The file could not be written: since which seq, and whether the
	 * person running the program was told. */
	bool failed;
	bool complained;
	uint64_t lost_first, lost_count;
	/* Length of a cut-short record closed at the end of the file, to be
	 * noted in the log (0: none). */
	size_t torn_tail;
	bool journal_complained;
	bool syslog_complained;
} L = { .file = HKP11_AUDIT_FILE_INIT };

bool
hkp11_audit_log_default_path (char *path, size_t len)
{
	return hkp11_xdg_state_path ("hkpost-p11/audit.log", path, len);
}

/* "2024-05-01T10:00:00.123456Z" for when_us (0: now), the date part made
 * once a second. */
static void
timestamp (uint64_t when_us, char out[32])
{
	if (when_us == 0) {
		struct timespec now;
		clock_gettime (CLOCK_REALTIME, &now);
		when_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
	}
	time_t sec = (time_t)(when_us / 1000000u);
	if (sec != L.ts_sec || L.ts_head[0] == '\0') {
		struct tm tm;
		gmtime_r (&sec, &tm);
		L.ts_head_len = strftime (L.ts_head, sizeof L.ts_head, "%Y-%m-%dT%H:%M:%S", &tm);
		L.ts_sec = sec;
	}
	hkp11_buf b;
	hkp11_buf_init (&b, out, 31);
	hkp11_buf_add (&b, L.ts_head, L.ts_head_len);
	hkp11_buf_add_char (&b, '.');
	hkp11_buf_add_ulong_width (&b, (unsigned long)(when_us % 1000000u), 6);
	hkp11_buf_add_char (&b, 'Z');
	out[b.len] = '\0';
}

static int
priority_of (const hkp11_audit_record *rec)
{
	if (rec->has_priority)
		return rec->priority;
	if (rec->kind == HKP11_AUDIT_KIND_CALL)
		return LOG_INFO;
	if (rec->has_result && rec->result != CKR_OK)
		return LOG_WARNING;
	return LOG_NOTICE;
}

static void append_inlock (const hkp11_audit_record *rec, bool *sinks_ok);

/* Tells once per failure that the log cannot be written, and what follows. */
static void
complain_inlock (int err)
{
	if (L.complained)
		return;
	L.complained = true;
	if (L.failure == HKP11_AUDIT_DENY)
		hkp11_message (HKP11_MSG_ERROR,
			       "audit log %s cannot be written (%s): refusing logins, PIN changes, "
			       "key use and object changes until it can (audit-failure: deny)",
			       L.file.path, strerror (err));
	else
		hkp11_message (HKP11_MSG_ERROR,
			       "audit log %s cannot be written (%s): continuing without it "
			       "(audit-failure: continue)",
			       L.file.path, strerror (err));
}

/* Says in the log itself what it lacks: the records of ours that could not
 * be written (a gap in our chain), and a record cut short that we found at
 * the end of the file and closed. */
static void
note_losses_inlock (void)
{
	bool ignored = true;
	if (L.failed) {
		L.failed = false;
		L.complained = false;
		hkp11_message (HKP11_MSG_INFO, "audit log %s can be written again", L.file.path);
		hkp11_audit_record gap = {
			.kind = HKP11_AUDIT_KIND_EVENT,
			.event = "audit-log-gap",
			.has_priority = true,
			.priority = LOG_WARNING,
		};
		hkp11_audit_arg_num (&gap, HKP11_AUDIT_KEY (FIRST_LOST_SEQ), HKP11_ARG_ULONG,
				     L.lost_first);
		hkp11_audit_arg_num (&gap, HKP11_AUDIT_KEY (LOST_RECORDS), HKP11_ARG_ULONG,
				     L.lost_count);
		append_inlock (&gap, &ignored);
	}
	if (L.torn_tail > 0) {
		hkp11_audit_record torn = {
			.kind = HKP11_AUDIT_KIND_EVENT,
			.event = "audit-log-torn-tail",
			.has_priority = true,
			.priority = LOG_WARNING,
		};
		hkp11_audit_arg_num (&torn, HKP11_AUDIT_KEY (TORN_BYTES), HKP11_ARG_ULONG,
				     L.torn_tail);
		L.torn_tail = 0;
		append_inlock (&torn, &ignored);
	}
}

/* Writes the buffer to the file; on failure the records are dropped and
 * counted, and the chain shows the gap. */
static bool
flush_inlock (void)
{
	if (L.pending == 0)
		return !L.failed || !L.use_file;
	if (!L.use_file) {
		L.pending = 0;
		L.pending_count = 0;
		return true;
	}
	size_t torn = 0;
	int err = hkp11_audit_file_follow (&L.file);
	if (err == 0)
		err = hkp11_audit_file_write (&L.file, L.buf, L.pending, &torn);
	uint64_t first = L.pending_first, count = L.pending_count;
	L.pending = 0;
	L.pending_count = 0;
	if (torn > 0)
		L.torn_tail = torn;
	if (err != 0) {
		if (!L.failed) {
			L.failed = true;
			L.lost_first = first;
			L.lost_count = 0;
		}
		L.lost_count += count;
		complain_inlock (err);
		return false;
	}
	if (L.failed || L.torn_tail > 0) {
		note_losses_inlock ();
		return flush_inlock ();
	}
	return true;
}

/* Formats the record into the buffer and hands it to syslog and the journal. */
static void
append_inlock (const hkp11_audit_record *rec, bool *sinks_ok)
{
	if (sizeof L.buf - L.pending < HKP11_AUDIT_MAX_RECORD)
		flush_inlock ();

	char ts[32];
	timestamp (rec->when_us, ts);
	hkp11_audit_stamp stamp = {
		.ts = ts,
		.seq = L.chain.seq + 1,
		.chain = L.chain.name,
		.prev_hex = L.chain.prev_hex,
		.identity = L.identity,
		.identity_len = L.identity_len,
	};

	char *line = L.buf + L.pending;
	hkp11_buf b;
	/* One byte kept for the newline. */
	hkp11_buf_init (&b, line, HKP11_AUDIT_MAX_RECORD - 1);
	hkp11_audit_format_record (&b, L.format, &stamp, rec);
	if (b.overflow) {
		/* Too long to write whole: keep who, what and the result. */
		hkp11_audit_record cut = *rec;
		cut.n_args = 0;
		hkp11_audit_arg_num (&cut, "truncated", HKP11_ARG_BOOL, 1);
		hkp11_buf_init (&b, line, HKP11_AUDIT_MAX_RECORD - 1);
		hkp11_audit_format_record (&b, L.format, &stamp, &cut);
	}
	hkp11_audit_chain_add (&L.chain, line, b.len);
	line[b.len] = '\n';
	if (L.pending_count == 0)
		L.pending_first = stamp.seq;
	L.pending += b.len + 1;
	L.pending_count++;

	if (L.use_syslog) {
		int err = hkp11_audit_syslog_write (priority_of (rec), line, b.len);
		if (err != 0) {
			*sinks_ok = false;
			if (!L.syslog_complained)
				hkp11_message (HKP11_MSG_ERROR,
					       "audit records cannot reach syslog: %s",
					       strerror (err));
			L.syslog_complained = true;
		} else {
			L.syslog_complained = false;
		}
	}
	if (L.use_journal) {
		int err = hkp11_audit_journal_write (priority_of (rec), &stamp, rec, line, b.len);
		if (err != 0) {
			*sinks_ok = false;
			if (!L.journal_complained)
				hkp11_message (HKP11_MSG_ERROR,
					       "audit records cannot reach the journal: %s",
					       strerror (err));
			L.journal_complained = true;
		} else {
			L.journal_complained = false;
		}
	}
}

bool
hkp11_audit_log_write (const hkp11_audit_record *rec, bool now)
{
	hkp11_return_val_if_fail (rec != NULL, false);
	bool ok = true;
	pthread_mutex_lock (&lock);
	/* Not open in a forked child until it opens the log again (atfork). */
	if (!L.open) {
		pthread_mutex_unlock (&lock);
		return false;
	}
	append_inlock (rec, &ok);
	if (now || L.pending > sizeof L.buf - HKP11_AUDIT_MAX_RECORD) {
		if (!flush_inlock ())
			ok = false;
	}
	pthread_mutex_unlock (&lock);
	return ok;
}

bool
hkp11_audit_log_flush (void)
{
	bool ok = true;
	pthread_mutex_lock (&lock);
	if (L.open)
		ok = flush_inlock ();
	pthread_mutex_unlock (&lock);
	return ok;
}

static void
open_file_inlock (const hkp11_audit_options *opts)
{
	char path[4096];
	bool is_default = opts->file == NULL;
	L.use_file = false;
	L.failed = false;
	L.complained = false;
	hkp11_audit_file_close (&L.file);
	L.file.path[0] = '\0';

	if (opts->file != NULL && strcmp (opts->file, "none") == 0)
		return;
	if (is_default && hkp11_secure_mode ()) {
		/* Set-uid, set-gid or privileged: no file in the invoking user's
		 * home, which the user could point anywhere.  As documented, not
		 * worth a warning on every run. */
		L.use_syslog = true;
		return;
	}
	if (is_default) {
		if (!hkp11_audit_log_default_path (path, sizeof path)) {
			hkp11_message (HKP11_MSG_WARNING,
				       "audit log: no home directory and no XDG_STATE_HOME; audit "
				       "records go to syslog (authpriv) only (set audit-file)");
			L.use_syslog = true;
			return;
		}
	} else {
		hkp11_strlcpy (path, opts->file, sizeof path);
	}

	int err = hkp11_audit_file_open (&L.file, path, is_default);
	if (err == 0) {
		L.use_file = true;
		return;
	}
	if (is_default) {
		/* A read-only or missing home is no reason to stop working. */
		hkp11_message (HKP11_MSG_WARNING,
			       "audit log: cannot open %s (%s); audit records go to syslog "
			       "(authpriv) only (set audit-file)",
			       path, strerror (err));
		L.use_syslog = true;
		return;
	}
	/* A file the administrator chose: keep trying it at every flush. */
	L.use_file = true;
	L.failed = true;
	L.lost_first = L.chain.seq + 1;
	L.lost_count = 0;
	complain_inlock (err);
}

bool
hkp11_audit_log_open (const hkp11_audit_options *opts)
{
	bool ok = true;
	pthread_mutex_lock (&lock);
	pid_t pid = getpid ();
	if (!L.chain_ready || L.pid != pid) {
		/* A new process, or a child after fork: a chain of its own. */
		char host[256] = "";
		if (gethostname (host, sizeof host - 1) != 0 || host[0] == '\0')
			hkp11_strlcpy (host, "unknown", sizeof host);
		struct timespec now;
		clock_gettime (CLOCK_REALTIME, &now);
		if (L.chain_ready)
			hkp11_audit_chain_free (&L.chain);
		L.chain_ready = hkp11_audit_chain_init (&L.chain, host, (long)pid,
							(uint64_t)now.tv_sec * 1000000u +
								(uint64_t)now.tv_nsec / 1000u);
		L.pid = pid;
		L.pending = 0;
		L.pending_count = 0;
		L.torn_tail = 0;
		if (!L.chain_ready) {
			ok = false;
			goto out;
		}
	}

	L.format = opts->format;
	L.failure = opts->failure;
	L.use_syslog = opts->syslog;
	L.use_journal = opts->journald && hkp11_audit_journal_built ();
	L.syslog_complained = false;
	L.journal_complained = false;
	if (opts->journald && !hkp11_audit_journal_built ())
		hkp11_message (HKP11_MSG_WARNING,
			       "audit-journald: this build has no journald support (libsystemd was "
			       "not found when it was built); use audit-syslog");

	char host[256] = "";
	if (gethostname (host, sizeof host - 1) != 0 || host[0] == '\0')
		hkp11_strlcpy (host, "unknown", sizeof host);
	hkp11_buf b;
	hkp11_buf_init (&b, L.identity, sizeof L.identity);
	hkp11_audit_format_identity (&b, L.format, host, (long)pid, (unsigned long)getuid (),
				     hkp11_program_name ());
	L.identity_len = b.len;

	open_file_inlock (opts);
	L.open = true;
out:
	pthread_mutex_unlock (&lock);
	return ok;
}

void
hkp11_audit_log_close (void)
{
	pthread_mutex_lock (&lock);
	if (L.open && L.pid == getpid ())
		flush_inlock ();
	L.open = false;
	hkp11_audit_file_close (&L.file);
	hkp11_audit_syslog_close ();
	pthread_mutex_unlock (&lock);
}

const char *
hkp11_audit_log_file (void)
{
	return L.use_file ? L.file.path : "";
}

const char *
hkp11_audit_log_chain (void)
{
	return L.chain_ready ? L.chain.name : "";
}

/* The child of a fork starts with the parent's buffer, which the parent
 * will write itself, and with a lock some other thread may have held. */
static void
atfork_child (void)
{
	pthread_mutex_init (&lock, NULL);
	L.open = false;
	L.pending = 0;
	L.pending_count = 0;
	L.torn_tail = 0;
}

__attribute__ ((constructor)) static void
audit_log_constructor (void)
{
	pthread_atfork (NULL, NULL, atfork_child);
}

/* Buffered records go out at exit, also when nobody calls C_Finalize. */
__attribute__ ((destructor)) static void
audit_log_destructor (void)
{
	/* exit() from a thread (or a signal handler) holding the lock must
	 * not hang the process: try briefly, then give up. */
	for (int i = 0; i < 100; i++) {
		if (pthread_mutex_trylock (&lock) == 0) {
			if (L.open && L.pid == getpid ())
				flush_inlock ();
			pthread_mutex_unlock (&lock);
			return;
		}
		struct timespec pause = { 0, 1000000 };
		nanosleep (&pause, NULL);
	}
}
