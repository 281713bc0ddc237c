/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the audit writer (buffering, sinks, rotation, failures,
 * records written whole or not at all, fork, exit) and of the chain
 * verifier (deleted, edited, swapped, duplicated and broken lines; torn
 * writes and lost records told apart from them).
 */
#include "config.h"
#include "audit/chain.h"
#include "audit/log.h"
#include "audit/sink.h"
#include "audit/verify.h"
#include "p11-test.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char *dir;
static char log_path[PATH_MAX];

static void
setup (void)
{
	dir = p11t_tmpdir ("audit-log");
	snprintf (log_path, sizeof log_path, "%s/audit.log", dir);
}

static void
teardown (void)
{
	hkp11_audit_log_close ();
	p11t_rmtree (dir);
	free (dir);
}

static void
open_log (hkp11_audit_format format, const char *file)
{
	hkp11_audit_options opts = { .format = format, .file = file };
	ck_assert (hkp11_audit_log_open (&opts));
}

/* A record like the layer makes: n tells it apart. */
static bool
write_record (unsigned n, bool now)
{
	static const char label[] = "e-Cert \"key\"\n:";
	hkp11_audit_record rec = {
		.kind = now ? HKP11_AUDIT_KIND_SECURITY : HKP11_AUDIT_KIND_CALL,
		.event = now ? "C_SignInit" : "C_GetSlotInfo",
		.has_session = true,
		.session = n,
		.has_result = true,
		.result = CKR_OK,
	};
	hkp11_audit_arg_num (&rec, "n", HKP11_ARG_ULONG, n);
	hkp11_audit_arg_bytes (&rec, "key_label", HKP11_ARG_LABEL, label, sizeof label - 1);
	return hkp11_audit_log_write (&rec, now);
}

static size_t
count_lines (const char *path)
{
	FILE *f = fopen (path, "r");
	if (f == NULL)
		return 0;
	size_t n = 0;
	int c;
	while ((c = fgetc (f)) != EOF)
		n += c == '\n';
	fclose (f);
	return n;
}

static bool
file_has (const char *path, const char *needle)
{
	FILE *f = fopen (path, "r");
	if (f == NULL)
		return false;
	char line[16384];
	bool found = false;
	while (!found && fgets (line, sizeof line, f))
		found = strstr (line, needle) != NULL;
	fclose (f);
	return found;
}

static bool
verify (const char *const *paths, size_t n, bool strict, hkp11_audit_verify_result *res)
{
	hkp11_audit_verify_options opts = { .strict = strict, .out = stdout };
	return hkp11_audit_verify_files (paths, n, &opts, res);
}

/* Rewrites the file with line `which` (from 1) changed by `how`. */
enum { DELETE, EDIT, SWAP_WITH_NEXT, DUPLICATE, TRUNCATE };

static void
tamper (const char *path, const char *out_path, size_t which, int how)
{
	FILE *in = fopen (path, "r");
	ck_assert_ptr_nonnull (in);
	char *lines[4096];
	size_t n = 0;
	char buf[16384];
	while (n < 4096 && fgets (buf, sizeof buf, in))
		lines[n++] = strdup (buf);
	fclose (in);
	ck_assert_uint_ge (n, which + 1);
	FILE *out = fopen (out_path, "w");
	ck_assert_ptr_nonnull (out);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 != which) {
			fputs (lines[i], out);
			continue;
		}
		switch (how) {
		case DELETE:
			break;
		case EDIT: {
			/* Change one digit of the session: still a well-formed record. */
			char *p = strstr (lines[i], "session");
			ck_assert_ptr_nonnull (p);
			p += strcspn (p, "0123456789");
			*p = *p == '9' ? '8' : (char)(*p + 1);
			fputs (lines[i], out);
			break;
		}
		case SWAP_WITH_NEXT:
			fputs (lines[i + 1], out);
			fputs (lines[i], out);
			i++;
			break;
		case DUPLICATE:
			fputs (lines[i], out);
			fputs (lines[i], out);
			break;
		case TRUNCATE:
			lines[i][strlen (lines[i]) / 2] = '\0';
			fputs (lines[i], out);
			fputc ('\n', out);
			break;
		}
	}
	fclose (out);
	for (size_t i = 0; i < n; i++)
		free (lines[i]);
}

