/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 register / unregister firefox | thunderbird | chromium |
 * p11-kit | ssh | java: the set-up people otherwise do by hand.
 *
 *   firefox, thunderbird  the module goes into the NSS database of each of
 *                         the user's profiles (profiles.ini), with modutil;
 *                         a profile in use is left alone.
 *   chromium              the same for ~/.pki/nssdb, which Chromium, Chrome,
 *                         Edge and Brave share; refused while one of them
 *                         runs with the same HOME.
 *   p11-kit               a user module config in
 *                         ${XDG_CONFIG_HOME:-~/.config}/pkcs11/modules; as
 *                         root, where p11-kit reads no user config, the
 *                         system one (--system) or an explanation.
 *   ssh                   a PKCS11Provider line at the top of ~/.ssh/config
 *                         (--print only prints it).
 *   java                  a SunPKCS11 configuration (register-java.c).
 *   desktop               hkpost-p11 monitor with each desktop session
 *                         (register-desktop.c).
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"
#include "base/paths.h"
#include "register.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define NSS_NAME "hkpost-p11"
#define MARK "# hkpost-p11 (hkpost-p11 register ssh): the e-Cert token"

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 register PROGRAM [OPTIONS]\n"
		    "       hkpost-p11 unregister PROGRAM [OPTIONS]\n"
		    "\n"
		    "Sets up a program to use the e-Cert token through hkpost-p11, or undoes it.\n"
		    "\n"
		    "  firefox       adds the module to every Firefox profile of the user\n"
		    "  thunderbird   the same for Thunderbird (both with modutil, from the\n"
		    "                Debian package libnss3-tools); close the program first\n"
		    "  chromium      adds the module to ~/.pki/nssdb, the database Chromium,\n"
		    "                Chrome, Edge and Brave share (made if missing); close\n"
		    "                them first\n"
		    "  p11-kit       writes ~/.config/pkcs11/modules/hkpost-p11.module, for\n"
		    "                GnuTLS, p11tool and other p11-kit users; as root, p11-kit\n"
		    "                reads no user config: --system writes the system one\n"
		    "  ssh           adds 'PKCS11Provider MODULE' at the top of ~/.ssh/config\n"
		    "  java          writes ~/.config/hkpost-p11/java-pkcs11.cfg for keytool,\n"
		    "                jarsigner and Java's SunPKCS11 provider, and says how to\n"
		    "                pass it\n"
		    "  desktop       starts 'hkpost-p11 monitor' (warnings on the desktop) with\n"
		    "                each desktop session: the systemd user unit where a user\n"
		    "                manager runs, else ~/.config/autostart\n"
		    "\n"
		    "Options:\n"
		    "  --profile DIR   only this Firefox or Thunderbird profile directory\n"
		    "  --force         also a profile or browser in use; also a file hkpost-p11\n"
		    "                  did not write\n"
		    "  --print         ssh, java: only print the line or file to add\n"
		    "  --system        p11-kit: the system-wide config (as root)\n"
		    "\n"
		    "Exit status: 0 done; 2 a tool is missing or nothing to set up was found;\n"
		    "9 a step failed.\n"));
	return status;
}

/* ---- running a helper program ----------------------------------------------------- */

