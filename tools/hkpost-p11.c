/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11: see the token's state, view the e-Cert, change the token
 * password, and set up the programs that use the token.
 *
 *   hkpost-p11 [--module PATH] [--verbose] COMMAND [ARGS]
 *
 * This file holds the entry, the messages and the locale; each command
 * lives in a file of its own.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/text.h"
#include "base/compat.h"

#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

FILE *cli_err;
bool cli_verbose;

/* Whether this program is the one in the build tree, so that it finds the
 * module and the translations built beside it. */
bool cli_in_build_tree (void);

bool
cli_in_build_tree (void)
{
#if defined(CLI_BUILDDIR) && defined(__linux__)
	char self[PATH_MAX], here[PATH_MAX];
	ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	if (realpath (CLI_BUILDDIR "/tools/hkpost-p11", here) == NULL)
		return false;
	return strcmp (self, here) == 0;
#else
	return false;
#endif
}

static void
vmessage (const char *what, const char *fmt, va_list ap)
{
	fprintf (cli_err, "hkpost-p11: %s", what);
	vfprintf (cli_err, fmt, ap);
	fputc ('\n', cli_err);
}

void
cli_error (const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	/* TRANSLATORS: the prefix of an error message. */
	vmessage (_ ("error: "), fmt, ap);
	va_end (ap);
	if (fix != NULL && fix[0] != '\0')
		fprintf (cli_err, "  %s\n", fix);
	fflush (cli_err);
}

void
cli_warning (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	/* TRANSLATORS: the prefix of a warning. */
	vmessage (_ ("warning: "), fmt, ap);
	va_end (ap);
	fflush (cli_err);
}

/* Columns a string takes on a terminal; bytes when the locale cannot say. */
static int
display_width (const char *s)
{
	wchar_t wide[256];
	size_t n = mbstowcs (wide, s, sizeof wide / sizeof wide[0] - 1);
	if (n == (size_t)-1)
		return (int)strlen (s);
	wide[n] = L'\0';
	int w = wcswidth (wide, n);
	return w < 0 ? (int)strlen (s) : w;
}

void
cli_field (FILE *out, int indent, int width, const char *label, const char *fmt, ...)
{
	va_list ap;
	int w = display_width (label);
	fprintf (out, "%*s%s", indent, "", label);
	fprintf (out, "%*s", w < width ? width - w : 1, "");
	/* Values quote paths, labels and names others chose: made safe here,
	 * whatever the caller did. */
	va_start (ap, fmt);
	char *value = NULL;
	int n = vasprintf (&value, fmt, ap);
	va_end (ap);
	if (n >= 0)
		fputs (cli_sanitise (value), out);
	free (value);
	fputc ('\n', out);
}

char *
cli_sanitise (char *text)
{
	/* '?' for a byte that is no UTF-8 (0x9b is CSI on a terminal that is
	 * not in UTF-8 mode) and a character that is no text. */
	size_t len = strlen (text);
	hkp11_text_sanitise (text, len, text, len + 1, &hkp11_sanitise_terminal);
	return text;
}

bool
cli_is_help (const char *arg)
{
	return strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0;
}

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 [--module PATH] [--verbose] COMMAND [ARGUMENTS]\n"
		    "\n"
		    "See the e-Cert token's state, view the e-Cert, change the token password,\n"
		    "and set up the programs that use the token.\n"
		    "\n"
		    "Commands:\n"
		    "  status                 the configuration, the token library, each token\n"
		    "                         with its tries left, and what to fix\n"
		    "  show [LABEL | --all]   the e-Cert(s) on the token\n"
		    "  change-pin             change the token password\n"
		    "  check-pin              check a password against the policy (no token "
		    "needed)\n"
		    "  guard release          let the last try through, on purpose\n"
		    "  audit verify [FILE]    check that the audit log was not edited\n"
		    "  audit show [FILE]      read the audit log\n"
		    "  register PROGRAM       set up firefox, thunderbird, chromium, p11-kit,\n"
		    "                         ssh, java or desktop (the monitor)\n"
		    "  unregister PROGRAM     undo it\n"
		    "  monitor                warnings on the desktop: tries left, the guard,\n"
		    "                         a locked token, an e-Cert that expires soon\n"
		    "\n"
		    "Options:\n"
		    "  --module PATH   the hkpost-p11 module to load (default: %s)\n"
		    "  --verbose, -v   also show what the module itself reports\n"
		    "  --help          this help; COMMAND --help tells about a command\n"
		    "  --version       the version\n"
		    "\n"
		    "The manual page hkpost-p11(1) lists the exit statuses.\n"),
		 MODULEDIR "/hkpost-p11." SHLEXT);
	return status;
}

static const char *
locale_dir (void)
{
	static char dir[PATH_MAX];
	const char *env = hkp11_getenv ("HKPOST_P11_LOCALEDIR");
	if (env != NULL && env[0] != '\0')
		return env;
#ifdef CLI_BUILDDIR
	if (cli_in_build_tree ()) {
		snprintf (dir, sizeof dir, "%s/po/locale", CLI_BUILDDIR);
		return dir;
	}
#endif
	(void)dir;
	return LOCALEDIR;
}

int
main (int argc, char **argv)
{
	cli_globals g = { 0 };
	int i = 1;

	setlocale (LC_ALL, "");
#ifdef HAVE_LIBINTL_H
	bindtextdomain (PACKAGE, locale_dir ());
	bind_textdomain_codeset (PACKAGE, "UTF-8");
	textdomain (PACKAGE);
#else
	(void)locale_dir;
#endif

	/* Our own stream for stderr: while the module is loaded, file
	 * descriptor 2 collects the module's messages instead. */
	int fd = dup (STDERR_FILENO);
	cli_err = fd >= 0 ? fdopen (fd, "w") : NULL;
	if (cli_err == NULL)
		cli_err = stderr;
	setvbuf (cli_err, NULL, _IOLBF, 0);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp (argv[i], "--module") == 0 && i + 1 < argc) {
			g.module_option = argv[++i];
		} else if (strncmp (argv[i], "--module=", 9) == 0) {
			g.module_option = argv[i] + 9;
		} else if (strcmp (argv[i], "--verbose") == 0 || strcmp (argv[i], "-v") == 0) {
			cli_verbose = true;
		} else if (cli_is_help (argv[i])) {
			return usage (stdout, CLI_OK);
		} else if (strcmp (argv[i], "--version") == 0) {
			printf ("hkpost-p11 %s\n", PACKAGE_VERSION);
			return CLI_OK;
		} else {
			cli_error (_ ("Run 'hkpost-p11 --help' for the commands and options."),
				   _ ("unknown option '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}
	if (i >= argc)
		return usage (cli_err, CLI_USAGE);

	static const struct {
		const char *name;
		int (*main) (const cli_globals *, int, char **);
	} commands[] = {
		{ "status", cli_status_main },         { "show", cli_show_main },
		{ "change-pin", cli_change_pin_main }, { "check-pin", cli_check_pin_main },
		{ "guard", cli_guard_main },           { "audit", cli_audit_main },
		{ "register", cli_register_main },     { "unregister", cli_unregister_main },
		{ "monitor", cli_monitor_main },
	};
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
		if (strcmp (argv[i], commands[c].name) == 0)
			return commands[c].main (&g, argc - i, argv + i);
	}
	if (strcmp (argv[i], "help") == 0)
		return usage (stdout, CLI_OK);
	cli_error (_ ("Run 'hkpost-p11 --help' for the commands."), _ ("unknown command '%s'"),
		   argv[i]);
	return CLI_USAGE;
}