static void
write_chain (hkp11_audit_format format, unsigned n)
{
	open_log (format, log_path);
	for (unsigned i = 1; i <= n; i++)
		ck_assert (write_record (i, i % 5 == 0));
	hkp11_audit_log_close ();
}

START_TEST (test_chain_verifies)
{
	hkp11_audit_format format = _i ? HKP11_AUDIT_JSON : HKP11_AUDIT_TEXT;
	write_chain (format, 40);
	ck_assert_uint_eq (count_lines (log_path), 40);

	const char *paths[] = { log_path };
	hkp11_audit_verify_result res;
	ck_assert (verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.records, 40);
	ck_assert_uint_eq (res.chains, 1);
	ck_assert_uint_eq (res.broken + res.missing + res.edited + res.reordered + res.duplicated,
			   0);

	/* The file is the owner's alone. */
	struct stat st;
	ck_assert_int_eq (stat (log_path, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0600);
}
END_TEST

START_TEST (test_verifier_detects_tampering)
{
	hkp11_audit_format format = _i ? HKP11_AUDIT_JSON : HKP11_AUDIT_TEXT;
	write_chain (format, 30);
	char bad[PATH_MAX];
	snprintf (bad, sizeof bad, "%s/bad.log", dir);
	const char *paths[] = { bad };
	hkp11_audit_verify_result res;

	tamper (log_path, bad, 12, DELETE);
	ck_assert (!verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.missing, 1);
	ck_assert_uint_eq (res.edited, 0);

	tamper (log_path, bad, 12, EDIT);
	ck_assert (!verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.edited, 1);
	ck_assert_uint_eq (res.missing, 0);
	ck_assert_uint_eq (res.broken, 0);

	tamper (log_path, bad, 12, SWAP_WITH_NEXT);
	ck_assert (!verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.reordered, 1);
	ck_assert_uint_eq (res.missing + res.edited, 0);

	tamper (log_path, bad, 12, DUPLICATE);
	ck_assert (!verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.duplicated, 1);

	/* A record cut short in the middle of a chain, with nothing that says
	 * its writer lost it, was cut afterwards: an edit, not a torn write. */
	tamper (log_path, bad, 12, TRUNCATE);
	ck_assert (!verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.edited, 1);
	ck_assert_uint_eq (res.broken + res.torn + res.lost, 0);

	/* The first record: deleting it leaves a chain that starts late. */
	tamper (log_path, bad, 1, DELETE);
	ck_assert (verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.partial, 1);
	ck_assert (!verify (paths, 1, true, &res));
}
END_TEST

START_TEST (test_verifier_reads_syslog_copies)
{
	/* A collector's copy: a syslog prefix before each record. */
	write_chain (HKP11_AUDIT_JSON, 5);
	char copy[PATH_MAX];
	snprintf (copy, sizeof copy, "%s/collector.log", dir);
	FILE *in = fopen (log_path, "r"), *out = fopen (copy, "w");
	char line[16384];
	while (fgets (line, sizeof line, in))
		fprintf (out, "May  1 10:00:00 host hkpost-p11-audit[42]: %s", line);
	fclose (in);
	fclose (out);
	const char *paths[] = { copy };
	hkp11_audit_verify_result res;
	ck_assert (verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.records, 5);
}
END_TEST

START_TEST (test_buffered_until_security_record)
{
	open_log (HKP11_AUDIT_TEXT, log_path);
	for (unsigned i = 1; i <= 10; i++)
		ck_assert (write_record (i, false));
	/* Calls-level records wait in the buffer... */
	ck_assert_uint_eq (count_lines (log_path), 0);
	/* ...and go out, in order, with the next security record. */
	ck_assert (write_record (11, true));
	ck_assert_uint_eq (count_lines (log_path), 11);
	ck_assert (write_record (12, false));
	ck_assert (hkp11_audit_log_flush ());
	ck_assert_uint_eq (count_lines (log_path), 12);

	/* The buffer never holds more than 64 KiB. */
	for (unsigned i = 13; i <= 2000; i++)
		ck_assert (write_record (i, false));
	struct stat st;
	ck_assert_int_eq (stat (log_path, &st), 0);
	size_t written = (size_t)st.st_size;
	hkp11_audit_log_close ();
	ck_assert_int_eq (stat (log_path, &st), 0);
	ck_assert_uint_le ((size_t)st.st_size - written, HKP11_AUDIT_BUFFER_SIZE);
	ck_assert_uint_eq (count_lines (log_path), 2000);
}
END_TEST

START_TEST (test_rotation_followed)
{
	char rotated[PATH_MAX];
	snprintf (rotated, sizeof rotated, "%s.1", log_path);
	open_log (HKP11_AUDIT_JSON, log_path);
	for (unsigned i = 1; i <= 20; i++)
		ck_assert (write_record (i, i % 2 == 0));
	/* logrotate renames the file; the next records start a new one. */
	ck_assert_int_eq (rename (log_path, rotated), 0);
	for (unsigned i = 21; i <= 40; i++)
		ck_assert (write_record (i, i % 2 == 0));
	hkp11_audit_log_close ();
	ck_assert_uint_eq (count_lines (rotated), 20);
	ck_assert_uint_eq (count_lines (log_path), 20);

	const char *both[] = { rotated, log_path };
	hkp11_audit_verify_result res;
	ck_assert (verify (both, 2, true, &res));
	ck_assert_uint_eq (res.records, 40);

	/* The new file alone: a chain that starts in an older file. */
	const char *newer[] = { log_path };
	ck_assert (verify (newer, 1, false, &res));
	ck_assert_uint_eq (res.partial, 1);
}
END_TEST

START_TEST (test_deleted_file_recreated)
{
	open_log (HKP11_AUDIT_TEXT, log_path);
	ck_assert (write_record (1, true));
	ck_assert_int_eq (unlink (log_path), 0);
	ck_assert (write_record (2, true));
	hkp11_audit_log_close ();
	ck_assert (file_has (log_path, " n=2 "));
	struct stat st;
	ck_assert_int_eq (stat (log_path, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0600);
}
END_TEST

START_TEST (test_symlink_refused)
{
	char target[PATH_MAX];
	snprintf (target, sizeof target, "%s/target", dir);
	close (open (target, O_CREAT | O_WRONLY, 0600));
	ck_assert_int_eq (symlink (target, log_path), 0);
	hkp11_audit_file f = HKP11_AUDIT_FILE_INIT;
	ck_assert_int_eq (hkp11_audit_file_open (&f, log_path, false), ELOOP);
	hkp11_audit_file_close (&f);
}
END_TEST

/* stderr into a file, to count the complaints. */
static size_t
count_matching (const char *path, const char *needle)
{
	FILE *f = fopen (path, "r");
	if (f == NULL)
		return 0;
	char line[4096];
	size_t n = 0;
	while (fgets (line, sizeof line, f))
		n += strstr (line, needle) != NULL;
	fclose (f);
	return n;
}

START_TEST (test_disk_full_complains_once)
{
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);
	int saved = p11t_capture_stderr (err);
	open_log (HKP11_AUDIT_TEXT, "/dev/full");
	for (unsigned i = 1; i <= 5; i++)
		ck_assert (!write_record (i, true));
	ck_assert (write_record (6, false)); /* buffered: not known yet */
	ck_assert (!hkp11_audit_log_flush ());
	hkp11_audit_log_close ();
	p11t_restore_stderr (saved);
	ck_assert_uint_eq (count_matching (err, "audit log /dev/full cannot be written"), 1);
	ck_assert_uint_eq (count_matching (err, "No space left on device"), 1);
}
END_TEST

START_TEST (test_failure_then_recovery_leaves_gap_record)
{
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);
	int saved = p11t_capture_stderr (err);
	open_log (HKP11_AUDIT_TEXT, log_path);
	ck_assert (write_record (1, true));
	/* The path becomes something that cannot be written... */
	ck_assert_int_eq (unlink (log_path), 0);
	ck_assert_int_eq (mkdir (log_path, 0700), 0);
	ck_assert (!write_record (2, true));
	ck_assert (!write_record (3, true));
	/* ...and writable again. */
	ck_assert_int_eq (rmdir (log_path), 0);
	ck_assert (write_record (4, true));
	hkp11_audit_log_close ();
	p11t_restore_stderr (saved);

	ck_assert_uint_eq (count_matching (err, "cannot be written"), 1);
	ck_assert_uint_eq (count_matching (err, "can be written again"), 1);
	/* The log says what it lacks, and the chain shows the gap. */
	ck_assert (file_has (log_path, "event=audit-log-gap first_lost_seq=2 lost_records=2"));
	const char *paths[] = { log_path };
	hkp11_audit_verify_result res;
	verify (paths, 1, false, &res);
	ck_assert_uint_eq (res.partial, 1);
}
END_TEST

