/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 monitor: warnings that reach the holder on the desktop.
 *
 * The monitor runs in the holder's desktop session and tells, through
 * desktop notifications (the freedesktop Notifications specification on the
 * session bus, with GLib's GDBus), when tries run low after a wrong
 * password, when the guard holds back the last try or refuses a program,
 * when a token is locked, when an e-Cert expires soon, and (a setting) when
 * a token comes and goes.
 *
 * It needs nothing new from the module.  The news comes from what the
 * module already records, watched with inotify: the lockout state files
 * (one per token, replaced on every try) and the audit log (which program,
 * which refusal).  The token itself is read through the module in the
 * monitor's own process, as `hkpost-p11 status` reads it, and a thread of
 * the monitor waits in C_WaitForSlotEvent for tokens to come and go.  The
 * module starts no thread and blocks no application on the desktop.
 *
 * Each concern has its file:
 *   cmd-monitor.c   the command: the session bus, the main loop, what
 *                   happens on each change
 *   notifier.c      Notify on the session bus
 *   watch-files.c   inotify on the state directory and the audit log's
 *   watch-slots.c   the thread in C_WaitForSlotEvent, or polling
 *   audit-feed.c    the audit records written since the last look
 *   tokens.c        the tokens as they stand, and what changed
 *   expiry.c        e-Cert expiry thresholds and their memory
 *   texts.c         every notification's words (gettext: English, zh_HK)
 */
#ifndef HKP11_MONITOR_H
#define HKP11_MONITOR_H

#include "hkpost-p11.h"
#include "audit-record.h"
#include "certs.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- one notification --------------------------------------------------------- */

/* The specification's urgency levels (the "urgency" hint, a byte). */
typedef enum {
	MON_URGENCY_LOW = 0,
	MON_URGENCY_NORMAL = 1,
	MON_URGENCY_CRITICAL = 2,
} mon_urgency;

typedef struct {
	/* What happened, for the x-hkpost-p11-event hint and the log:
	 * "tries-low", "guard-holds", "guard-refused", "locked", "expiry",
	 * "token-inserted", "token-removed". */
	const char *event;
	mon_urgency urgency;
	const char *icon;     /* an icon name of the freedesktop icon theme */
	const char *category; /* the specification's category, or NULL */
	char summary[512];
	char body[4096];
	/* Hints beside the text, so that a program can tell without reading
	 * it: the token's label and serial, the tries left (-1: not about
	 * tries), the days left of an e-Cert, the program refused. */
	char token[33];
	char serial[17];
	long tries_left;
	bool has_days;
	long days_left;
	char program[256];
} mon_note;

/* ---- the session bus (notifier.c) ----------------------------------------------- */

typedef struct mon_notifier mon_notifier;

/* Connects to the session bus.  NULL when there is none, with why: an ssh
 * session, a root shell, a server or CI without a desktop. */
mon_notifier *mon_notifier_open (char *why, size_t why_len);

/* Asks the notification server who it is (GetServerInformation); false
 * with why when none answers. */
bool mon_notifier_server (mon_notifier *n, char *name, size_t name_len, char *why, size_t why_len);

/* Claims the monitor's bus name: false when another monitor of this
 * session holds it. */
bool mon_notifier_claim (mon_notifier *n);

/* Sends the notification (Notify, without waiting for the answer); also
 * logs one line on stdout.  A failure is reported on stderr. */
void mon_notifier_send (mon_notifier *n, const mon_note *note);

/* Called on the main loop when the bus goes away (the session ended). */
void mon_notifier_on_closed (mon_notifier *n, void (*closed) (void *data), void *data);

/* Waits until what was sent has left, and disconnects.  NULL-safe. */
void mon_notifier_close (mon_notifier *n);

/* ---- inotify (watch-files.c) --------------------------------------------------------- */

typedef struct mon_watch mon_watch;

/* Calls changed on the main loop when a watched file changes. */
mon_watch *mon_watch_new (void (*changed) (void *data), void *data);

/* Watches the files of dir whose name is name (NULL: any) or ends in
 * suffix (NULL: any).  A directory that does not exist yet is watched
 * from when it does (see mon_watch_retry). */
void mon_watch_add (mon_watch *w, const char *dir, const char *name, const char *suffix);

/* Adds the watches of directories that appeared since; true when one was
 * added (something may have changed unseen). */
bool mon_watch_retry (mon_watch *w);

void mon_watch_free (mon_watch *w);

/* ---- slot events (watch-slots.c) ----------------------------------------------------- */

typedef struct mon_slots mon_slots;

/* A thread that waits in C_WaitForSlotEvent and calls event on the main
 * loop for each slot event.  When the token library cannot wait
 * (CKR_FUNCTION_NOT_SUPPORTED, SoftHSM), the thread ends and
 * mon_slots_waiting says false: the caller polls instead. */
mon_slots *mon_slots_start (CK_FUNCTION_LIST_3_0 *f, void (*event) (void *data), void *data);

bool mon_slots_waiting (mon_slots *s);

/* Tells the thread to end; C_Finalize then wakes it.  Call before it. */
void mon_slots_stopping (mon_slots *s);

/* Joins the thread (after C_Finalize) and frees.  NULL-safe. */
void mon_slots_free (mon_slots *s);

/* ---- the audit log (audit-feed.c) ---------------------------------------------------- */

typedef struct {
	char path[PATH_MAX];
	bool json;
	dev_t dev;
	ino_t ino;
	off_t offset;
	bool known; /* dev, ino and offset are of a file seen */
} mon_audit_feed;

/* Follows the log at path from its present end: what was recorded before
 * the monitor started is history, not news. */
void mon_audit_feed_open (mon_audit_feed *feed, const char *path, bool json);

/* Calls record for each whole record appended since the last call.  A log
 * rotated away (a new file at the path) or cut short is read from its
 * start. */
void mon_audit_feed_read (mon_audit_feed *feed, void (*record) (const cli_record *r, void *data),
			  void *data);

/* ---- e-Cert expiry (expiry.c) -------------------------------------------------------- */

/* The thresholds, in days before expiry; an expired e-Cert is one more
 * stage after the last. */
#define MON_EXPIRY_STAGES 5
extern const long mon_expiry_days[MON_EXPIRY_STAGES - 1];

/* The stage an e-Cert with days_left is at: 0 none (more than 60 days),
 * 1 to 4 the thresholds 60, 30, 7 and 1, 5 expired (days_left < 0). */
int mon_expiry_stage (long days_left);

typedef struct mon_expiry mon_expiry;

/* The memory of warnings given, in file (in the state directory), so that
 * no threshold is told twice, also across restarts. */
mon_expiry *mon_expiry_new (const char *file);

/* Whether stage is news for the certificate (named by the SHA-256 of its
 * DER, in hex); when it is, it is remembered.  When the file cannot be
 * written, memory lasts for this process and *why says so (once). */
bool mon_expiry_news (mon_expiry *e, const char *cert_sha256, int stage, char *why, size_t why_len);

void mon_expiry_free (mon_expiry *e);

/* ---- the words (texts.c) ------------------------------------------------------------- */

/* The language of e-Cert kind names in the texts, after the catalogue. */
hkp11_label_language mon_text_language (void);

/* The fields each text needs of a token. */
typedef struct {
	const char *label;
	const char *serial;
	long left, max;
	bool counted_out;
	unsigned int guard; /* tries held back (lockout-guard) */
} mon_token_facts;

void mon_text_tries_low (mon_note *n, const mon_token_facts *t, const char *program);
void mon_text_guard_holds (mon_note *n, const mon_token_facts *t);
void mon_text_guard_refused (mon_note *n, const mon_token_facts *t, const char *program, long pid,
			     long left);
void mon_text_locked (mon_note *n, const mon_token_facts *t);
/* name: the e-Cert's friendly name; date: YYYY-MM-DD. */
void mon_text_expiry (mon_note *n, const mon_token_facts *t, const char *name, const char *date,
		      long days_left);
/* names: the e-Certs on it, "; " between them ("" when none). */
void mon_text_token_inserted (mon_note *n, const mon_token_facts *t, const char *names);
void mon_text_token_removed (mon_note *n, const mon_token_facts *t, const char *names);

/* What the monitor cannot see without the audit log, for its start-up. */
const char *mon_text_no_audit (void);

/* ---- the tokens (tokens.c) ----------------------------------------------------------- */

typedef struct mon_tokens mon_tokens;

/* What the tokens' changes lead to, beyond the module and settings. */
typedef struct {
	cli_module *module;
	const cli_settings *settings;
	mon_notifier *notifier;
	mon_expiry *expiry;
} mon_context;

mon_tokens *mon_tokens_new (const mon_context *ctx);
void mon_tokens_free (mon_tokens *t);

/* A wrong password typed in program (pid) for the token with serial,
 * as the audit log tells: named in the next few-tries notification. */
void mon_tokens_wrong_password (mon_tokens *t, const char *serial, const char *program, long pid);

/* The guard refused program (pid) a login to the token with serial,
 * with left tries left: told once per program run. */
void mon_tokens_refused (mon_tokens *t, const char *serial, const char *program, long pid,
			 long left);

/*
 * Reads every token through the module and tells what changed since the
 * last scan: tries fallen to lockout-warn or fewer, the guard holding, a
 * lock, a token inserted or removed, the refusals recorded since.  The
 * first scan tells what already stands (few tries, a lock), not what came.
 */
void mon_tokens_scan (mon_tokens *t);

/* Whether the last scan left something to tell on a later look (a fall in
 * the count waiting for the audit record that names its program); asking
 * clears it. */
bool mon_tokens_look_again (mon_tokens *t);

/* The e-Certs of every present token against the expiry thresholds. */
void mon_tokens_check_expiry (mon_tokens *t);

/* Whether the set of present tokens differs from the last scan, asked
 * cheaply (slot list and slot flags only): for polling. */
bool mon_tokens_slots_changed (mon_tokens *t);

/* Tokens present at the last scan. */
size_t mon_tokens_present (const mon_tokens *t);

#endif
