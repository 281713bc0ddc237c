/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "lockout/store.h"
#include "base/debug.h"
#include "base/compat.h"
#include "base/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_SUFFIX ".state"
#define TMP_SUFFIX ".state.tmp"
#define CORRUPT_SUFFIX ".state.corrupt"
#define LOCK_NAME ".lock"
#define FORMAT_VERSION 1
/* A record is a few lines; anything bigger is not one of ours. */
#define FILE_MAX 4096

/* A token whose count could not be kept on disk. */
typedef struct {
	char key[HKP11_STATE_KEY_MAX];
	hkp11_lockout_record record;
} mem_entry;

struct hkp11_lockout_store {
	/* Serialises this process's threads; flock serialises processes.
	 * Never held while calling the backend: it guards only file work. */
	pthread_mutex_t lock;
	char dir[PATH_MAX]; /* "" when no directory could be chosen */
	mem_entry *mem;
	size_t n_mem;
};

typedef enum {
	FILE_OK,
	FILE_ABSENT,
	FILE_CORRUPT,
	FILE_UNTRUSTED,
} file_result;

static void note_set (hkp11_state_note *note, hkp11_state_status status, const char *fmt, ...)
	__attribute__ ((format (printf, 3, 4)));

static void
note_set (hkp11_state_note *note, hkp11_state_status status, const char *fmt, ...)
{
	char text[sizeof note->text];
	va_list ap;
	if (note == NULL)
		return;
	/* The first problem met is the one worth telling, except that a count
	 * kept in memory after a corrupt file matters more: the user must
	 * hear that it is no longer shared, and how to get past the guard. */
	bool after_corrupt = note->status == HKP11_STATE_CORRUPT && status == HKP11_STATE_MEMORY;
	if (note->status != HKP11_STATE_OK && !after_corrupt)
		return;
	va_start (ap, fmt);
	vsnprintf (text, sizeof text, fmt, ap);
	va_end (ap);
	if (after_corrupt) {
		size_t used = strlen (note->text);
		snprintf (note->text + used, sizeof note->text - used, "; %s", text);
	} else {
		memcpy (note->text, text, sizeof text);
	}
	note->status = status;
}