START_TEST (test_default_path_respects_xdg)
{
	char state[PATH_MAX], expect[PATH_MAX], got[PATH_MAX];
	snprintf (state, sizeof state, "%s/state", dir);
	setenv ("XDG_STATE_HOME", state, 1);
	ck_assert (hkp11_audit_log_default_path (got, sizeof got));
	snprintf (expect, sizeof expect, "%s/hkpost-p11/audit.log", state);
	ck_assert_str_eq (got, expect);

	open_log (HKP11_AUDIT_TEXT, NULL);
	ck_assert (write_record (1, true));
	hkp11_audit_log_close ();
	ck_assert (file_has (expect, "event=C_SignInit"));
	struct stat st;
	snprintf (got, sizeof got, "%s/hkpost-p11", state);
	ck_assert_int_eq (stat (got, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0700);

	/* Relative XDG_STATE_HOME is ignored (XDG spec): HOME decides. */
	setenv ("XDG_STATE_HOME", "relative/state", 1);
	setenv ("HOME", dir, 1);
	ck_assert (hkp11_audit_log_default_path (got, sizeof got));
	snprintf (expect, sizeof expect, "%s/.local/state/hkpost-p11/audit.log", dir);
	ck_assert_str_eq (got, expect);
}
END_TEST

/* A syslog daemon of our own: a datagram socket the sink is pointed at. */
static int
fake_syslog (char *sock_path, size_t len)
{
	snprintf (sock_path, len, "%s/log.sock", dir);
	int fd = socket (AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge (fd, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ck_assert_uint_lt (strlen (sock_path), sizeof addr.sun_path);
	strcpy (addr.sun_path, sock_path);
	ck_assert_int_eq (bind (fd, (struct sockaddr *)&addr, sizeof addr), 0);
	setenv ("HKPOST_P11_SYSLOG_SOCKET", sock_path, 1);
	return fd;
}

static ssize_t
receive (int fd, char *buf, size_t len)
{
	ssize_t n = recv (fd, buf, len - 1, MSG_DONTWAIT);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

START_TEST (test_syslog_sink)
{
	char sock_path[PATH_MAX], msg[16384];
	int fd = fake_syslog (sock_path, sizeof sock_path);
	hkp11_audit_options opts = { .format = HKP11_AUDIT_JSON, .file = "none", .syslog = true };
	ck_assert (hkp11_audit_log_open (&opts));
	ck_assert (write_record (1, true));
	ck_assert (write_record (2, false));
	hkp11_audit_log_close ();

	/* authpriv (10) * 8 + notice (5) = 85; calls are info (6): 86. */
	ck_assert_int_gt (receive (fd, msg, sizeof msg), 0);
	ck_assert_msg (strncmp (msg, "<85>", 4) == 0, "%s", msg);
	ck_assert_ptr_nonnull (strstr (msg, " hkpost-p11-audit["));
	ck_assert_ptr_nonnull (strstr (msg, "]: {\"ts\":\""));
	ck_assert_ptr_nonnull (strstr (msg, "\"event\":\"C_SignInit\""));
	ck_assert_int_gt (receive (fd, msg, sizeof msg), 0);
	ck_assert_msg (strncmp (msg, "<86>", 4) == 0, "%s", msg);
	close (fd);
}
END_TEST

START_TEST (test_unwritable_home_falls_back_to_syslog)
{
	char sock_path[PATH_MAX], msg[16384], err[PATH_MAX];
	int fd = fake_syslog (sock_path, sizeof sock_path);
	snprintf (err, sizeof err, "%s/stderr", dir);
	/* Nothing can be created under /proc, not even by root. */
	setenv ("XDG_STATE_HOME", "/proc/self/hkp11-no-such-dir", 1);
	int saved = p11t_capture_stderr (err);
	open_log (HKP11_AUDIT_TEXT, NULL);
	ck_assert (write_record (1, true));
	ck_assert (write_record (2, true));
	hkp11_audit_log_close ();
	p11t_restore_stderr (saved);

	ck_assert_uint_eq (count_matching (err, "audit records go to syslog (authpriv) only"), 1);
	ck_assert_int_gt (receive (fd, msg, sizeof msg), 0);
	ck_assert_ptr_nonnull (strstr (msg, "event=C_SignInit"));
	ck_assert_str_eq (hkp11_audit_log_file (), "");
	close (fd);
}
END_TEST

START_TEST (test_syslog_missing_is_a_failure)
{
	setenv ("HKPOST_P11_SYSLOG_SOCKET", "/nonexistent/log.sock", 1);
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);
	int saved = p11t_capture_stderr (err);
	hkp11_audit_options opts = { .format = HKP11_AUDIT_TEXT, .file = log_path, .syslog = true };
	ck_assert (hkp11_audit_log_open (&opts));
	ck_assert (!write_record (1, true));
	ck_assert (!write_record (2, true));
	hkp11_audit_log_close ();
	p11t_restore_stderr (saved);
	/* The file still has both; syslog's absence is said once. */
	ck_assert_uint_eq (count_lines (log_path), 2);
	ck_assert_uint_eq (count_matching (err, "cannot reach syslog"), 1);
}
END_TEST

START_TEST (test_journald_sink)
{
	/* Built with libsystemd, records reach the journal when one runs here,
	 * and its absence is a failure said once; without, nothing is tried. */
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);
	int saved = p11t_capture_stderr (err);
	hkp11_audit_options opts = { .format = HKP11_AUDIT_JSON,
				     .file = log_path,
				     .journald = true };
	ck_assert (hkp11_audit_log_open (&opts));
	bool first = write_record (1, true);
	bool second = write_record (2, true);
	hkp11_audit_log_close ();
	p11t_restore_stderr (saved);

	ck_assert_uint_eq (count_lines (log_path), 2);
	if (!hkp11_audit_journal_built ()) {
		ck_assert (first && second);
		ck_assert_uint_eq (count_matching (err, "no journald support"), 1);
	} else if (access ("/run/systemd/journal/socket", W_OK) == 0) {
		ck_assert (first && second);
	} else {
		ck_assert (!first && !second);
		ck_assert_uint_eq (count_matching (err, "cannot reach the journal"), 1);
	}
}
END_TEST

START_TEST (test_fork_child_starts_own_chain)
{
	open_log (HKP11_AUDIT_TEXT, log_path);
	ck_assert (write_record (1, true));
	ck_assert (write_record (2, false)); /* buffered in the parent */
	char parent_chain[128];
	snprintf (parent_chain, sizeof parent_chain, "%s", hkp11_audit_log_chain ());

	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		/* Not open in the child until it opens the log again. */
		int rc = write_record (99, true) ? 1 : 0;
		open_log (HKP11_AUDIT_TEXT, log_path);
		if (strcmp (hkp11_audit_log_chain (), parent_chain) == 0)
			rc |= 2;
		if (!write_record (3, false))
			rc |= 4;
		/* No close: exit() must flush what is buffered. */
		exit (rc);
	}
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert (WIFEXITED (status));
	ck_assert_int_eq (WEXITSTATUS (status), 0);
	hkp11_audit_log_close ();

	/* Parent: 2 records; child: 1, in a chain of its own; nothing twice. */
	ck_assert_uint_eq (count_lines (log_path), 3);
	ck_assert (!file_has (log_path, " n=99 "));
	const char *paths[] = { log_path };
	hkp11_audit_verify_result res;
	ck_assert (verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.chains, 2);
}
END_TEST

/* ---- Torn writes: a record whole or not at all ------------------------- */

/* The file's length, and whether every line of it ends in a newline. */
static off_t
file_size (const char *path)
{
	struct stat st;
	ck_assert_int_eq (stat (path, &st), 0);
	return st.st_size;
}

static void
assert_ends_in_newline (const char *path)
{
	int fd = open (path, O_RDONLY);
	ck_assert_int_ge (fd, 0);
	char last = 0;
	off_t size = lseek (fd, 0, SEEK_END);
	ck_assert (size > 0 && pread (fd, &last, 1, size - 1) == 1);
	close (fd);
	ck_assert_msg (last == '\n', "%s ends in the middle of a line", path);
}

/* Cuts the file's last line to half its length, newline and all: what a
 * program that stopped in the middle of its write() leaves. */
static void
cut_last_line (const char *path)
{
	FILE *f = fopen (path, "r");
	ck_assert_ptr_nonnull (f);
	char line[16384];
	long start = 0, last_start = 0;
	size_t last_len = 0;
	while (fgets (line, sizeof line, f)) {
		last_start = start;
		last_len = strlen (line);
		start += (long)last_len;
	}
	fclose (f);
	ck_assert_uint_gt (last_len, 200);
	ck_assert_int_eq (truncate (path, last_start + (long)last_len / 2), 0);
}

/* A write the file system stops part-way (here the file size limit, as a
 * full disk would) leaves nothing of the record: the file is cut back, the
 * record counts as lost, and once writing works again a gap record says
 * so.  Nothing is glued to a half line. */
START_TEST (test_short_write_undone)
{
	write_chain (HKP11_AUDIT_TEXT, 3);
	off_t before = file_size (log_path);
	char err[PATH_MAX];
	snprintf (err, sizeof err, "%s/stderr", dir);

	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		int rc = 0;
		int saved = p11t_capture_stderr (err);
		/* Writing past the limit then fails with EFBIG, the signal aside. */
		signal (SIGXFSZ, SIG_IGN);
		struct rlimit old, small;
		getrlimit (RLIMIT_FSIZE, &old);
		small = old;
		small.rlim_cur = (rlim_t)before + 60;
		if (setrlimit (RLIMIT_FSIZE, &small) != 0)
			_exit (10);
		open_log (HKP11_AUDIT_TEXT, log_path);
		if (write_record (4, true))
			rc |= 1; /* 60 of its bytes fit, the rest does not */
		if (file_size (log_path) != before)
			rc |= 2; /* the 60 bytes are gone again */
		setrlimit (RLIMIT_FSIZE, &old);
		if (!write_record (5, true))
			rc |= 4;
		hkp11_audit_log_close ();
		p11t_restore_stderr (saved);
		_exit (rc);
	}
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert (WIFEXITED (status));
	ck_assert_int_eq (WEXITSTATUS (status), 0);

	assert_ends_in_newline (log_path);
	ck_assert_uint_eq (count_matching (err, "File too large"), 1);
	ck_assert (!file_has (log_path, " n=4 "));
	ck_assert (file_has (log_path, " n=5 "));
	ck_assert (file_has (log_path, "event=audit-log-gap first_lost_seq=1 lost_records=1"));
	/* 3 of the parent; the child's record 5 and its gap record. */
	ck_assert_uint_eq (count_lines (log_path), 5);
	const char *paths[] = { log_path };
	hkp11_audit_verify_result res;
	ck_assert (verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.records, 5);
	ck_assert_uint_eq (res.lost, 1);
	ck_assert_uint_eq (res.torn + res.broken + res.edited + res.missing, 0);
}
END_TEST

