/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tokens as the monitor last saw them, and what changed since.
 *
 * Every scan reads the tokens through the module, as `hkpost-p11 status`
 * does (tools/token.c): tries left from the token's own counter or the
 * lockout layer's count, the guard's state, a lock.  What is told is
 * decided against what was told before, so that nothing is told twice:
 *
 *   - few tries left: each count at or below lockout-warn once, as it
 *     falls (a wrong password); a count that rises again (a right
 *     password) starts afresh;
 *   - the guard holding back the last tries: once, until it opens again;
 *   - a lock: once, until the token is unlocked (a new PIN by the SO);
 *   - a refusal by the guard: once per program run (process) and token;
 *   - a token inserted or removed: at each change (monitor-token-events).
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* How long the program that typed a wrong password is taken as the one
 * behind a fall in the count. */
#define WRONG_PROGRAM_SECONDS 10
/* How long a fall in the count may wait for the audit record that names
 * the program behind it: the count is written before the record (the
 * lockout layer sits below the audit layer, and over a smart card it asks
 * the card again in between), and a warning must still come within 2 s. */
#define ATTRIBUTION_WAIT_MS 800
#define MAX_REFUSED_PIDS 64

typedef struct {
	char key[sizeof ((hkp11_token_id *)0)->key];
	CK_SLOT_ID slot;
	char label[33], serial[17];
	bool present;
	bool tries_known, locked, counted_out;
	long left, max;
	cli_guard_state guard;
	long last_left;      /* LONG_MAX before the first reading */
	long told_left;      /* the fewest tries told in this run of wrong passwords */
	gint64 untold_since; /* monotonic µs: a fall waiting for its program, or 0 */
	bool told_guard, told_locked;
	char names[2048]; /* its e-Certs, "; " between them */
	long refused_pids[MAX_REFUSED_PIDS];
	size_t n_refused;
} mon_token;

typedef struct {
	char serial[17];
	char program[256];
	long pid;
	long left;
} refusal;

typedef struct {
	char serial[17];
	char program[256];
	gint64 when; /* monotonic, microseconds */
} wrong_password;

struct mon_tokens {
	mon_context ctx;
	mon_token *list;
	size_t n;
	bool scanned;
	refusal *refusals;
	size_t n_refusals;
	wrong_password wrong[8];
	size_t n_wrong;
	CK_SLOT_ID *slots; /* present at the last look */
	CK_ULONG n_slots;
	bool look_again; /* a fall waits for its program: look again soon */
};

mon_tokens *
mon_tokens_new (const mon_context *ctx)
{
	mon_tokens *t = g_new0 (mon_tokens, 1);
	t->ctx = *ctx;
	return t;
}

void
mon_tokens_free (mon_tokens *t)
{
	if (t == NULL)
		return;
	g_free (t->list);
	g_free (t->refusals);
	g_free (t->slots);
	g_free (t);
}

static void
facts_of (const mon_token *m, const mon_tokens *t, mon_token_facts *f)
{
	f->label = m->label;
	f->serial = m->serial;
	f->left = m->left;
	f->max = m->max;
	f->counted_out = m->counted_out;
	f->guard = t->ctx.settings->lockout->guard;
}

static void
send (mon_tokens *t, const mon_note *n)
{
	mon_notifier_send (t->ctx.notifier, n);
}

/* ---- news from the audit log ----------------------------------------------------- */

void
mon_tokens_wrong_password (mon_tokens *t, const char *serial, const char *program, long pid)
{
	(void)pid;
	size_t i = 0;
	for (; i < t->n_wrong; i++) {
		if (strcmp (t->wrong[i].serial, serial) == 0)
			break;
	}
	if (i == t->n_wrong) {
		if (t->n_wrong == G_N_ELEMENTS (t->wrong))
			i = 0; /* the oldest makes room */
		else
			t->n_wrong++;
	}
	hkp11_strlcpy (t->wrong[i].serial, serial, sizeof t->wrong[i].serial);
	hkp11_strlcpy (t->wrong[i].program, program, sizeof t->wrong[i].program);
	cli_sanitise (t->wrong[i].program);
	t->wrong[i].when = g_get_monotonic_time ();
}

static const char *
wrong_program (const mon_tokens *t, const char *serial)
{
	gint64 now = g_get_monotonic_time ();
	for (size_t i = 0; i < t->n_wrong; i++) {
		if (strcmp (t->wrong[i].serial, serial) == 0 &&
		    now - t->wrong[i].when < WRONG_PROGRAM_SECONDS * G_USEC_PER_SEC)
			return t->wrong[i].program;
	}
	return NULL;
}

