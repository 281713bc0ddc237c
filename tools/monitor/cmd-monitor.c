/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 monitor: runs in the holder's desktop session, in the
 * foreground, and tells through desktop notifications what the module
 * records (see monitor.h for where the news comes from).
 *
 * The main loop (GLib's) does all the work on one thread: a change seen by
 * inotify or a slot event schedules a look a moment later (so that a state
 * file and the audit records of one try are read together), which reads
 * the audit records appended since and the tokens, and tells what changed.
 * A timer looks at the e-Certs' expiry every hour, so that a day's
 * threshold is told on the day even across a suspend.
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <glib-unix.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* From a change to the look: the records of one try come together. */
#define SETTLE_MS 100
/* Between looks while a warning waits for the record naming its program. */
#define AGAIN_MS 150
/* Polling, where the token library cannot wait for slot events and for
 * directories that do not exist yet. */
#define POLL_SECONDS 2
#define EXPIRY_CHECK_SECONDS 3600
#define EXPIRY_FILE "monitor-expiry"

typedef struct {
	cli_settings settings;
	cli_module module;
	mon_notifier *notifier;
	mon_expiry *expiry;
	mon_tokens *tokens;
	mon_watch *watch;
	mon_slots *slots;
	mon_audit_feed feed;
	bool have_audit;
	GMainLoop *loop;
	guint look_source;
	int exit_status;
	char last_expiry_day[16];
} monitor;

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 monitor\n"
		    "\n"
		    "Runs in your desktop session and tells you, in desktop notifications:\n"
		    "  - when a wrong password leaves lockout-warn tries or fewer on a token,\n"
		    "    in any program;\n"
		    "  - when hkpost-p11 holds back the last tries, and when it refuses a\n"
		    "    program a login (with the command that releases it);\n"
		    "  - when a token is locked, and what to do;\n"
		    "  - when an e-Cert expires within 60, 30, 7 or 1 days, or has expired;\n"
		    "  - with monitor-token-events: yes, when a token is inserted or removed.\n"
		    "It runs until the session ends.  'hkpost-p11 register desktop' starts it\n"
		    "with each desktop session.\n"
		    "\n"
		    "Exit status: 0 the session ended; 2 no session bus or no notification\n"
		    "server, or the module cannot start.\n"));
	return status;
}

/* ---- the look ----------------------------------------------------------------------- */

static long
number (const char *text)
{
	if (text == NULL)
		return -1;
	char *end;
	long v = strtol (text, &end, 10);
	return end == text ? -1 : v;
}

static bool
counted_call (const char *event)
{
	return strcmp (event, "C_Login") == 0 || strcmp (event, "C_LoginUser") == 0 ||
	       strcmp (event, "C_SetPIN") == 0;
}

static void
on_record (const cli_record *r, void *data)
{
	monitor *m = data;
	const char *event = cli_record_field (r, EVENT);
	const char *result = cli_record_field (r, RESULT);
	const char *token = cli_record_field (r, TOKEN);
	const char *program = cli_record_field (r, PROGRAM);
	long pid = number (cli_record_field (r, PID));

	if (event == NULL || token == NULL || program == NULL)
		return;
	/* The monitor's own module writes no records (audit: off), but the
	 * tool run by the holder does: it names itself. */
	if (counted_call (event) && result != NULL && strcmp (result, "CKR_PIN_INCORRECT") == 0)
		mon_tokens_wrong_password (m->tokens, token, program, pid);
	else if (strcmp (event, "lockout-guard") == 0 && result != NULL &&
		 strcmp (result, "CKR_PIN_LOCKED") == 0)
		mon_tokens_refused (m->tokens, token, program, pid,
				    number (cli_record_field (r, TRIES_LEFT)));
}

static gboolean
look (gpointer data)
{
	monitor *m = data;
	m->look_source = 0;
	if (m->have_audit)
		mon_audit_feed_read (&m->feed, on_record, m);
	mon_tokens_scan (m->tokens);
	if (mon_tokens_look_again (m->tokens))
		m->look_source = g_timeout_add (AGAIN_MS, look, m);
	return G_SOURCE_REMOVE;
}

static void
look_soon (void *data)
{
	monitor *m = data;
	if (m->look_source == 0)
		m->look_source = g_timeout_add (SETTLE_MS, look, m);
}

static gboolean
poll_tick (gpointer data)
{
	monitor *m = data;
	bool changed = mon_watch_retry (m->watch);
	if (!mon_slots_waiting (m->slots) && mon_tokens_slots_changed (m->tokens))
		changed = true;
	if (changed)
		look_soon (m);
	return G_SOURCE_CONTINUE;
}

static void
today (char *buf, size_t len)
{
	time_t now = time (NULL);
	struct tm tm;
	strftime (buf, len, "%Y-%m-%d", localtime_r (&now, &tm));
}