/* A record cut short by a program that stopped mid-write: the next writer
 * closes it with a newline before its own first record, and says so in
 * the log.  verify names the cut record a torn write, not an edit. */
START_TEST (test_torn_tail_closed)
{
	hkp11_audit_format format = _i ? HKP11_AUDIT_JSON : HKP11_AUDIT_TEXT;
	write_chain (format, 3);
	cut_last_line (log_path);
	off_t torn_at = file_size (log_path);

	/* Another process: a chain of its own. */
	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		open_log (format, log_path);
		int rc = write_record (10, true) ? 0 : 1;
		hkp11_audit_log_close ();
		_exit (rc);
	}
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert (WIFEXITED (status));
	ck_assert_int_eq (WEXITSTATUS (status), 0);

	/* The cut line ends where it was cut; the new records follow it. */
	int fd = open (log_path, O_RDONLY);
	char c = 0;
	ck_assert_int_eq (pread (fd, &c, 1, torn_at), 1);
	close (fd);
	ck_assert_int_eq (c, '\n');
	assert_ends_in_newline (log_path);
	/* 2 whole, 1 torn, the child's record and its note of the torn tail. */
	ck_assert_uint_eq (count_lines (log_path), 5);
	ck_assert (file_has (log_path, format == HKP11_AUDIT_JSON
					       ? "\"event\":\"audit-log-torn-tail\""
					       : "event=audit-log-torn-tail torn_bytes="));

	const char *paths[] = { log_path };
	hkp11_audit_verify_result res;
	ck_assert (verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.torn, 1);
	ck_assert_uint_eq (res.chains, 2);
	ck_assert_uint_eq (res.records, 4);
	ck_assert_uint_eq (res.broken + res.edited + res.missing + res.lost, 0);
}
END_TEST