void
mon_tokens_refused (mon_tokens *t, const char *serial, const char *program, long pid, long left)
{
	if (t->n_refusals >= 256)
		return; /* a flood: the first are told */
	t->refusals = g_renew (refusal, t->refusals, t->n_refusals + 1);
	refusal *r = &t->refusals[t->n_refusals++];
	hkp11_strlcpy (r->serial, serial, sizeof r->serial);
	hkp11_strlcpy (r->program, program, sizeof r->program);
	cli_sanitise (r->program);
	r->pid = pid;
	r->left = left;
}

/* ---- the e-Certs on a token -------------------------------------------------------- */

/* The e-Cert's friendly name in the session's language, as the labels
 * layer builds it by default. */
static void
ecert_name (const cli_cert *c, char *buf, size_t len)
{
	char label[HKP11_LABEL_SIZE];
	hkp11_label_language lang = mon_text_language ();
	if (hkp11_label_build (&c->info, hkp11_label_default_template (lang), lang, label,
			       sizeof label) == 0)
		hkp11_strlcpy (label, c->label, sizeof label);
	hkp11_strlcpy (buf, label, len);
	cli_sanitise (buf);
}

static bool
is_ecert (const cli_cert *c)
{
	return c->info.recognised && c->have_days;
}

/* Reads m's certificates: their names for m->names and, when expiry, each
 * e-Cert against the thresholds. */
static void
read_certs (mon_tokens *t, mon_token *m, bool expiry)
{
	cli_cert *certs = NULL;
	size_t n = 0;
	mon_token_facts facts;

	if (cli_certs_read (t->ctx.module->f, m->slot, &certs, &n) != CKR_OK)
		return;
	facts_of (m, t, &facts);
	m->names[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const cli_cert *c = &certs[i];
		char name[HKP11_LABEL_SIZE];
		if (!is_ecert (c))
			continue;
		ecert_name (c, name, sizeof name);
		if (m->names[0] != '\0')
			g_strlcat (m->names, "; ", sizeof m->names);
		g_strlcat (m->names, name, sizeof m->names);
		if (!expiry)
			continue;

		int stage = mon_expiry_stage (c->days_left);
		char *hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, c->der, c->der_len);
		char why[PATH_MAX + 256];
		if (hash != NULL && mon_expiry_news (t->ctx.expiry, hash, stage, why, sizeof why)) {
			mon_note note;
			mon_text_expiry (&note, &facts, name, c->info.expiry, c->days_left);
			send (t, &note);
		}
		if (hash != NULL && why[0] != '\0')
			cli_warning ("%s", why);
		g_free (hash);
	}
	cli_certs_free (certs, n);
}

void
mon_tokens_check_expiry (mon_tokens *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->list[i].present)
			read_certs (t, &t->list[i], true);
	}
}

/* ---- a scan ------------------------------------------------------------------------ */

static mon_token *
find_key (mon_tokens *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp (t->list[i].key, key) == 0)
			return &t->list[i];
	}
	return NULL;
}

static mon_token *
find_serial (mon_tokens *t, const char *serial)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp (t->list[i].serial, serial) == 0)
			return &t->list[i];
	}
	return NULL;
}

static mon_token *
add_token (mon_tokens *t, const char *key)
{
	t->list = g_renew (mon_token, t->list, t->n + 1);
	mon_token *m = &t->list[t->n++];
	memset (m, 0, sizeof *m);
	hkp11_strlcpy (m->key, key, sizeof m->key);
	m->last_left = LONG_MAX;
	m->told_left = LONG_MAX;
	return m;
}

/* A count that rose (a right password, a new PIN): a new story. */
static void
start_afresh (mon_token *m)
{
	m->told_left = LONG_MAX;
	m->untold_since = 0;
	m->told_guard = false;
	m->told_locked = false;
	m->n_refused = 0;
}

static void
take_reading (mon_token *m, const cli_token *ct)
{
	m->slot = ct->slot;
	hkp11_strlcpy (m->label, ct->label, sizeof m->label);
	hkp11_strlcpy (m->serial, ct->serial, sizeof m->serial);
	m->tries_known = ct->tries_known;
	m->left = ct->left;
	m->max = ct->max;
	m->locked = ct->locked;
	m->counted_out = ct->counted_out;
	m->guard = ct->guard;
}

/* Whether a fall in the count has waited long enough for the audit record
 * that names its program; the first call starts the wait. */
static bool
waited_for_program (mon_token *m)
{
	gint64 now = g_get_monotonic_time ();
	if (m->untold_since == 0)
		m->untold_since = now;
	return now - m->untold_since >= ATTRIBUTION_WAIT_MS * (G_USEC_PER_SEC / 1000);
}