int
reg_run (char *const argv[], char *out, size_t out_len)
{
	posix_spawn_file_actions_t fa;
	FILE *tmp = tmpfile ();
	pid_t pid;
	int status = -1;

	out[0] = '\0';
	if (tmp == NULL)
		return -1;
	posix_spawn_file_actions_init (&fa);
	posix_spawn_file_actions_addopen (&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2 (&fa, fileno (tmp), STDOUT_FILENO);
	posix_spawn_file_actions_adddup2 (&fa, fileno (tmp), STDERR_FILENO);
	if (posix_spawnp (&pid, argv[0], &fa, NULL, argv, environ) == 0) {
		while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED (status) ? WEXITSTATUS (status) : 128;
		ssize_t n = pread (fileno (tmp), out, out_len - 1, 0);
		out[n > 0 ? n : 0] = '\0';
	}
	posix_spawn_file_actions_destroy (&fa);
	fclose (tmp);
	return status;
}

bool
reg_on_path (const char *tool)
{
	const char *path = getenv ("PATH");
	char buf[PATH_MAX];
	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn (path, ":");
		if (n > 0 &&
		    snprintf (buf, sizeof buf, "%.*s/%s", (int)n, path, tool) < (int)sizeof buf &&
		    access (buf, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* ---- Firefox and Thunderbird ------------------------------------------------------ */

/* Whether the program holds the profile: its "lock" link names a live pid. */
static bool
profile_in_use (const char *dir)
{
	char path[PATH_MAX], target[256];
	snprintf (path, sizeof path, "%s/lock", dir);
	ssize_t n = readlink (path, target, sizeof target - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	const char *plus = strrchr (target, '+');
	long pid = plus ? strtol (plus + 1, NULL, 10) : 0;
	return pid > 0 && (kill ((pid_t)pid, 0) == 0 || errno == EPERM);
}

typedef struct {
	char (*dirs)[PATH_MAX];
	size_t n;
} profile_list;

static void
add_profile (profile_list *l, const char *dir)
{
	char real[PATH_MAX];
	if (realpath (dir, real) != NULL)
		dir = real;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp (l->dirs[i], dir) == 0)
			return;
	}
	void *grown = realloc (l->dirs, (l->n + 1) * sizeof *l->dirs);
	if (grown == NULL)
		return;
	l->dirs = grown;
	hkp11_strlcpy (l->dirs[l->n++], dir, PATH_MAX);
}

/* The profiles profiles.ini under root lists. */
static void
read_profiles_ini (const char *root, profile_list *l)
{
	char ini[PATH_MAX], line[PATH_MAX + 64], path[PATH_MAX] = "";
	bool relative = true, in_profile = false;
	snprintf (ini, sizeof ini, "%s/profiles.ini", root);
	FILE *f = fopen (ini, "re");
	if (f == NULL)
		return;
	for (;;) {
		char *got = fgets (line, sizeof line, f);
		bool section = got == NULL || line[0] == '[';
		if (section && in_profile && path[0]) {
			char dir[PATH_MAX];
			if (relative)
				snprintf (dir, sizeof dir, "%s/%s", root, path);
			else
				hkp11_strlcpy (dir, path, sizeof dir);
			add_profile (l, dir);
		}
		if (got == NULL)
			break;
		line[strcspn (line, "\r\n")] = '\0';
		if (section) {
			in_profile = strncmp (line, "[Profile", 8) == 0;
			path[0] = '\0';
			relative = true;
		} else if (strncmp (line, "Path=", 5) == 0) {
			hkp11_strlcpy (path, line + 5, sizeof path);
		} else if (strncmp (line, "IsRelative=", 11) == 0) {
			relative = line[11] != '0';
		}
	}
	fclose (f);
}

static bool
nss_program (const char *name)
{
	return strcmp (name, "firefox") == 0 || strcmp (name, "thunderbird") == 0;
}

static void
find_profiles (const char *program, profile_list *l)
{
	/* Firefox 13x keeps its profiles under XDG_CONFIG_HOME; older ones,
	 * Thunderbird, and the snap and flatpak packages under HOME. */
	static const char *const firefox[] = { ".mozilla/firefox",
					       "snap/firefox/common/.mozilla/firefox",
					       ".var/app/org.mozilla.firefox/.mozilla/firefox",
					       NULL };
	static const char *const thunderbird[] = { ".thunderbird", ".mozilla-thunderbird",
						   "snap/thunderbird/common/.thunderbird",
						   ".var/app/org.mozilla.Thunderbird/.thunderbird",
						   NULL };
	bool is_firefox = strcmp (program, "firefox") == 0;
	const char *home = hkp11_home_dir ();
	const char *const *roots = is_firefox ? firefox : thunderbird;
	char root[PATH_MAX];

	if (is_firefox && hkp11_xdg_config_path ("mozilla/firefox", root, sizeof root))
		read_profiles_ini (root, l);
	for (int i = 0; home != NULL && roots[i]; i++) {
		snprintf (root, sizeof root, "%s/%s", home, roots[i]);
		read_profiles_ini (root, l);
	}
}

static bool
file_exists (const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf (path, sizeof path, "%s/%s", dir, name);
	return access (path, F_OK) == 0;
}

/* The module names in the NSS database that load path_part. */
static void
modules_loading (const char *listing, const char *path_part, char *names, size_t len)
{
	const char *p = listing;
	char name[256] = "";
	names[0] = '\0';
	while (*p) {
		const char *eol = p + strcspn (p, "\n");
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		/* "  2. NAME" starts a module; "library name: PATH" follows. */
		const char *dot = q;
		while (dot < eol && *dot >= '0' && *dot <= '9')
			dot++;
		if (dot > q && dot + 1 < eol && dot[0] == '.' && dot[1] == ' ') {
			size_t n = (size_t)(eol - dot - 2);
			snprintf (name, sizeof name, "%.*s", (int)(n < 255 ? n : 255), dot + 2);
		} else if (strncmp (q, "library name:", 13) == 0 && name[0]) {
			size_t n = (size_t)(eol - q);
			char lib[PATH_MAX];
			snprintf (lib, sizeof lib, "%.*s",
				  (int)(n < sizeof lib - 1 ? n : sizeof lib - 1), q);
			if (strstr (lib, path_part) != NULL) {
				size_t used = strlen (names);
				snprintf (names + used, len - used, "%s'%s'", used ? ", " : "",
					  name);
			}
		}
		p = *eol ? eol + 1 : eol;
	}
}

/* Adds the module to the NSS database in dir, or removes it.  A missing
 * database is created with create (the way its program would). */
static int
nss_one (const char *program, const char *dir, char *const create[], const reg_options *o)
{
	char db[PATH_MAX + 8], out[16384], names[1024];
	int rc;

	snprintf (db, sizeof db, "sql:%s", dir);
	if (!o->unregister && !file_exists (dir, "cert9.db")) {
		rc = reg_run (create, out, sizeof out);
		if (rc != 0) {
			cli_error (NULL, _ ("%s cannot create the NSS database in %s: %s"),
				   create[0], dir, out);
			return CLI_FAILED;
		}
	}
	if (o->unregister && !file_exists (dir, "cert9.db")) {
		printf (_ ("%s: no NSS database, nothing to undo.\n"), dir);
		return CLI_OK;
	}

	char *list[] = { "modutil", "-list", "-dbdir", db, NULL };
	rc = reg_run (list, out, sizeof out);
	if (rc != 0) {
		cli_error (_ ("Check that the profile directory is the program's and readable."),
			   _ ("modutil cannot read the NSS database in %s: %s"), dir, out);
		return CLI_FAILED;
	}
	modules_loading (out, "hkpost-p11", names, sizeof names);
	bool present = strstr (out, ". " NSS_NAME "\n") != NULL;

	if (o->unregister) {
		if (!present) {
			printf (_ ("%s: hkpost-p11 is not registered.\n"), dir);
			return CLI_OK;
		}
		char *del[] = { "modutil", "-delete", NSS_NAME, "-dbdir", db, "-force", NULL };
		rc = reg_run (del, out, sizeof out);
		if (rc != 0) {
			cli_error (NULL, _ ("modutil cannot remove the module from %s: %s"), dir,
				   out);
			return CLI_FAILED;
		}
		printf (_ ("%s: hkpost-p11 removed.\n"), dir);
		return CLI_OK;
	}

	if (present) {
		/* Registered before, perhaps from another path: do it again. */
		char *del[] = { "modutil", "-delete", NSS_NAME, "-dbdir", db, "-force", NULL };
		reg_run (del, out, sizeof out);
	}
	char *add[] = { "modutil", "-add", NSS_NAME, "-libfile", (char *)o->module,
			"-dbdir",  db,     "-force", NULL };
	rc = reg_run (add, out, sizeof out);
	if (rc != 0) {
		cli_error (_ ("Run 'hkpost-p11 status': the module must start (it needs the token "
			      "library) for NSS to take it."),
			   _ ("modutil cannot add the module to %s: %s"), dir, out);
		return CLI_FAILED;
	}
	printf (_ ("%s: hkpost-p11 added (%s).\n"), dir, o->module);

	/* SafeNet's library loaded beside it shows the token twice, and
	 * calls through it bypass every protection. */
	rc = reg_run (list, out, sizeof out);
	modules_loading (out, "libeTPkcs11", names, sizeof names);
	if (names[0] == '\0')
		modules_loading (out, "libeToken", names, sizeof names);
	if (names[0] != '\0')
		cli_warning (
			_ ("%s also loads SafeNet's library directly (module %s): the token shows "
			   "twice and that way bypasses hkpost-p11. Remove it in the program's "
			   "Security Devices dialog, or with: modutil -dbdir %s -delete NAME"),
			program, names, db);
	return CLI_OK;
}

static int
nss_register (const char *program, const reg_options *o)
{
	profile_list l = { NULL, 0 };
	int status = CLI_OK;

	if (!reg_on_path ("modutil")) {
		cli_error (_ ("Install it: apt-get install libnss3-tools"),
			   _ ("modutil, the NSS database tool, is not installed"));
		return CLI_SETUP;
	}
	if (o->profile != NULL)
		add_profile (&l, o->profile);
	else
		find_profiles (program, &l);
	if (l.n == 0) {
		if (strcmp (program, "firefox") == 0)
			cli_error (
				_ ("Start Firefox once so that it creates its profile, or name a "
				   "profile directory with --profile DIR."),
				_ ("no Firefox profile found "
				   "(~/.config/mozilla/firefox/profiles.ini, "
				   "~/.mozilla/firefox/profiles.ini)"));
		else
			cli_error (
				_ ("Start Thunderbird once so that it creates its profile, or name "
				   "a "
				   "profile directory with --profile DIR."),
				_ ("no Thunderbird profile found (~/.thunderbird/profiles.ini)"));
		return CLI_SETUP;
	}
	for (size_t i = 0; i < l.n; i++) {
		char db[PATH_MAX + 8];
		/* A profile the program has not opened yet: an empty database,
		 * as the program itself would create it. */
		char *create[] = { "modutil", "-create", "-dbdir", db, "-force", NULL };
		int rc;
		snprintf (db, sizeof db, "sql:%s", l.dirs[i]);
		if (profile_in_use (l.dirs[i]) && !o->force) {
			cli_error (_ ("Close it and run the command again (or add --force)."),
				   _ ("the profile %s is in use by %s"), l.dirs[i], program);
			rc = CLI_FAILED;
		} else {
			rc = nss_one (program, l.dirs[i], create, o);
		}
		if (rc != CLI_OK)
			status = rc;
	}
	free (l.dirs);
	if (status == CLI_OK && !o->unregister)
		printf (_ ("Restart %s. The token appears under Settings > Privacy & Security > "
			   "Security Devices as 'hkpost-p11'.\n"),
			program);
	return status;
}

/* ---- Chromium, Chrome, Edge, Brave -------------------------------------------------- */

/* Whether a program is Chromium or a browser built on it, by the name of
 * its executable (Debian's chromium, Google's chrome, Edge, Brave). */
static bool
chromium_executable (const char *exe)
{
	static const char *const names[] = { "chromium", "chrome", "msedge", "brave", NULL };
	const char *base = strrchr (exe, '/');
	base = base ? base + 1 : exe;
	for (int i = 0; names[i]; i++) {
		if (strcmp (base, names[i]) == 0)
			return true;
	}
	return false;
}

/* Whether process pid, of this user, runs with HOME set to home.  An
 * environment that cannot be read counts as a match: better to refuse. */
static bool
runs_with_home (const char *pid, const char *home)
{
	char path[64], env[65536];
	snprintf (path, sizeof path, "/proc/%s/environ", pid);
	FILE *f = fopen (path, "re");
	if (f == NULL)
		return true;
	size_t n = fread (env, 1, sizeof env - 1, f);
	fclose (f);
	env[n] = '\0';
	for (size_t i = 0; i < n; i += strlen (env + i) + 1) {
		if (strncmp (env + i, "HOME=", 5) == 0)
			return strcmp (env + i + 5, home) == 0;
	}
	return true;
}

/* The pid of a Chromium-family browser of this user that reads the same
 * ~/.pki/nssdb (same HOME), or 0.  Each loads its modules when it starts,
 * and writes the database itself. */
static long
chromium_running (const char *home)
{
	DIR *proc = opendir ("/proc");
	struct dirent *e;
	long found = 0;
	if (proc == NULL)
		return 0;
	while (found == 0 && (e = readdir (proc)) != NULL) {
		char path[300], exe[PATH_MAX];
		struct stat st;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf (path, sizeof path, "/proc/%s", e->d_name);
		if (stat (path, &st) != 0 || st.st_uid != getuid ())
			continue;
		snprintf (path, sizeof path, "/proc/%s/exe", e->d_name);
		ssize_t n = readlink (path, exe, sizeof exe - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		if (chromium_executable (exe) && runs_with_home (e->d_name, home))
			found = strtol (e->d_name, NULL, 10);
	}
	closedir (proc);
	return found;
}

static int
chromium_register (const reg_options *o)
{
	char pki[PATH_MAX], dir[PATH_MAX + 8], db[PATH_MAX + 16];
	const char *home = hkp11_home_dir ();

	if (!reg_on_path ("modutil") || !reg_on_path ("certutil")) {
		cli_error (_ ("Install it: apt-get install libnss3-tools"),
			   _ ("modutil and certutil, the NSS database tools, are not installed"));
		return CLI_SETUP;
	}
	if (home == NULL) {
		cli_error (_ ("Set HOME."), _ ("no home directory is known"));
		return CLI_SETUP;
	}
	/* Chromium's one database for every profile: HOME, not XDG. */
	snprintf (pki, sizeof pki, "%s/.pki", home);
	snprintf (dir, sizeof dir, "%s/nssdb", pki);
	snprintf (db, sizeof db, "sql:%s", dir);

	long pid = chromium_running (home);
	if (pid != 0 && !o->force) {
		cli_error (_ ("Close it and run the command again (or add --force): it reads the "
			      "security devices only when it starts."),
			   _ ("Chromium (or Chrome, Edge, Brave) is running (process %ld)"), pid);
		return CLI_FAILED;
	}
	if (o->unregister && !file_exists (dir, "cert9.db")) {
		printf (_ ("%s: no NSS database, nothing to undo.\n"), dir);
		return CLI_OK;
	}
	if (!o->unregister && !file_exists (dir, "cert9.db") &&
	    (!reg_make_dirs (pki, 0700) || !reg_make_dirs (dir, 0700))) {
		cli_error (NULL, _ ("cannot create %s: %s"), dir, strerror (errno));
		return CLI_FAILED;
	}
	/* As Chromium creates it on first start: no password of its own. */
	char *create[] = { "certutil", "-N", "-d", db, "--empty-password", NULL };
	int rc = nss_one ("chromium", dir, create, o);
	if (rc == CLI_OK && !o->unregister)
		printf (_ ("Restart Chromium. Chrome, Edge and Brave read the same database. The "
			   "e-Cert is offered to websites that ask for a certificate; the token "
			   "password is asked in Chromium's 'Unlock Security Device' window.\n"));
	return rc;
}

/* ---- files we write ------------------------------------------------------------ */

bool
reg_written_by_us (const char *path)
{
	char line[512];
	bool ours = false;
	FILE *f = fopen (path, "re");
	if (f == NULL)
		return false;
	while (!ours && fgets (line, sizeof line, f) != NULL)
		ours = strstr (line, "hkpost-p11") != NULL && line[0] == '#';
	fclose (f);
	return ours;
}

int
reg_remove_file (const reg_options *o, const char *path)
{
	if (access (path, F_OK) != 0) {
		printf (_ ("%s does not exist: nothing to undo.\n"), path);
		return CLI_OK;
	}
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

bool
reg_may_replace (const reg_options *o, const char *path)
{
	if (access (path, F_OK) == 0 && !o->force && !reg_written_by_us (path)) {
		cli_error (_ ("Check it, then add --force to replace it."),
			   _ ("%s exists and was not written by hkpost-p11 register"), path);
		return false;
	}
	return true;
}

bool
reg_make_dirs (const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	hkp11_strlcpy (buf, path, sizeof buf);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir (buf, mode) != 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	return mkdir (buf, mode) == 0 || errno == EEXIST;
}

bool
reg_write_file (const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX + 16];
	snprintf (tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid ());
	int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return false;
	size_t len = strlen (text);
	bool ok = write (fd, text, len) == (ssize_t)len;
	ok = close (fd) == 0 && ok;
	if (ok)
		ok = rename (tmp, path) == 0;
	if (!ok)
		unlink (tmp);
	return ok;
}

/* ---- p11-kit ---------------------------------------------------------------------- */

static int
p11kit_register (const reg_options *o)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], text[PATH_MAX + 256];
	char system_file[PATH_MAX];
	snprintf (system_file, sizeof system_file, "%s/hkpost-p11.module", P11KIT_CONFIG_DIR);

	if (o->system) {
		hkp11_strlcpy (dir, P11KIT_CONFIG_DIR, sizeof dir);
	} else {
		if (geteuid () == 0) {
			printf (_ ("p11-kit reads no user configuration for root (so that a user's "
				   "files "
				   "cannot change what root loads).\n"));
			if (access (system_file, F_OK) == 0)
				printf (_ ("hkpost-p11 is registered for every user, root "
					   "included, in %s.\n"),
					system_file);
			else
				printf (_ ("Register it for every user, root included, with "
					   "'hkpost-p11 "
					   "register p11-kit --system' (it writes %s), or run this "
					   "command as the user who uses the token.\n"),
					system_file);
			return CLI_OK;
		}
		if (!hkp11_xdg_config_path ("pkcs11/modules", dir, sizeof dir)) {
			cli_error (_ ("Set HOME."), _ ("no home directory is known"));
			return CLI_SETUP;
		}
	}
	snprintf (path, sizeof path, "%s/hkpost-p11.module", dir);

	if (o->unregister)
		return reg_remove_file (o, path);
	if (!reg_may_replace (o, path))
		return CLI_FAILED;
	if (!reg_make_dirs (dir, 0755)) {
		cli_error (NULL, _ ("cannot create %s: %s"), dir, strerror (errno));
		return CLI_FAILED;
	}
	snprintf (text, sizeof text,
		  "# Written by hkpost-p11 register p11-kit (pkcs11.conf(5)).\n"
		  "# p11-kit loads hkpost-p11; hkpost-p11 loads the token vendor's library.\n"
		  "module: %s\n",
		  o->module);
	if (!reg_write_file (path, text, 0644)) {
		cli_error (NULL, _ ("cannot write %s: %s"), path, strerror (errno));
		return CLI_FAILED;
	}
	printf (_ ("Wrote %s.\n"), path);
	printf (_ ("Programs that load modules through p11-kit (GnuTLS, p11tool, p11-kit-proxy) "
		   "now see the token: check with 'p11-kit list-modules'.\n"));
	if (!o->system && access (system_file, F_OK) == 0)
		printf (_ ("(%s registers it for every user already; this file takes its place "
			   "for you.)\n"),
			system_file);
	return CLI_OK;
}

/* ---- ssh ---------------------------------------------------------------------------- */

static char *
read_all (const char *path, bool *missing)
{
	char *buf = NULL;
	size_t len = 0;
	*missing = false;
	FILE *f = fopen (path, "re");
	if (f == NULL) {
		*missing = errno == ENOENT;
		return *missing ? strdup ("") : NULL;
	}
	FILE *mem = open_memstream (&buf, &len);
	char chunk[4096];
	size_t got;
	while (mem != NULL && (got = fread (chunk, 1, sizeof chunk, f)) > 0)
		fwrite (chunk, 1, got, mem);
	fclose (f);
	if (mem == NULL || fclose (mem) != 0) {
		free (buf);
		return NULL;
	}
	return buf;
}

static void
ssh_agent_note (const char *module)
{
	if (strncmp (module, "/usr/lib", 8) != 0 && strncmp (module, "/usr/local/lib", 14) != 0)
		printf (_ ("Note: ssh-agent loads modules only from /usr/lib*/ and "
			   "/usr/local/lib*/; "
			   "start it with -P '%s' to use this one.\n"),
			module);
}

static int
ssh_register (const reg_options *o)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], line[PATH_MAX + 32];
	snprintf (line, sizeof line, "PKCS11Provider %s", o->module);

	if (o->print) {
		printf ("%s\n", line);
		printf (_ ("Put it at the top of ~/.ssh/config (before any Host line) for every "
			   "host, "
			   "or under a Host line for some. 'ssh-keygen -D %s' prints the public "
			   "key to give to a server.\n"),
			o->module);
		ssh_agent_note (o->module);
		return CLI_OK;
	}

	const char *home = hkp11_home_dir ();
	if (home == NULL) {
		cli_error (_ ("Set HOME, or use --print and edit the file yourself."),
			   _ ("no home directory is known"));
		return CLI_SETUP;
	}
	snprintf (dir, sizeof dir, "%s/.ssh", home);
	snprintf (path, sizeof path, "%s/config", dir);
	bool missing;
	char *old = read_all (path, &missing);
	if (old == NULL) {
		cli_error (NULL, _ ("cannot read %s: %s"), path, strerror (errno));
		return CLI_FAILED;
	}

	/* Our lines: the marker and the line after it. */
	char *mark = strstr (old, MARK "\n");
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream (&text, &len);
	if (mem == NULL) {
		free (old);
		return CLI_FAILED;
	}
	if (o->unregister) {
		if (mark == NULL) {
			printf (_ ("%s holds no line of hkpost-p11: nothing to undo.\n"), path);
			fclose (mem);
			free (text);
			free (old);
			return CLI_OK;
		}
		char *after = strchr (mark + strlen (MARK) + 1, '\n');
		fwrite (old, 1, (size_t)(mark - old), mem);
		fputs (after ? after + 1 : "", mem);
	} else {
		if (mark != NULL) {
			char *after = strchr (mark + strlen (MARK) + 1, '\n');
			size_t ours = (size_t)((after ? after + 1 : mark + strlen (mark)) - mark);
			memmove (mark, mark + ours, strlen (mark + ours) + 1);
		}
		if (strstr (old, "PKCS11Provider") != NULL ||
		    strstr (old, "pkcs11provider") != NULL)
			cli_warning (
				_ ("%s names another PKCS11Provider too; ssh uses the first one it "
				   "reads, which is the line added at the top"),
				path);
		fprintf (mem, "%s\n%s\n", MARK, line);
		fputs (old, mem);
	}
	free (old);
	if (fclose (mem) != 0) {
		free (text);
		return CLI_FAILED;
	}

	struct stat st;
	mode_t mode = stat (path, &st) == 0 ? (st.st_mode & 0777) : 0600;
	if (!reg_make_dirs (dir, 0700) || !reg_write_file (path, text, mode)) {
		cli_error (_ ("Use --print and add the line yourself."), _ ("cannot write %s: %s"),
			   path, strerror (errno));
		free (text);
		return CLI_FAILED;
	}
	free (text);
	if (o->unregister) {
		printf (_ ("Removed the PKCS11Provider line of hkpost-p11 from %s.\n"), path);
	} else {
		printf (_ ("Added '%s' at the top of %s.\n"), line, path);
		printf (_ ("ssh now offers the e-Cert's key; 'ssh-keygen -D %s' prints the public "
			   "key "
			   "to give to a server.\n"),
			o->module);
		ssh_agent_note (o->module);
	}
	return CLI_OK;
}