bool
hkp11_lockout_key_valid (const char *key)
{
	size_t len = strlen (key);
	if (len == 0 || len >= HKP11_STATE_KEY_MAX || key[0] == '.')
		return false;
	return strspn (key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	       len;
}

/* The system's directory, for a secure-mode program: used only when the
 * administrator made it (it is never created here) and it is private to
 * the program's effective user, root for a set-uid root program. */
static bool
system_dir (char *buf, size_t len)
{
	struct stat st;
	const char *dir = hkp11_system_state_dir ();
	if (lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != geteuid () ||
	    (st.st_mode & 077) != 0)
		return false;
	int n = snprintf (buf, len, "%s", dir);
	return n > 0 && (size_t)n < len;
}

bool
hkp11_lockout_state_dir (const char *dir, char *buf, size_t len)
{
	int n;
	if (dir != NULL && dir[0] != '\0') {
		n = snprintf (buf, len, "%s", dir);
	} else if (hkp11_secure_mode ()) {
		/* Never the invoking user's directory: the user could plant a
		 * link there, or reset the count. */
		return system_dir (buf, len);
	} else {
		return hkp11_xdg_state_path ("hkpost-p11", buf, len);
	}
	return n > 0 && (size_t)n < len;
}

hkp11_lockout_store *
hkp11_lockout_store_new (const char *dir)
{
	hkp11_lockout_store *store = calloc (1, sizeof *store);
	if (store == NULL)
		return NULL;
	pthread_mutex_init (&store->lock, NULL);
	if (!hkp11_lockout_state_dir (dir, store->dir, sizeof store->dir))
		store->dir[0] = '\0';
	return store;
}

void
hkp11_lockout_store_free (hkp11_lockout_store *store)
{
	if (store == NULL)
		return;
	pthread_mutex_destroy (&store->lock);
	free (store->mem);
	free (store);
}

const char *
hkp11_lockout_store_dir (const hkp11_lockout_store *store)
{
	return store->dir;
}

static bool
make_path (const hkp11_lockout_store *store, const char *key, const char *suffix, char *buf,
	   size_t len)
{
	int n = snprintf (buf, len, "%s/%s%s", store->dir, key, suffix);
	return n > 0 && (size_t)n < len;
}

bool
hkp11_lockout_store_path (const hkp11_lockout_store *store, const char *key, char *buf, size_t len)
{
	if (store->dir[0] == '\0' || !hkp11_lockout_key_valid (key))
		return false;
	return make_path (store, key, STATE_SUFFIX, buf, len);
}

/* ---- The in-memory fallback ------------------------------------------ */

static mem_entry *
mem_find (hkp11_lockout_store *store, const char *key)
{
	for (size_t i = 0; i < store->n_mem; i++) {
		if (strcmp (store->mem[i].key, key) == 0)
			return &store->mem[i];
	}
	return NULL;
}

static mem_entry *
mem_get (hkp11_lockout_store *store, const char *key)
{
	mem_entry *e = mem_find (store, key);
	if (e != NULL)
		return e;
	mem_entry *grown = realloc (store->mem, (store->n_mem + 1) * sizeof *grown);
	if (grown == NULL)
		return NULL;
	store->mem = grown;
	e = &store->mem[store->n_mem++];
	memset (e, 0, sizeof *e);
	hkp11_strlcpy (e->key, key, sizeof e->key);
	return e;
}

static void
mem_drop (hkp11_lockout_store *store, const char *key)
{
	mem_entry *e = mem_find (store, key);
	if (e == NULL)
		return;
	*e = store->mem[--store->n_mem];
}

/* One change to a record: a plain operation, or a try begun or ended. */
typedef enum { CHANGE_OP, CHANGE_BEGIN_TRY, CHANGE_END_TRY, CHANGE_LEARN } change_kind;

typedef struct {
	change_kind kind;
	hkp11_state_op op;          /* CHANGE_OP */
	const hkp11_try_rule *rule; /* the tries */
	hkp11_try_outcome outcome;  /* CHANGE_END_TRY */
	hkp11_try_verdict verdict;  /* CHANGE_BEGIN_TRY, out */
} change;

static bool
change_is_read (const change *c)
{
	return c->kind == CHANGE_OP && c->op == HKP11_STATE_READ;
}

static void
apply_change (hkp11_lockout_record *record, change *c)
{
	long long now = (long long)time (NULL);
	if (c->kind == CHANGE_BEGIN_TRY)
		c->verdict = hkp11_lockout_begin_try (record, c->rule, now);
	else if (c->kind == CHANGE_END_TRY)
		hkp11_lockout_end_try (record, c->rule, c->outcome, now);
	else if (c->kind == CHANGE_LEARN)
		hkp11_lockout_learn_max (record, c->rule, now);
	else
		hkp11_lockout_apply (record, c->op, now);
}

/* Counts in memory only; the note says why already. */
static void
mem_apply (hkp11_lockout_store *store, const char *key, change *c, hkp11_lockout_record *out)
{
	hkp11_lockout_record r = { 0 };
	mem_entry *e = change_is_read (c) ? mem_find (store, key) : mem_get (store, key);
	if (e != NULL)
		r = e->record;
	apply_change (&r, c);
	if (e != NULL)
		e->record = r;
	*out = r;
}

/* ---- Files ------------------------------------------------------------ */

/* The directory is ours alone, or it is not used: anyone who can write
 * it could reset the count or lock the user out, and anyone who can read
 * it sees which tokens are used and how often a password was wrong.  Its
 * mode is never changed here: a directory hkpost-p11 did not create may be
 * the user's home or anything else (make_dirs creates its own 0700). */
static bool
dir_trusted (const char *dir, hkp11_state_note *note)
{
	struct stat st;
	if (lstat (dir, &st) != 0) {
		note_set (note, HKP11_STATE_MEMORY, "cannot use the lockout state directory %s: %s",
			  dir, strerror (errno));
		return false;
	}
	if (!S_ISDIR (st.st_mode)) {
		note_set (note, HKP11_STATE_MEMORY,
			  "the lockout state directory %s is not a directory", dir);
		return false;
	}
	if (st.st_uid != geteuid ()) {
		note_set (note, HKP11_STATE_MEMORY,
			  "the lockout state directory %s belongs to uid %lu, not to you (uid "
			  "%lu): not trusted",
			  dir, (unsigned long)st.st_uid, (unsigned long)geteuid ());
		return false;
	}
	if ((st.st_mode & 077) != 0) {
		note_set (note, HKP11_STATE_MEMORY,
			  "the lockout state directory %s is open to others (mode %03o), and "
			  "hkpost-p11 changes only directories it created: counting wrong PINs in "
			  "memory for this program only; name a new directory in state-dir, or run "
			  "chmod 700 on this one",
			  dir, (unsigned int)(st.st_mode & 0777));
		return false;
	}
	return true;
}

/* mkdir -p, each new directory 0700 as XDG asks of state directories;
 * those that exist already are left as they are. */
static bool
make_dirs (const char *dir, hkp11_state_note *note)
{
	char path[PATH_MAX];
	if (hkp11_strlcpy (path, dir, sizeof path) >= sizeof path)
		return false;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir (path, 0700) == 0) {
			chmod (path, 0700); /* ours: 0700, whatever the umask took away */
		} else if (errno != EEXIST) {
			note_set (note, HKP11_STATE_MEMORY, "cannot create %s: %s", path,
				  strerror (errno));
			return false;
		}
		*p = '/';
	}
	if (mkdir (path, 0700) == 0) {
		chmod (path, 0700);
	} else if (errno != EEXIST) {
		note_set (note, HKP11_STATE_MEMORY,
			  "cannot create the lockout state directory %s: %s", path,
			  strerror (errno));
		return false;
	}
	return true;
}