/* What the reading just taken means to the holder. */
static void
tell_tries (mon_tokens *t, mon_token *m)
{
	const hkp11_lockout_settings *lockout = t->ctx.settings->lockout;
	mon_token_facts facts;
	mon_note note;

	facts_of (m, t, &facts);
	if (m->tries_known) {
		if (m->last_left != LONG_MAX && m->left > m->last_left)
			start_afresh (m);
		m->last_left = m->left;
		if (!m->locked && m->left > 0 && lockout->warn > 0 &&
		    m->left <= (long)lockout->warn && m->left < m->max && m->left < m->told_left) {
			const char *program = wrong_program (t, m->serial);
			/* What stands at the first scan has no program to wait for;
			 * a later fall is told on a later look, in order with what
			 * follows. */
			if (program == NULL && t->scanned && !waited_for_program (m)) {
				t->look_again = true;
				return;
			}
			mon_text_tries_low (&note, &facts, program);
			send (t, &note);
			m->told_left = m->left;
			m->untold_since = 0;
		}
	}

	if (m->guard == CLI_GUARD_HOLDS && !m->told_guard) {
		mon_text_guard_holds (&note, &facts);
		send (t, &note);
		m->told_guard = true;
	} else if (m->guard == CLI_GUARD_OPEN) {
		m->told_guard = false;
	}

	bool locked = m->locked || m->guard == CLI_GUARD_LOCKED;
	if (locked && !m->told_locked) {
		mon_text_locked (&note, &facts);
		send (t, &note);
		m->told_locked = true;
	} else if (!locked) {
		m->told_locked = false;
	}
}

static void
tell_refusals (mon_tokens *t)
{
	for (size_t i = 0; i < t->n_refusals; i++) {
		const refusal *r = &t->refusals[i];
		mon_token *m = find_serial (t, r->serial);
		mon_token_facts facts;
		mon_note note;
		if (m == NULL)
			continue; /* a token this monitor never saw: not the holder's */
		bool told = false;
		for (size_t k = 0; k < m->n_refused; k++)
			told = told || m->refused_pids[k] == r->pid;
		if (told)
			continue;
		if (m->n_refused < MAX_REFUSED_PIDS)
			m->refused_pids[m->n_refused++] = r->pid;
		facts_of (m, t, &facts);
		mon_text_guard_refused (&note, &facts, r->program, r->pid, r->left);
		send (t, &note);
	}
	t->n_refusals = 0;
}

void
mon_tokens_scan (mon_tokens *t)
{
	cli_token *list = NULL;
	size_t n = 0;
	bool token_events = t->ctx.settings->monitor->token_events;

	if (cli_tokens_list (t->ctx.module, t->ctx.settings, &list, &n) != CLI_OK)
		return;
	bool *seen = g_new0 (bool, t->n + n);
	for (size_t i = 0; i < n; i++) {
		const cli_token *ct = &list[i];
		if (!ct->present || !ct->initialized)
			continue;
		mon_token *m = find_key (t, ct->id.key);
		if (m == NULL)
			m = add_token (t, ct->id.key);
		seen[m - t->list] = true;
		take_reading (m, ct);
		if (!m->present) {
			m->present = true;
			/* Its e-Certs: their names, and expiry once it comes. */
			read_certs (t, m, true);
			if (t->scanned && token_events) {
				mon_token_facts facts;
				mon_note note;
				facts_of (m, t, &facts);
				mon_text_token_inserted (&note, &facts, m->names);
				send (t, &note);
			}
		}
		tell_tries (t, m);
	}
	for (size_t i = 0; i < t->n; i++) {
		mon_token *m = &t->list[i];
		if (!m->present || seen[i])
			continue;
		m->present = false;
		if (token_events) {
			mon_token_facts facts;
			mon_note note;
			facts_of (m, t, &facts);
			mon_text_token_removed (&note, &facts, m->names);
			send (t, &note);
		}
	}
	g_free (seen);
	free (list);
	tell_refusals (t);
	t->scanned = true;
}

bool
mon_tokens_look_again (mon_tokens *t)
{
	bool again = t->look_again;
	t->look_again = false;
	return again;
}

bool
mon_tokens_slots_changed (mon_tokens *t)
{
	CK_FUNCTION_LIST_3_0 *f = t->ctx.module->f;
	CK_ULONG count = 0;
	CK_SLOT_ID *slots = NULL;

	if (f->C_GetSlotList (CK_TRUE, NULL, &count) != CKR_OK)
		return false;
	if (count > 0) {
		slots = g_new0 (CK_SLOT_ID, count);
		if (f->C_GetSlotList (CK_TRUE, slots, &count) != CKR_OK) {
			g_free (slots);
			return false;
		}
	}
	bool changed = count != t->n_slots ||
		       (count > 0 && memcmp (slots, t->slots, count * sizeof *slots) != 0);
	g_free (t->slots);
	t->slots = slots;
	t->n_slots = count;
	return changed;
}

size_t
mon_tokens_present (const mon_tokens *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->list[i].present;
	return n;
}