/* Copies src to dst with a record that follows line `which` (from 1)
 * inserted after line `after`, cut short: line `which` again with its seq
 * raised by `add` and prev the hash of line `which`. */
static void
insert_cut_copy (const char *src, const char *dst, size_t which, unsigned add, size_t after)
{
	FILE *in = fopen (src, "r"), *out = fopen (dst, "w");
	ck_assert (in && out);
	char line[16384], copy[16384] = "";
	for (size_t n = 1; fgets (line, sizeof line, in); n++) {
		if (n == which)
			snprintf (copy, sizeof copy, "%s", line);
	}
	rewind (in);
	ck_assert (copy[0]);
	char hash[2 * HKP11_SHA256_LEN + 1];
	ck_assert (hkp11_sha256_hex (copy, strcspn (copy, "\n"), hash));
	char *prev = strstr (copy, "prev");
	ck_assert_ptr_nonnull (prev);
	prev += strcspn (prev, "0123456789abcdef");
	memcpy (prev, hash, 2 * HKP11_SHA256_LEN);
	/* "seq=N" or "\"seq\":N": the number after it, raised. */
	char *seq = strstr (copy, "seq");
	ck_assert_ptr_nonnull (seq);
	seq += strcspn (seq, "0123456789");
	unsigned long n = strtoul (seq, NULL, 10);
	char rest[16384];
	snprintf (rest, sizeof rest, "%s", seq + strspn (seq, "0123456789"));
	snprintf (seq, sizeof copy - (size_t)(seq - copy), "%lu%s", n + add, rest);
	copy[strlen (copy) * 2 / 3] = '\0';
	for (size_t i = 1; fgets (line, sizeof line, in); i++) {
		fputs (line, out);
		if (i == after)
			fprintf (out, "%s\n", copy);
	}
	fclose (in);
	fclose (out);
}