static bool
parse_number (const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;
	if (text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull (text, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* Strict: a record is whole or it is corrupt. */
static bool
parse_record (char *text, hkp11_lockout_record *record, const char **why)
{
	bool have_version = false, have_failures = false, have_end = false;
	unsigned long long v;

	memset (record, 0, sizeof *record);
	for (char *line = text, *next; line != NULL; line = next) {
		next = strchr (line, '\n');
		if (next != NULL)
			*next++ = '\0';
		else if (*line != '\0') {
			*why = "the last line is cut short";
			return false;
		}
		if (have_end) {
			if (*line != '\0') {
				*why = "text after the end line";
				return false;
			}
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strcmp (line, "end") == 0) {
			have_end = true;
			continue;
		}
		char *colon = strchr (line, ':');
		if (colon == NULL || colon[1] != ' ') {
			*why = "a line is not 'key: value'";
			return false;
		}
		*colon = '\0';
		const char *value = colon + 2;
		if (strcmp (line, "version") == 0) {
			if (!parse_number (value, 1000, &v) || v != FORMAT_VERSION) {
				*why = "unknown format version";
				return false;
			}
			have_version = true;
		} else if (strcmp (line, "failures") == 0) {
			if (!parse_number (value, HKP11_FAILURES_MAX, &v)) {
				*why = "the count is not a number";
				return false;
			}
			record->failures = (unsigned int)v;
			have_failures = true;
		} else if (strcmp (line, "updated") == 0) {
			if (!parse_number (value, (unsigned long long)LLONG_MAX, &v)) {
				*why = "the time is not a number";
				return false;
			}
			record->updated = (long long)v;
		} else if (strcmp (line, "released") == 0) {
			if (!parse_number (value, HKP11_FAILURES_MAX, &v)) {
				*why = "the release is not a number";
				return false;
			}
			record->released = (unsigned int)v;
		} else if (strcmp (line, "pending") == 0) {
			if (!parse_number (value, HKP11_FAILURES_MAX, &v)) {
				*why = "the pending tries are not a number";
				return false;
			}
			record->pending = (unsigned int)v;
		} else if (strcmp (line, "pending-since") == 0) {
			if (!parse_number (value, (unsigned long long)LLONG_MAX, &v)) {
				*why = "the time of the pending tries is not a number";
				return false;
			}
			record->pending_since = (long long)v;
		} else if (strcmp (line, "ended") == 0) {
			if (!parse_number (value, UINT_MAX, &v)) {
				*why = "the count of ended tries is not a number";
				return false;
			}
			record->ended = (unsigned int)v;
		} else if (strcmp (line, "learned-max") == 0) {
			if (!parse_number (value, HKP11_FAILURES_MAX, &v)) {
				*why = "the learned maximum of tries is not a number";
				return false;
			}
			record->learned_max = (unsigned int)v;
		}
		/* Other keys (token) are for people. */
	}
	if (!have_version || !have_failures || !have_end) {
		*why = "a required line is missing";
		return false;
	}
	return true;
}

static file_result
read_record (const char *path, hkp11_lockout_record *record, hkp11_state_note *note)
{
	char buf[FILE_MAX + 1];
	size_t len = 0;
	struct stat st;
	const char *why = NULL;

	int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return FILE_ABSENT;
		note_set (note, HKP11_STATE_UNTRUSTED,
			  "the lockout state file %s cannot be opened (%s): not trusted", path,
			  errno == ELOOP ? "it is a symbolic link" : strerror (errno));
		return FILE_UNTRUSTED;
	}
	if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
		note_set (note, HKP11_STATE_UNTRUSTED,
			  "the lockout state file %s is not a regular file: not trusted", path);
		close (fd);
		return FILE_UNTRUSTED;
	}
	if (st.st_uid != geteuid ()) {
		note_set (note, HKP11_STATE_UNTRUSTED,
			  "the lockout state file %s belongs to uid %lu, not to you (uid %lu): "
			  "not trusted; remove it to share the count again",
			  path, (unsigned long)st.st_uid, (unsigned long)geteuid ());
		close (fd);
		return FILE_UNTRUSTED;
	}
	if (st.st_mode & 022) {
		note_set (note, HKP11_STATE_UNTRUSTED,
			  "the lockout state file %s is writable by others (mode %03o): not "
			  "trusted; remove it to share the count again",
			  path, (unsigned int)(st.st_mode & 0777));
		close (fd);
		return FILE_UNTRUSTED;
	}
	for (;;) {
		ssize_t got = read (fd, buf + len, sizeof buf - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			why = strerror (errno);
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len == sizeof buf - 1) {
			why = "too large";
			break;
		}
	}
	close (fd);
	buf[len] = '\0';
	if (why == NULL && memchr (buf, '\0', len) != NULL)
		why = "it holds a NUL byte";
	if (why == NULL && parse_record (buf, record, &why))
		return FILE_OK;
	note_set (note, HKP11_STATE_CORRUPT, "the lockout state file %s is unreadable (%s)", path,
		  why);
	return FILE_CORRUPT;
}

/* Printable ASCII only, so the file stays one record per line. */
static void
clean_description (const char *in, char *out, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; in && in[i] && j + 1 < len; i++) {
		unsigned char c = (unsigned char)in[i];
		out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[j] = '\0';
}

static bool
write_all (int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write (fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Writes a temporary file and renames it over the record: a reader, or a
 * writer killed half-way, never sees half a record. */
static bool
write_record (const hkp11_lockout_store *store, const char *key, const char *description,
	      const hkp11_lockout_record *record, hkp11_state_note *note)
{
	char path[PATH_MAX], tmp[PATH_MAX], desc[200], text[FILE_MAX], pending[100] = "",
								       learned[40] = "";
	int fd = -1;
	bool ok = false;

	clean_description (description, desc, sizeof desc);
	if (record->pending > 0 || record->ended > 0)
		snprintf (pending, sizeof pending, "pending: %u\npending-since: %lld\nended: %u\n",
			  record->pending, record->pending_since, record->ended);
	if (record->learned_max > 0)
		snprintf (learned, sizeof learned, "learned-max: %u\n", record->learned_max);
	int n = snprintf (text, sizeof text,
			  "# hkpost-p11 lockout state: wrong user PINs since the last good one.\n"
			  "# Deleting this file releases the lockout guard for this token.\n"
			  "version: %d\n"
			  "token: %s\n"
			  "failures: %u\n"
			  "released: %u\n"
			  "updated: %lld\n"
			  "%s%s"
			  "end\n",
			  FORMAT_VERSION, desc, record->failures, record->released, record->updated,
			  pending, learned);
	if (n <= 0 || (size_t)n >= sizeof text ||
	    !make_path (store, key, STATE_SUFFIX, path, sizeof path) ||
	    !make_path (store, key, TMP_SUFFIX, tmp, sizeof tmp))
		return false;

	fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		goto out;
	if (fchmod (fd, 0600) != 0 || !write_all (fd, text, (size_t)n) || fsync (fd) != 0)
		goto out;
	if (close (fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename (tmp, path) != 0)
		goto out;
	/* Make the rename itself durable. */
	int dfd = open (store->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync (dfd);
		close (dfd);
	}
	ok = true;
out:
	if (!ok) {
		int saved = errno;
		if (fd >= 0)
			close (fd);
		unlink (tmp);
		note_set (note, HKP11_STATE_MEMORY,
			  "cannot write the lockout state file %s: %s; counting wrong PINs in "
			  "memory for this program only",
			  path, strerror (saved));
	}
	return ok;
}

/* Takes the cross-process lock; returns its descriptor or -1. */
static int
lock_store (const hkp11_lockout_store *store, hkp11_state_note *note)
{
	char path[PATH_MAX];
	int n = snprintf (path, sizeof path, "%s/%s", store->dir, LOCK_NAME);
	if (n <= 0 || (size_t)n >= sizeof path)
		return -1;
	int fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		note_set (note, HKP11_STATE_MEMORY,
			  "cannot open the lockout state lock %s: %s; counting wrong PINs in "
			  "memory for this program only",
			  path, strerror (errno));
		return -1;
	}
	while (flock (fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			note_set (note, HKP11_STATE_MEMORY,
				  "cannot lock %s: %s; counting wrong PINs in memory for this "
				  "program only",
				  path, strerror (errno));
			close (fd);
			return -1;
		}
	}
	return fd;
}

static void
unlock_store (int fd)
{
	if (fd >= 0) {
		flock (fd, LOCK_UN);
		close (fd);
	}
}

/* Moves an unreadable record aside, for whoever wants to look at it. */
static void
set_aside (const hkp11_lockout_store *store, const char *key, hkp11_state_note *note)
{
	char path[PATH_MAX], aside[PATH_MAX];
	if (!make_path (store, key, STATE_SUFFIX, path, sizeof path) ||
	    !make_path (store, key, CORRUPT_SUFFIX, aside, sizeof aside))
		return;
	bool moved = rename (path, aside) == 0;
	int saved = errno;
	if (note != NULL && note->status == HKP11_STATE_CORRUPT) {
		size_t used = strlen (note->text);
		if (moved)
			snprintf (note->text + used, sizeof note->text - used,
				  ": moved to %s, counting starts again", aside);
		else
			snprintf (note->text + used, sizeof note->text - used,
				  ": could not be moved to %s (%s), counting starts again", aside,
				  strerror (saved));
	}
}

static void
update_locked (hkp11_lockout_store *store, const char *key, const char *description, change *c,
	       hkp11_lockout_record *out, hkp11_state_note *note)
{
	char path[PATH_MAX];
	hkp11_lockout_record r = { 0 };
	mem_entry *mem;
	file_result fr;
	struct stat st;
	int lock_fd = -1;

	if (store->dir[0] == '\0' && hkp11_secure_mode ()) {
		note_set (note, HKP11_STATE_MEMORY,
			  "a set-uid, set-gid or privileged program keeps no count in a user's "
			  "home: counting wrong PINs in memory for this program only (create %s, "
			  "owned by root, mode 0700, or set state-dir in the system "
			  "configuration, to share the count)",
			  hkp11_system_state_dir ());
		mem_apply (store, key, c, out);
		return;
	}
	if (store->dir[0] == '\0') {
		note_set (note, HKP11_STATE_MEMORY,
			  "no home directory and no state-dir: counting wrong PINs in memory "
			  "for this program only");
		mem_apply (store, key, c, out);
		return;
	}
	make_path (store, key, STATE_SUFFIX, path, sizeof path);

	if (change_is_read (c)) {
		/* Readers take no lock: records are replaced whole. */
		if (lstat (store->dir, &st) != 0 && errno == ENOENT)
			fr = FILE_ABSENT;
		else if (!dir_trusted (store->dir, note))
			fr = FILE_UNTRUSTED;
		else
			fr = read_record (path, &r, note);
		if (fr != FILE_OK)
			memset (&r, 0, sizeof r);
		mem = mem_find (store, key);
		if (mem != NULL) {
			note_set (note, HKP11_STATE_MEMORY,
				  "the count of this token is kept in memory: %s could not be "
				  "written",
				  path);
			r = fr == FILE_OK ? hkp11_lockout_newest (r, mem->record) : mem->record;
		}
		*out = r;
		return;
	}

	if (!make_dirs (store->dir, note) || !dir_trusted (store->dir, note) ||
	    (lock_fd = lock_store (store, note)) < 0) {
		mem_apply (store, key, c, out);
		return;
	}

	fr = read_record (path, &r, note);
	if (fr == FILE_UNTRUSTED) {
		mem_apply (store, key, c, out);
		goto out;
	}
	if (fr != FILE_OK)
		memset (&r, 0, sizeof r);
	if (fr == FILE_CORRUPT)
		set_aside (store, key, note);
	mem = mem_find (store, key);
	if (mem != NULL)
		r = hkp11_lockout_newest (r, mem->record);
	apply_change (&r, c);

	/* A good PIN with nothing counted, or a refused try: leave the disk alone. */
	bool unchanged =
		(fr == FILE_ABSENT && mem == NULL && r.failures == 0 && r.released == 0 &&
		 r.pending == 0 && r.learned_max == 0) ||
		(c->kind == CHANGE_BEGIN_TRY && c->verdict == HKP11_TRY_REFUSED && mem == NULL);
	if (unchanged || write_record (store, key, description, &r, note)) {
		mem_drop (store, key);
	} else {
		mem = mem_get (store, key);
		if (mem != NULL)
			mem->record = r;
	}
	*out = r;
out:
	unlock_store (lock_fd);
}

static bool
store_change (hkp11_lockout_store *store, const char *key, const char *description, change *c,
	      hkp11_lockout_record *record, hkp11_state_note *note)
{
	hkp11_state_note scratch;
	if (note == NULL)
		note = &scratch;
	note->status = HKP11_STATE_OK;
	note->text[0] = '\0';
	memset (record, 0, sizeof *record);
	if (!hkp11_lockout_key_valid (key))
		return false;

	pthread_mutex_lock (&store->lock);
	update_locked (store, key, description, c, record, note);
	pthread_mutex_unlock (&store->lock);
	return true;
}

bool
hkp11_lockout_store_update (hkp11_lockout_store *store, const char *key, const char *description,
			    hkp11_state_op op, hkp11_lockout_record *record, hkp11_state_note *note)
{
	hkp11_return_val_if_fail (store != NULL && key != NULL, false);
	hkp11_return_val_if_fail (record != NULL, false);
	change c = { .kind = CHANGE_OP, .op = op };
	return store_change (store, key, description, &c, record, note);
}

bool
hkp11_lockout_store_begin_try (hkp11_lockout_store *store, const char *key, const char *description,
			       const hkp11_try_rule *rule, hkp11_try_verdict *verdict,
			       hkp11_lockout_record *record, hkp11_state_note *note)
{
	hkp11_return_val_if_fail (store != NULL && key != NULL && rule != NULL, false);
	hkp11_return_val_if_fail (verdict != NULL && record != NULL, false);
	change c = { .kind = CHANGE_BEGIN_TRY, .rule = rule, .verdict = HKP11_TRY_REFUSED };
	bool ok = store_change (store, key, description, &c, record, note);
	*verdict = c.verdict;
	return ok;
}

bool
hkp11_lockout_store_end_try (hkp11_lockout_store *store, const char *key, const char *description,
			     const hkp11_try_rule *rule, hkp11_try_outcome outcome,
			     hkp11_lockout_record *record, hkp11_state_note *note)
{
	hkp11_return_val_if_fail (store != NULL && key != NULL && rule != NULL, false);
	hkp11_return_val_if_fail (record != NULL, false);
	change c = { .kind = CHANGE_END_TRY, .rule = rule, .outcome = outcome };
	return store_change (store, key, description, &c, record, note);
}

bool
hkp11_lockout_store_learn (hkp11_lockout_store *store, const char *key, const char *description,
			   const hkp11_try_rule *rule, hkp11_lockout_record *record,
			   hkp11_state_note *note)
{
	hkp11_return_val_if_fail (store != NULL && key != NULL && rule != NULL, false);
	hkp11_return_val_if_fail (record != NULL, false);
	change c = { .kind = CHANGE_LEARN, .rule = rule };
	return store_change (store, key, description, &c, record, note);
}

bool
hkp11_lockout_store_release (hkp11_lockout_store *store, const char *key, hkp11_state_note *note)
{
	hkp11_lockout_record r;
	return hkp11_lockout_store_update (store, key, NULL, HKP11_STATE_RELEASE, &r, note);
}