/* ---- entry ------------------------------------------------------------------------- */

static int
register_main (const cli_globals *g, int argc, char **argv, bool unregister)
{
	reg_options o = { .unregister = unregister };
	const char *program = NULL;
	cli_module m;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--force") == 0)
			o.force = true;
		else if (strcmp (argv[i], "--print") == 0)
			o.print = true;
		else if (strcmp (argv[i], "--system") == 0)
			o.system = true;
		else if (strcmp (argv[i], "--profile") == 0 && i + 1 < argc)
			o.profile = argv[++i];
		else if (argv[i][0] != '-' && program == NULL)
			program = argv[i];
		else {
			cli_error (_ ("Run 'hkpost-p11 register --help'."),
				   _ ("unknown argument '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}
	if (program == NULL)
		return usage (cli_err, CLI_USAGE);
	/* The monitor finds the module itself. */
	if (strcmp (program, "desktop") == 0)
		return reg_desktop (&o);

	cli_module_locate (&m, g->module_option);
	if (realpath (m.path, o.module) == NULL) {
		if (!unregister) {
			cli_error (
				_ ("Install hkpost-p11 ('make install'), or name the module with "
				   "--module PATH."),
				_ ("the module %s does not exist"), m.path);
			return CLI_SETUP;
		}
		hkp11_strlcpy (o.module, m.path, sizeof o.module);
	}

	if (nss_program (program))
		return nss_register (program, &o);
	if (strcmp (program, "chromium") == 0)
		return chromium_register (&o);
	if (strcmp (program, "java") == 0)
		return reg_java (&o);
	if (strcmp (program, "p11-kit") == 0)
		return p11kit_register (&o);
	if (strcmp (program, "ssh") == 0)
		return ssh_register (&o);
	cli_error (_ ("The programs are: firefox, thunderbird, chromium, p11-kit, ssh, java, "
		      "desktop."),
		   _ ("cannot register with '%s'"), program);
	return CLI_USAGE;
}

int
cli_register_main (const cli_globals *g, int argc, char **argv)
{
	return register_main (g, argc, argv, false);
}

int
cli_unregister_main (const cli_globals *g, int argc, char **argv)
{
	return register_main (g, argc, argv, true);
}