/* What the verifier makes of records lost as they were written. */
START_TEST (test_verifier_torn_and_lost)
{
	hkp11_audit_format format = _i ? HKP11_AUDIT_JSON : HKP11_AUDIT_TEXT;
	const char *paths[2];
	hkp11_audit_verify_result res;

	/* The last record of a chain cut short: the program stopped. */
	write_chain (format, 10);
	cut_last_line (log_path);
	FILE *f = fopen (log_path, "a");
	fputc ('\n', f);
	fclose (f);
	paths[0] = log_path;
	ck_assert (verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.torn, 1);
	ck_assert_uint_eq (res.edited + res.broken + res.missing, 0);

	/* Records the writer could not write, and said so later. */
	char first[PATH_MAX], torn[PATH_MAX];
	snprintf (first, sizeof first, "%s/first.log", dir);
	snprintf (torn, sizeof torn, "%s/torn.log", dir);
	open_log (format, first);
	for (unsigned i = 1; i <= 3; i++)
		ck_assert (write_record (i, true));
	ck_assert_int_eq (rename (first, log_path), 0);
	ck_assert_int_eq (mkdir (first, 0700), 0); /* the path cannot be written */
	ck_assert (!write_record (4, true));
	ck_assert (!write_record (5, true));
	ck_assert_int_eq (rmdir (first), 0);
	ck_assert_int_eq (rename (log_path, first), 0);
	ck_assert (write_record (6, true));
	hkp11_audit_log_close ();
	/* first.log: 1-3 and 6 and the gap record saying 4 and 5 were lost
	 * (the chain goes on from write_chain's: it starts at 11). */
	paths[0] = first;
	ck_assert (verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.lost, 2);
	ck_assert_uint_eq (res.missing + res.edited + res.torn, 0);

	/* Half of seq 4 made it to the file before the disk was full. */
	insert_cut_copy (first, torn, 3, 1, 3);
	paths[0] = torn;
	ck_assert (verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.torn, 1);
	ck_assert_uint_eq (res.lost, 1);
	ck_assert_uint_eq (res.missing + res.edited + res.broken, 0);

	/* A record deleted where nothing says it was lost is still missing. */
	tamper (first, torn, 2, DELETE);
	ck_assert (!verify (paths, 1, false, &res));
	ck_assert_uint_eq (res.missing, 1);
	ck_assert_uint_eq (res.lost, 2);

	/* A line cut in its first bytes: no chain to tell, but no record. */
	f = fopen (torn, "w");
	fputs (format == HKP11_AUDIT_JSON ? "{\"ts\":\"2024-05-01T10:0\n"
					  : "2024-05-01T10:00:00.1\n",
	       f);
	fputs ("not a record\n", f);
	fclose (f);
	ck_assert (!verify (paths, 1, true, &res));
	ck_assert_uint_eq (res.torn, 1);
	ck_assert_uint_eq (res.broken, 1);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("audit-log");
	TCase *tc = tcase_create ("chain");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_loop_test (tc, test_chain_verifies, 0, 2);
	tcase_add_loop_test (tc, test_verifier_detects_tampering, 0, 2);
	tcase_add_test (tc, test_verifier_reads_syslog_copies);
	tcase_add_loop_test (tc, test_verifier_torn_and_lost, 0, 2);
	suite_add_tcase (s, tc);

	tc = tcase_create ("writer");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_buffered_until_security_record);
	tcase_add_test (tc, test_rotation_followed);
	tcase_add_test (tc, test_deleted_file_recreated);
	tcase_add_test (tc, test_symlink_refused);
	tcase_add_test (tc, test_disk_full_complains_once);
	tcase_add_test (tc, test_failure_then_recovery_leaves_gap_record);
	tcase_add_test (tc, test_short_write_undone);
	tcase_add_loop_test (tc, test_torn_tail_closed, 0, 2);
	tcase_add_test (tc, test_default_path_respects_xdg);
	tcase_add_test (tc, test_fork_child_starts_own_chain);
	suite_add_tcase (s, tc);

	tc = tcase_create ("syslog");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_syslog_sink);
	tcase_add_test (tc, test_unwritable_home_falls_back_to_syslog);
	tcase_add_test (tc, test_syslog_missing_is_a_failure);
	tcase_add_test (tc, test_journald_sink);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)