static gboolean
expiry_tick (gpointer data)
{
	monitor *m = data;
	char day[16];
	today (day, sizeof day);
	/* Once a day: the thresholds are in days. */
	if (strcmp (day, m->last_expiry_day) != 0) {
		hkp11_strlcpy (m->last_expiry_day, day, sizeof m->last_expiry_day);
		mon_tokens_check_expiry (m->tokens);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
	monitor *m = data;
	g_main_loop_quit (m->loop);
	return G_SOURCE_CONTINUE;
}

static void
on_bus_closed (void *data)
{
	monitor *m = data;
	/* The session ended: so does the monitor, normally. */
	g_main_loop_quit (m->loop);
}

/* ---- start and end ---------------------------------------------------------------------- */

static void
watch_sources (monitor *m)
{
	char dir[PATH_MAX], audit[PATH_MAX];

	m->watch = mon_watch_new (look_soon, m);
	if (hkp11_lockout_state_dir (m->settings.lockout->state_dir, dir, sizeof dir)) {
		/* Made now, as the module would make it (0700), so that the
		 * first wrong password is seen as it happens. */
		if (g_mkdir_with_parents (dir, 0700) != 0)
			cli_warning (_ ("cannot make the state directory %s (%s): changes are "
					"found by polling every few seconds"),
				     dir, g_strerror (errno));
		mon_watch_add (m->watch, dir, NULL, ".state");
	}

	cli_settings_audit_file (&m->settings, audit, sizeof audit);
	m->have_audit = audit[0] != '\0';
	if (!m->have_audit) {
		cli_warning ("%s", mon_text_no_audit ());
		return;
	}
	mon_audit_feed_open (&m->feed, audit, m->settings.audit->format == HKP11_AUDIT_JSON);
	char *slash = strrchr (audit, '/');
	if (slash != NULL && slash != audit) {
		*slash = '\0';
		mon_watch_add (m->watch, audit, slash + 1, NULL);
	}
}

static void
expiry_memory (monitor *m)
{
	char dir[PATH_MAX], file[PATH_MAX + sizeof EXPIRY_FILE + 1];
	if (hkp11_lockout_state_dir (m->settings.lockout->state_dir, dir, sizeof dir))
		snprintf (file, sizeof file, "%s/%s", dir, EXPIRY_FILE);
	else
		file[0] = '\0';
	m->expiry = mon_expiry_new (file);
}

int
cli_monitor_main (const cli_globals *g, int argc, char **argv)
{
	monitor m;
	char why[2048], server[256];
	int status = CLI_OK;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		cli_error (_ ("Run 'hkpost-p11 monitor --help'."), _ ("unknown argument '%s'"),
			   argv[i]);
		return CLI_USAGE;
	}

	memset (&m, 0, sizeof m);
	/* The desktop first: without it there is nothing to do, and nothing
	 * of the token is touched. */
	m.notifier = mon_notifier_open (why, sizeof why);
	if (m.notifier == NULL) {
		cli_error (
			_ ("hkpost-p11 monitor runs in a desktop session. Programs that use the "
			   "token work as before without it; 'hkpost-p11 status' shows the tries "
			   "left."),
			_ ("cannot warn on the desktop: %s"), why);
		return CLI_SETUP;
	}
	if (!mon_notifier_server (m.notifier, server, sizeof server, why, sizeof why)) {
		cli_error (_ ("Programs that use the token work as before without it; 'hkpost-p11 "
			      "status' shows the tries left."),
			   _ ("cannot warn on the desktop: %s"), why);
		mon_notifier_close (m.notifier);
		return CLI_SETUP;
	}
	if (!mon_notifier_claim (m.notifier)) {
		printf (_ ("hkpost-p11 monitor runs in this session already.\n"));
		mon_notifier_close (m.notifier);
		return CLI_OK;
	}

	if (!cli_settings_load (&m.settings, why, sizeof why)) {
		cli_error (_ ("Fix the setting, then start the monitor again."), "%s", why);
		mon_notifier_close (m.notifier);
		return CLI_SETUP;
	}
	/* Its own looks are no news: its module records nothing, so that the
	 * audit log it follows holds only what programs of the holder did. */
	cli_module_locate (&m.module, g->module_option);
	status = cli_module_open (&m.module, "audit: off", false);
	if (status != CLI_OK) {
		cli_settings_free (&m.settings);
		mon_notifier_close (m.notifier);
		return status;
	}

	expiry_memory (&m);
	mon_context ctx = {
		.module = &m.module,
		.settings = &m.settings,
		.notifier = m.notifier,
		.expiry = m.expiry,
	};
	m.tokens = mon_tokens_new (&ctx);
	m.loop = g_main_loop_new (NULL, FALSE);
	watch_sources (&m);

	/* What stands now: few tries, a lock, e-Certs near expiry. */
	today (m.last_expiry_day, sizeof m.last_expiry_day);
	mon_tokens_slots_changed (m.tokens);
	mon_tokens_scan (m.tokens);
	m.slots = mon_slots_start (m.module.f, look_soon, &m);

	g_timeout_add_seconds (POLL_SECONDS, poll_tick, &m);
	g_timeout_add_seconds (EXPIRY_CHECK_SECONDS, expiry_tick, &m);
	g_unix_signal_add (SIGINT, on_signal, &m);
	g_unix_signal_add (SIGTERM, on_signal, &m);
	g_unix_signal_add (SIGHUP, on_signal, &m);
	mon_notifier_on_closed (m.notifier, on_bus_closed, &m);

	printf (P_ ("hkpost-p11 monitor: watching %zu token; notifications go to %s.\n",
		    "hkpost-p11 monitor: watching %zu tokens; notifications go to %s.\n",
		    mon_tokens_present (m.tokens)),
		mon_tokens_present (m.tokens), server);
	fflush (stdout);

	g_main_loop_run (m.loop);

	/* C_Finalize wakes the slot thread; it must know to end first. */
	mon_slots_stopping (m.slots);
	cli_module_close (&m.module);
	mon_slots_free (m.slots);
	mon_watch_free (m.watch);
	mon_tokens_free (m.tokens);
	mon_expiry_free (m.expiry);
	cli_settings_free (&m.settings);
	mon_notifier_close (m.notifier);
	g_main_loop_unref (m.loop);
	return m.exit_status;
}
