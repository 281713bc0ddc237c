/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inotify on the directories the module writes to: the lockout state
 * directory (each try replaces a token's <key>.state file by a rename) and
 * the audit log's directory (records are appended; a rotation leaves a new
 * file at the same path).  The directory is watched rather than the file,
 * so that a file replaced, rotated or not made yet is still seen.
 *
 * Raw inotify on the main loop's file descriptor: GLib's GFileMonitor
 * would rate-limit changes, and a warning must arrive within two seconds.
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

typedef struct {
	char dir[PATH_MAX];
	char *name;   /* NULL: any */
	char *suffix; /* NULL: any */
	int wd;       /* -1 until the directory exists */
} watched;

struct mon_watch {
	int fd;
	guint source;
	watched *dirs;
	size_t n_dirs;
	void (*changed) (void *data);
	void *data;
};

#define WATCH_EVENTS \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | \
	 IN_DELETE_SELF | IN_MOVE_SELF)

static bool
wanted (const watched *w, const char *name)
{
	if (w->name != NULL && strcmp (name, w->name) != 0)
		return false;
	if (w->suffix != NULL) {
		size_t n = strlen (name), k = strlen (w->suffix);
		if (n < k || strcmp (name + n - k, w->suffix) != 0)
			return false;
	}
	return true;
}

static gboolean
readable (gint fd, GIOCondition cond, gpointer data)
{
	mon_watch *w = data;
	/* Aligned as the kernel's records need. */
	char buf[8192] __attribute__ ((aligned (__alignof__(struct inotify_event))));
	bool news = false;

	(void)cond;
	for (;;) {
		ssize_t n = read (fd, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			for (size_t i = 0; i < w->n_dirs; i++) {
				if (w->dirs[i].wd != e->wd)
					continue;
				if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
					/* Gone: watched again once it is back. */
					w->dirs[i].wd = -1;
					news = true;
				} else if (e->len > 0 && wanted (&w->dirs[i], e->name)) {
					news = true;
				}
			}
			p += sizeof *e + e->len;
		}
	}
	if (news)
		w->changed (w->data);
	return G_SOURCE_CONTINUE;
}

mon_watch *
mon_watch_new (void (*changed) (void *data), void *data)
{
	mon_watch *w = g_new0 (mon_watch, 1);
	w->changed = changed;
	w->data = data;
	w->fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		cli_warning (_ ("cannot watch files (inotify: %s): changes are found by polling "
				"every few seconds"),
			     g_strerror (errno));
	else
		w->source = g_unix_fd_add (w->fd, G_IO_IN, readable, w);
	return w;
}

static bool
add_watch (mon_watch *w, watched *d)
{
	if (w->fd < 0 || d->wd >= 0)
		return false;
	d->wd = inotify_add_watch (w->fd, d->dir, WATCH_EVENTS | IN_ONLYDIR);
	if (d->wd < 0)
		return false;
	/* The same directory twice shares one descriptor. */
	return true;
}

void
mon_watch_add (mon_watch *w, const char *dir, const char *name, const char *suffix)
{
	w->dirs = g_renew (watched, w->dirs, w->n_dirs + 1);
	watched *d = &w->dirs[w->n_dirs++];
	memset (d, 0, sizeof *d);
	hkp11_strlcpy (d->dir, dir, sizeof d->dir);
	d->name = g_strdup (name);
	d->suffix = g_strdup (suffix);
	d->wd = -1;
	add_watch (w, d);
}

bool
mon_watch_retry (mon_watch *w)
{
	bool added = false;
	for (size_t i = 0; i < w->n_dirs; i++) {
		if (add_watch (w, &w->dirs[i]))
			added = true;
	}
	return added;
}

void
mon_watch_free (mon_watch *w)
{
	if (w == NULL)
		return;
	if (w->source != 0)
		g_source_remove (w->source);
	if (w->fd >= 0)
		close (w->fd);
	for (size_t i = 0; i < w->n_dirs; i++) {
		g_free (w->dirs[i].name);
		g_free (w->dirs[i].suffix);
	}
	g_free (w->dirs);
	g_free (w);
}
