/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * e-Cert expiry: the thresholds at which the holder is told (60, 30, 7 and
 * 1 days before, and once expired), and the memory of what was told, so
 * that no threshold is told twice, not even after a restart or on another
 * day.  An e-Cert first seen at 20 days left is told once, at the 30-day
 * threshold, and next at 7.
 *
 * The memory is a small file in the state directory (beside the lockout
 * counts): one line per certificate, the SHA-256 of its DER and the last
 * stage told.  It is replaced whole through a temporary file and a rename.
 * It holds nothing secret; it is private (0600) all the same, as the
 * directory is.
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const long mon_expiry_days[MON_EXPIRY_STAGES - 1] = { 60, 30, 7, 1 };

#define HASH_HEX 64
#define MAX_ENTRIES 1024

typedef struct {
	char hash[HASH_HEX + 1];
	int stage;
} entry;

struct mon_expiry {
	char file[PATH_MAX];
	entry *entries; /* as last read or written; also all there is when the file cannot be */
	size_t n;
	bool told_unwritable;
};

int
mon_expiry_stage (long days_left)
{
	if (days_left < 0)
		return MON_EXPIRY_STAGES;
	int stage = 0;
	for (int i = 0; i < MON_EXPIRY_STAGES - 1; i++) {
		if (days_left <= mon_expiry_days[i])
			stage = i + 1;
	}
	return stage;
}

mon_expiry *
mon_expiry_new (const char *file)
{
	mon_expiry *e = calloc (1, sizeof *e);
	if (e != NULL)
		hkp11_strlcpy (e->file, file, sizeof e->file);
	return e;
}

void
mon_expiry_free (mon_expiry *e)
{
	if (e == NULL)
		return;
	free (e->entries);
	free (e);
}

static entry *
find (mon_expiry *e, const char *hash)
{
	for (size_t i = 0; i < e->n; i++) {
		if (strcmp (e->entries[i].hash, hash) == 0)
			return &e->entries[i];
	}
	return NULL;
}

static bool
is_hash (const char *s)
{
	return strlen (s) == HASH_HEX && strspn (s, "0123456789abcdef") == HASH_HEX;
}

/* Reads the file over what is in memory; a stage the file has is kept
 * where memory has less (another monitor may have told it). */
static void
load (mon_expiry *e)
{
	if (e->file[0] == '\0')
		return;
	int fd = open (e->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	FILE *f = fdopen (fd, "r");
	if (f == NULL) {
		close (fd);
		return;
	}
	char line[256];
	while (fgets (line, sizeof line, f) != NULL) {
		char hash[HASH_HEX + 2];
		int stage;
		if (line[0] == '#' || sscanf (line, "%65s %d", hash, &stage) != 2 ||
		    !is_hash (hash) || stage < 1 || stage > MON_EXPIRY_STAGES)
			continue;
		entry *x = find (e, hash);
		if (x == NULL && e->n < MAX_ENTRIES) {
			entry *grown = realloc (e->entries, (e->n + 1) * sizeof *grown);
			if (grown == NULL)
				break;
			e->entries = grown;
			x = &e->entries[e->n++];
			memcpy (x->hash, hash, HASH_HEX + 1);
			x->stage = 0;
		}
		if (x != NULL && stage > x->stage)
			x->stage = stage;
	}
	fclose (f);
}

/* mkdir -p, each directory made 0700 (as the lockout store makes its own). */
static bool
make_parent (const char *file)
{
	char dir[PATH_MAX];
	hkp11_strlcpy (dir, file, sizeof dir);
	char *slash = strrchr (dir, '/');
	if (slash == NULL || slash == dir)
		return true;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir (dir, 0700) != 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir (dir, 0700) == 0 || errno == EEXIST;
}

static bool
save (mon_expiry *e, char *why, size_t why_len)
{
	char tmp[PATH_MAX + 8];
	if (e->file[0] == '\0') {
		snprintf (why, why_len, "%s",
			  _ ("no state directory is known (no home directory): e-Cert expiry "
			     "warnings given are remembered only until the monitor ends"));
		return false;
	}
	snprintf (tmp, sizeof tmp, "%s.tmp", e->file);
	int fd = -1;
	if (make_parent (e->file))
		fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f = fd >= 0 ? fdopen (fd, "w") : NULL;
	bool ok = f != NULL;
	if (ok) {
		fprintf (f, "# hkpost-p11 monitor: the e-Cert expiry warnings given.\n"
			    "# SHA-256 of the certificate, then the last threshold told:\n"
			    "# 1 60 days, 2 30 days, 3 7 days, 4 1 day, 5 expired.\n");
		for (size_t i = 0; i < e->n; i++)
			fprintf (f, "%s %d\n", e->entries[i].hash, e->entries[i].stage);
		ok = fflush (f) == 0 && fsync (fd) == 0;
		ok = fclose (f) == 0 && ok;
	} else if (fd >= 0) {
		close (fd);
	}
	if (ok && rename (tmp, e->file) == 0)
		return true;
	int saved = errno;
	unlink (tmp);
	snprintf (why, why_len,
		  _ ("cannot write %s (%s): e-Cert expiry warnings given are remembered only "
		     "until the monitor ends"),
		  e->file, g_strerror (saved));
	return false;
}

bool
mon_expiry_news (mon_expiry *e, const char *hash, int stage, char *why, size_t why_len)
{
	why[0] = '\0';
	if (stage <= 0 || !is_hash (hash))
		return false;
	load (e);
	entry *x = find (e, hash);
	if (x != NULL && x->stage >= stage)
		return false;
	if (x == NULL) {
		entry *grown = realloc (e->entries, (e->n + 1) * sizeof *grown);
		if (grown == NULL)
			return false;
		e->entries = grown;
		x = &e->entries[e->n++];
		memcpy (x->hash, hash, HASH_HEX + 1);
	}
	x->stage = stage;
	char problem[PATH_MAX + 256];
	if (!save (e, problem, sizeof problem) && !e->told_unwritable) {
		e->told_unwritable = true;
		hkp11_strlcpy (why, problem, why_len);
	}
	return true;
}
