/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 register / unregister desktop: start `hkpost-p11 monitor`
 * with each desktop session of the user, or stop doing so.
 *
 * `make install` puts both ways in place, off: a systemd user unit
 * (hkpost-p11-monitor.service, wanted by graphical-session.target) and an
 * XDG autostart entry that is Hidden (hkpost-p11-monitor.desktop, in the
 * system's autostart directory).  Registering turns one on:
 *
 *   - where a systemd user manager runs: systemctl --user enable --now
 *     hkpost-p11-monitor.service (when the unit is not installed, as from
 *     a build tree, a unit of ours goes into
 *     ${XDG_CONFIG_HOME:-~/.config}/systemd/user first);
 *   - else: the autostart entry, not hidden, in
 *     ${XDG_CONFIG_HOME:-~/.config}/autostart, which desktops read at login.
 *
 * The entry carries X-GNOME-HiddenUnderSystemd, so that a desktop that
 * runs under systemd never starts the monitor twice; the monitor itself
 * also refuses to run twice in one session (its bus name).
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"
#include "register.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define UNIT "hkpost-p11-monitor.service"
#define ENTRY "hkpost-p11-monitor.desktop"

/* The hkpost-p11 that runs now, for the command line of what we write:
 * the installed one, or the one of a build tree the user runs. */
static void
self_path (char *buf, size_t len)
{
#ifdef __linux__
	ssize_t n = readlink ("/proc/self/exe", buf, len - 1);
	if (n > 0) {
		buf[n] = '\0';
		return;
	}
#endif
	snprintf (buf, len, "%s/hkpost-p11", BINDIR);
}

static bool
config_dir (char *buf, size_t len)
{
	const char *xdg = hkp11_getenv ("XDG_CONFIG_HOME");
	const char *home = hkp11_home_dir ();
	if (xdg != NULL && xdg[0] == '/')
		snprintf (buf, len, "%s", xdg);
	else if (home != NULL)
		snprintf (buf, len, "%s/.config", home);
	else
		return false;
	return true;
}

/* Whether a systemd user manager answers (systemctl --user). */
static bool
user_manager_runs (void)
{
	char out[512];
	char *argv[] = { "systemctl", "--user", "show-environment", NULL };
	return reg_on_path ("systemctl") && reg_run (argv, out, sizeof out) == 0;
}

static void
autostart_entry (char *text, size_t len)
{
	char self[PATH_MAX];
	self_path (self, sizeof self);
	snprintf (
		text, len,
		"# Written by hkpost-p11 register desktop: starts hkpost-p11 monitor with\n"
		"# each desktop session ('hkpost-p11 unregister desktop' removes it).\n"
		"[Desktop Entry]\n"
		"Type=Application\n"
		"Name=hkpost-p11 monitor\n"
		"Name[zh_HK]=hkpost-p11 監察\n"
		"Comment=Warnings about your e-Cert token: tries left, a locked token, an "
		"e-Cert that expires soon\n"
		"Comment[zh_HK]=e-Cert Token 的警告：剩餘嘗試次數、Token 已鎖上、電子證書即將到期\n"
		"Exec=\"%s\" monitor\n"
		"Icon=dialog-warning\n"
		"Terminal=false\n"
		"NoDisplay=true\n"
		"X-GNOME-Autostart-enabled=true\n"
		"X-GNOME-HiddenUnderSystemd=true\n",
		self);
}

static void
user_unit (char *text, size_t len)
{
	char self[PATH_MAX];
	self_path (self, sizeof self);
	snprintf (text, len,
		  "# Written by hkpost-p11 register desktop ('hkpost-p11 unregister desktop'\n"
		  "# removes it).\n"
		  "[Unit]\n"
		  "Description=hkpost-p11 monitor: e-Cert token warnings on the desktop\n"
		  "PartOf=graphical-session.target\n"
		  "After=graphical-session.target\n"
		  "\n"
		  "[Service]\n"
		  "ExecStart=\"%s\" monitor\n"
		  "Restart=on-failure\n"
		  "RestartSec=10\n"
		  "\n"
		  "[Install]\n"
		  "WantedBy=graphical-session.target\n",
		  self);
}

static int
systemctl (const char *verb, bool now, char *out, size_t len)
{
	char *argv[] = { "systemctl", "--user", (char *)verb, UNIT, now ? "--now" : NULL, NULL };
	return reg_run (argv, out, len);
}

/* Writes text to dir/name unless a file there is not ours. */
static int
write_ours (const reg_options *o, const char *dir, const char *name, const char *text, char *path,
	    size_t path_len)
{
	snprintf (path, path_len, "%s/%s", dir, name);
	if (access (path, F_OK) == 0 && !o->force && !reg_written_by_us (path)) {
		cli_error (_ ("Check it, then add --force to replace it."),
			   _ ("%s exists and was not written by hkpost-p11 register"), path);
		return CLI_FAILED;
	}
	if (!reg_make_dirs (dir, 0700) || !reg_write_file (path, text, 0644)) {
		cli_error (NULL, _ ("cannot write %s: %s"), path, strerror (errno));
		return CLI_FAILED;
	}
	printf (_ ("Wrote %s.\n"), path);
	return CLI_OK;
}

/* Removes dir/name when we wrote it; CLI_OK also when there is none. */
static int
remove_ours (const reg_options *o, const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf (path, sizeof path, "%s/%s", dir, name);
	if (access (path, F_OK) != 0)
		return CLI_OK;
	if (!o->force && !reg_written_by_us (path)) {
		cli_error (_ ("Remove it yourself, or add --force."),
			   _ ("%s was not written by hkpost-p11 register"), path);
		return CLI_FAILED;
	}
	if (unlink (path) != 0) {
		cli_error (NULL, _ ("cannot remove %s: %s"), path, strerror (errno));
		return CLI_FAILED;
	}
	printf (_ ("Removed %s.\n"), path);
	return CLI_OK;
}

static int
with_systemd (const reg_options *o, const char *config)
{
	char out[2048], dir[PATH_MAX + 32], path[PATH_MAX + 64], text[2048];
	snprintf (dir, sizeof dir, "%s/systemd/user", config);

	if (o->unregister) {
		if (systemctl ("disable", true, out, sizeof out) != 0)
			cli_warning (_ ("systemctl --user disable %s: %s"), UNIT,
				     cli_sanitise (out));
		int rc = remove_ours (o, dir, UNIT);
		char *reload[] = { "systemctl", "--user", "daemon-reload", NULL };
		reg_run (reload, out, sizeof out);
		if (rc == CLI_OK)
			printf (_ ("hkpost-p11 monitor no longer starts with your desktop "
				   "session.\n"));
		return rc;
	}
	/* The installed unit, or one of ours where none is installed. */
	if (systemctl ("enable", true, out, sizeof out) != 0) {
		user_unit (text, sizeof text);
		int rc = write_ours (o, dir, UNIT, text, path, sizeof path);
		if (rc != CLI_OK)
			return rc;
		char *reload[] = { "systemctl", "--user", "daemon-reload", NULL };
		reg_run (reload, out, sizeof out);
		if (systemctl ("enable", true, out, sizeof out) != 0) {
			cli_error (_ ("See 'systemctl --user status hkpost-p11-monitor'."),
				   _ ("systemctl --user enable %s failed: %s"), UNIT,
				   cli_sanitise (out));
			return CLI_FAILED;
		}
	}
	printf (_ ("hkpost-p11 monitor now starts with your desktop session (systemd user unit "
		   "%s).\n"),
		UNIT);
	return CLI_OK;
}

static int
with_autostart (const reg_options *o, const char *config)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 64], text[2048];
	snprintf (dir, sizeof dir, "%s/autostart", config);

	if (o->unregister) {
		int rc = remove_ours (o, dir, ENTRY);
		if (rc == CLI_OK)
			printf (_ ("hkpost-p11 monitor no longer starts with your desktop "
				   "session.\n"));
		return rc;
	}
	autostart_entry (text, sizeof text);
	int rc = write_ours (o, dir, ENTRY, text, path, sizeof path);
	if (rc == CLI_OK)
		printf (_ ("hkpost-p11 monitor starts with your next desktop session; run "
			   "'hkpost-p11 monitor &' to start it now.\n"));
	return rc;
}

int
reg_desktop (const reg_options *o)
{
	char config[PATH_MAX];

#ifndef HAVE_MONITOR
	cli_error (_ ("Install GLib's development files (Debian: libglib2.0-dev), then configure "
		      "and build hkpost-p11 again."),
		   _ ("this hkpost-p11 was built without the desktop monitor"));
	return CLI_SETUP;
#endif
	if (!config_dir (config, sizeof config)) {
		cli_error (_ ("Set HOME or XDG_CONFIG_HOME."), _ ("no home directory is known"));
		return CLI_SETUP;
	}
	if (user_manager_runs ())
		return with_systemd (o, config);
	/* Undo both: a user manager may have run when it was registered. */
	if (o->unregister) {
		char dir[PATH_MAX + 32];
		snprintf (dir, sizeof dir, "%s/systemd/user", config);
		int rc = remove_ours (o, dir, UNIT);
		return rc != CLI_OK ? rc : with_autostart (o, config);
	}
	return with_autostart (o, config);
}
