/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 status: the configuration file read, the module and the token
 * library, each with its C_GetInfo, each token with its tries left, warning and guard, the
 * policy in force and the audit destination; and what is wrong, each with
 * its fix.  The exit status is that of the first problem (see the manual).
 */
#include "config.h"
#include "hkpost-p11.h"
#include "certs.h"
#include "base/compat.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROBLEMS 16

typedef struct {
	cli_status status;
	const char *code; /* for JSON */
	char text[1200];
	char fix[1200];
} problem;

typedef struct {
	problem p[MAX_PROBLEMS];
	size_t n;
} problems;

static void add_problem (problems *ps, cli_status status, const char *code, const char *fix,
			 const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static void
add_problem (problems *ps, cli_status status, const char *code, const char *fix, const char *fmt,
	     ...)
{
	va_list ap;
	if (ps->n >= MAX_PROBLEMS)
		return;
	problem *p = &ps->p[ps->n++];
	p->status = status;
	p->code = code;
	va_start (ap, fmt);
	vsnprintf (p->text, sizeof p->text, fmt, ap);
	va_end (ap);
	hkp11_strlcpy (p->fix, fix ? fix : "", sizeof p->fix);
}

static int
usage (FILE *out, int status)
{
	fprintf (out, _ ("Usage: hkpost-p11 status [--json]\n"
			 "\n"
			 "Shows the configuration file read, the token library the module loads,\n"
			 "each token with its tries left and the state of the lockout guard, the\n"
			 "password policy in force and where the audit log goes; and, when\n"
			 "something is wrong, what and how to fix it.\n"
			 "\n"
			 "  --json   the same as one JSON object, for scripts\n"
			 "\n"
			 "Exit status: 0 when all is well, else that of the first problem listed\n"
			 "(2 no token library or bad configuration, 3 no token, 6 locked token or\n"
			 "guard holding).\n"));
	return status;
}

/* Blank-padded CK_INFO text. */
static void
field (const CK_UTF8CHAR *f, size_t len, char *out, size_t out_len)
{
	hkp11_token_field (f, len, out, out_len);
	cli_sanitise (out);
}

typedef struct {
	cli_settings s;
	bool settings_ok;
	char settings_why[2048];
	cli_module m;
	cli_status module_status;
	char module_why[2048];
	cli_backend_choice backend;
	bool have_info, have_backend_info;
	CK_INFO info, backend_info;
	cli_token *tokens;
	size_t n_tokens;
	/* The certificates of each token, by the token's index. */
	cli_cert **certs;
	size_t *n_certs;
	char audit_file[4096];
	hkp11_pin_rules rules;
	char state_dir[4096];
	problems ps;
} status_data;

/* No library named and none at SafeNet's usual paths: the module then
 * starts with no slots, and this is why no token shows. */
static void
add_no_backend (status_data *d)
{
	add_problem (&d->ps, CLI_SETUP, "no-backend", cli_no_library_fix (),
		     _ ("no token library found (tried %s)"), d->backend.tried);
}

static void
collect (status_data *d, const cli_globals *g)
{
	char fix[1200];

	d->settings_ok = cli_settings_load (&d->s, d->settings_why, sizeof d->settings_why);
	if (!d->settings_ok)
		add_problem (
			&d->ps, CLI_SETUP, "config",
			_ ("Correct that line of the configuration file, or remove it to use the "
			   "default (config/hkpost-p11.conf lists every setting)."),
			_ ("the configuration cannot be used: %s"), d->settings_why);
	cli_settings_backend (&d->s, &d->backend);
	hkp11_policy_rules (d->s.policy, &d->rules);
	cli_settings_audit_file (&d->s, d->audit_file, sizeof d->audit_file);
	if (!hkp11_lockout_state_dir (d->s.lockout->state_dir, d->state_dir, sizeof d->state_dir))
		d->state_dir[0] = '\0';

	cli_module_locate (&d->m, g->module_option);
	d->module_status = cli_module_open (&d->m, NULL, true);
	if (d->module_status != CLI_OK) {
		char msg[2048];
		cli_module_messages (&d->m, msg, sizeof msg);
		/* The module's last line says why, in its words. */
		size_t len = strlen (msg);
		while (len > 0 && msg[len - 1] == '\n')
			msg[--len] = '\0';
		char *last = strrchr (msg, '\n');
		last = last ? last + 1 : msg;
		if (strncmp (last, "hkpost-p11: ", 12) == 0)
			last += 12;
		hkp11_strlcpy (d->module_why, last, sizeof d->module_why);
		if (d->m.f == NULL) {
			snprintf (fix, sizeof fix,
				  _ ("Install hkpost-p11 ('make install'), or name the module with "
				     "--module PATH or HKPOST_P11_MODULE."));
			add_problem (&d->ps, CLI_SETUP, "no-module", fix,
				     _ ("the hkpost-p11 module %s cannot be loaded"), d->m.path);
		} else if (!d->backend.found) {
			add_no_backend (d);
		} else if (d->settings_ok) {
			snprintf (fix, sizeof fix,
				  _ ("Check the token library and the configuration named above."));
			add_problem (&d->ps, CLI_SETUP, "module-failed", fix,
				     _ ("the module cannot start: %s"),
				     d->module_why[0] ? d->module_why : "C_Initialize failed");
		}
		return;
	}

	d->have_info = d->m.f->C_GetInfo (&d->info) == CKR_OK;
	if (!d->backend.found) {
		/* The module started all the same, with no slots: there is
		 * no token to look for, and the cause is the library. */
		add_no_backend (d);
		return;
	}
	d->have_backend_info = cli_backend_info (d->backend.path, &d->backend_info);
	if (cli_tokens_list (&d->m, &d->s, &d->tokens, &d->n_tokens) != CLI_OK) {
		add_problem (&d->ps, CLI_FAILED, "slots", NULL,
			     _ ("the token library cannot list its slots"));
		return;
	}

	d->certs = calloc (d->n_tokens ? d->n_tokens : 1, sizeof *d->certs);
	d->n_certs = calloc (d->n_tokens ? d->n_tokens : 1, sizeof *d->n_certs);
	if (d->certs == NULL || d->n_certs == NULL) {
		add_problem (&d->ps, CLI_FAILED, "memory", NULL, _ ("out of memory"));
		return;
	}
	size_t present = 0;
	for (size_t i = 0; i < d->n_tokens; i++) {
		cli_token *t = &d->tokens[i];
		if (!t->present || !t->initialized)
			continue;
		present++;
		if (t->counted_out) {
			add_problem (&d->ps, CLI_LOCKED, "locked", cli_locked_fix (t),
				     P_ ("token '%s' (serial %s) reads as locked: hkpost-p11 "
					 "counted %u wrong password, all that lockout-attempts "
					 "allows, and refuses logins and password changes",
					 "token '%s' (serial %s) reads as locked: hkpost-p11 "
					 "counted %u wrong passwords, all that lockout-attempts "
					 "allows, and refuses logins and password changes",
					 t->record.failures),
				     t->label, t->serial, t->record.failures);
		} else if (t->guard == CLI_GUARD_LOCKED) {
			add_problem (&d->ps, CLI_LOCKED, "locked", cli_locked_fix (t),
				     _ ("token '%s' (serial %s) is locked"), t->label, t->serial);
		} else if (t->guard == CLI_GUARD_HOLDS) {
			add_problem (
				&d->ps, CLI_LOCKED, "guard",
				_ ("If you are sure of the password, run 'hkpost-p11 guard "
				   "release' "
				   "and then log in once with it."),
				P_ ("token '%s' (serial %s) has %ld try left: hkpost-p11 holds it "
				    "back, so logins and password changes are refused",
				    "token '%s' (serial %s) has %ld tries left: hkpost-p11 holds "
				    "them back, so logins and password changes are refused",
				    t->left),
				t->label, t->serial, t->left);
		} else if (t->warning) {
			add_problem (
				&d->ps, CLI_OK, "tries-low",
				_ ("Make sure of the password before the next login. A correct "
				   "password gives every try back."),
				P_ ("token '%s' (serial %s) has only %ld try left",
				    "token '%s' (serial %s) has only %ld tries left", t->left),
				t->label, t->serial, t->left);
		}
		if (t->note.status != HKP11_STATE_OK)
			add_problem (&d->ps, CLI_OK, "state", NULL, "%s", t->note.text);

		if (cli_certs_read (d->m.f, t->slot, &d->certs[i], &d->n_certs[i]) != CKR_OK)
			continue;
		for (size_t c = 0; c < d->n_certs[i]; c++) {
			const cli_cert *e = &d->certs[i][c];
			if (!e->info.recognised || !e->have_days)
				continue;
			if (e->days_left < 0)
				add_problem (&d->ps, CLI_OK, "expired",
					     _ ("Apply to Hongkong Post for a new e-Cert."),
					     P_ ("the e-Cert '%s' expired %ld day ago",
						 "the e-Cert '%s' expired %ld days ago",
						 -e->days_left),
					     e->label, -e->days_left);
			else if (e->days_left < CLI_EXPIRY_WARNING_DAYS)
				add_problem (&d->ps, CLI_OK, "expires-soon",
					     _ ("Renew it with Hongkong Post before it expires."),
					     P_ ("the e-Cert '%s' expires in %ld day",
						 "the e-Cert '%s' expires in %ld days",
						 e->days_left),
					     e->label, e->days_left);
		}
	}
	if (present == 0)
		add_problem (&d->ps, CLI_NO_TOKEN, "no-token",
			     _ ("Insert the e-Cert token. If it is inserted, unplug it and plug it "
				"in again, and check that the token library supports it."),
			     _ ("no token is inserted"));
}

/* What a library's C_GetInfo says, under its path. */
static void
print_info (const CK_INFO *info, int w)
{
	char maker[33], desc[33];
	field (info->manufacturerID, sizeof info->manufacturerID, maker, sizeof maker);
	field (info->libraryDescription, sizeof info->libraryDescription, desc, sizeof desc);
	cli_field (stdout, 0, w, "", _ ("%s, %s, version %u.%u (PKCS#11 %u.%u)"), desc, maker,
		   info->libraryVersion.major, info->libraryVersion.minor,
		   info->cryptokiVersion.major, info->cryptokiVersion.minor);
}

static void
print_text (status_data *d)
{
	const int w = 22;
	char buf[1024];

	printf ("hkpost-p11 %s\n", PACKAGE_VERSION);
	if (d->s.file[0] != '\0')
		cli_field (stdout, 0, w, _ ("Configuration file"), "%s%s", d->s.file,
			   d->s.named_by_env ? _ (" (from HKPOST_P11_CONF)") : "");
	else
		cli_field (stdout, 0, w, _ ("Configuration file"), "%s",
			   _ ("none: the built-in settings apply"));
	/* TRANSLATORS: a value, then in brackets where it comes from or what it means. */
	cli_field (stdout, 0, w, _ ("Module"), _ ("%s (%s)"), d->m.path, _ (d->m.chosen_by));
	if (d->have_info)
		print_info (&d->info, w);
	if (d->backend.found)
		cli_field (stdout, 0, w, _ ("Token library"), _ ("%s (%s)"), d->backend.path,
			   d->backend.chosen_by);
	else
		cli_field (stdout, 0, w, _ ("Token library"), "%s", _ ("not found"));
	if (d->have_backend_info)
		print_info (&d->backend_info, w);

	cli_rules_text (&d->rules, buf, sizeof buf);
	int pin_mode = d->s.policy->mode;
	const char *mode = pin_mode == HKP11_PIN_MODE_ENFORCE
				   ? _ ("enforced: a weaker new password is refused")
			   : pin_mode == HKP11_PIN_MODE_WARN
				   ? _ ("warn only: a weaker new password is reported, not refused")
				   : _ ("off");
	if (pin_mode == HKP11_PIN_MODE_OFF)
		cli_field (stdout, 0, w, _ ("Password policy"), "%s", _ ("off"));
	else
		cli_field (stdout, 0, w, _ ("Password policy"), _ ("%s (%s)"), buf, mode);

	if (!hkp11_lockout_enabled (d->s.lockout)) {
		cli_field (stdout, 0, w, _ ("Lockout protection"), "%s", _ ("off"));
	} else {
		char warn[256] = "", guard[256] = "";
		if (d->s.lockout->warn > 0)
			snprintf (warn, sizeof warn,
				  P_ ("warns from %u try left", "warns from %u tries left",
				      d->s.lockout->warn),
				  d->s.lockout->warn);
		else
			snprintf (warn, sizeof warn, "%s", _ ("no warnings"));
		if (d->s.lockout->guard > 0)
			snprintf (guard, sizeof guard,
				  P_ ("holds back the last try", "holds back the last %u tries",
				      d->s.lockout->guard),
				  d->s.lockout->guard);
		else
			snprintf (guard, sizeof guard, "%s", _ ("no guard"));
		/* TRANSLATORS: two parts of one setting, e.g. "warns from 5 tries
		 * left; holds back the last try". */
		cli_field (stdout, 0, w, _ ("Lockout protection"), _ ("%s; %s"), warn, guard);
		cli_field (stdout, 0, w, "", _ ("counts kept in %s"),
			   d->state_dir[0] ? d->state_dir : _ ("memory only (no home directory)"));
	}

	if (d->s.audit->level == HKP11_AUDIT_LEVEL_OFF) {
		cli_field (stdout, 0, w, _ ("Audit log"), "%s", _ ("off"));
	} else {
		char dest[4600];
		snprintf (dest, sizeof dest, "%s%s%s",
			  d->audit_file[0] ? d->audit_file : _ ("no file"),
			  d->s.audit->syslog ? _ (", syslog") : "",
			  d->s.audit->journald ? _ (", the systemd journal") : "");
		cli_field (stdout, 0, w, _ ("Audit log"),
			   d->s.audit->level == HKP11_AUDIT_LEVEL_CALLS
				   ? _ ("every call, to %s")
				   : _ ("security records, to %s"),
			   dest);
	}

	for (size_t i = 0; i < d->n_tokens; i++) {
		cli_token *t = &d->tokens[i];
		putchar ('\n');
		if (!t->present) {
			printf (_ ("Slot %lu (%s): no token\n"), (unsigned long)t->slot,
				t->slot_description);
			continue;
		}
		if (!t->initialized) {
			printf (_ ("Slot %lu (%s): an empty token, not initialised\n"),
				(unsigned long)t->slot, t->slot_description);
			continue;
		}
		printf (_ ("Token \"%s\" in slot %lu\n"), t->label, (unsigned long)t->slot);
		cli_field (stdout, 2, w - 2, _ ("Maker and model"), "%s %s", t->manufacturer,
			   t->model);
		cli_field (stdout, 2, w - 2, _ ("Serial number"), "%s", t->serial);
		cli_tries_text (t, buf, sizeof buf);
		if (t->tries_known && (!t->locked || t->counted_out))
			cli_field (stdout, 2, w - 2, _ ("Tries left"), _ ("%s (%s)%s"), buf,
				   t->token_counts ? _ ("the token's own count")
				   : t->max_learned
					   ? _ ("counted by hkpost-p11, of a maximum "
						"learned from the token")
					   : _ ("counted by hkpost-p11, of lockout-attempts"),
				   t->warning && !t->locked ? _ (": WARNING, few tries left") : "");
		else
			cli_field (stdout, 2, w - 2, _ ("Tries left"), "%s", buf);
		switch (t->guard) {
		case CLI_GUARD_OFF:
			cli_field (stdout, 2, w - 2, _ ("Guard"), "%s", _ ("off"));
			break;
		case CLI_GUARD_OPEN:
			cli_field (
				stdout, 2, w - 2, _ ("Guard"), "%s",
				_ ("not needed yet: it holds back the last tries when they come"));
			break;
		case CLI_GUARD_HOLDS:
			cli_field (
				stdout, 2, w - 2, _ ("Guard"), "%s",
				_ ("HOLDS: logins and password changes are refused until you run "
				   "'hkpost-p11 guard release'"));
			break;
		case CLI_GUARD_RELEASED:
			cli_field (stdout, 2, w - 2, _ ("Guard"), "%s",
				   _ ("released: the next try goes to the token"));
			break;
		case CLI_GUARD_LOCKED:
			cli_field (
				stdout, 2, w - 2, _ ("Guard"), "%s",
				t->counted_out
					? _ ("the token reads as locked: logins and password "
					     "changes are refused until you run 'hkpost-p11 guard "
					     "release'")
					: _ ("nothing left to guard"));
			break;
		}

		size_t shown = 0;
		for (size_t c = 0; d->certs != NULL && c < d->n_certs[i]; c++) {
			if (!d->certs[i][c].info.recognised)
				continue;
			cli_field (stdout, 2, w - 2, shown ? "" : _ ("e-Certs"), "%s",
				   d->certs[i][c].label);
			shown++;
		}
		if (shown == 0)
			cli_field (stdout, 2, w - 2, _ ("e-Certs"), "%s",
				   _ ("none (hkpost-p11 show --all lists every certificate)"));
	}

	putchar ('\n');
	if (d->ps.n == 0) {
		printf ("%s\n", _ ("All is well."));
		return;
	}
	printf ("%s\n", _ ("Problems:"));
	for (size_t i = 0; i < d->ps.n; i++) {
		printf ("  * %s\n", d->ps.p[i].text);
		if (d->ps.p[i].fix[0])
			printf ("    %s %s\n", _ ("Fix:"), d->ps.p[i].fix);
	}
}

/* A library's C_GetInfo as "info" (null when not known). */
static void
json_info (cli_json *j, const CK_INFO *info)
{
	char text[33], version[16];
	if (info == NULL) {
		cli_json_null (j, "info");
		return;
	}
	cli_json_object (j, "info");
	field (info->manufacturerID, sizeof info->manufacturerID, text, sizeof text);
	cli_json_string (j, "manufacturer", text);
	field (info->libraryDescription, sizeof info->libraryDescription, text, sizeof text);
	cli_json_string (j, "description", text);
	snprintf (version, sizeof version, "%u.%u", info->libraryVersion.major,
		  info->libraryVersion.minor);
	cli_json_string (j, "library_version", version);
	snprintf (version, sizeof version, "%u.%u", info->cryptokiVersion.major,
		  info->cryptokiVersion.minor);
	cli_json_string (j, "cryptoki_version", version);
	cli_json_end_object (j);
}

static void
print_json (status_data *d)
{
	cli_json j;

	cli_json_init (&j, stdout);
	cli_json_object (&j, NULL);
	cli_json_string (&j, "version", PACKAGE_VERSION);

	cli_json_object (&j, "config");
	cli_json_string (&j, "file", d->s.file[0] ? d->s.file : NULL);
	cli_json_bool (&j, "from_environment", d->s.named_by_env);
	cli_json_bool (&j, "ok", d->settings_ok);
	cli_json_end_object (&j);

	cli_json_object (&j, "module");
	cli_json_string (&j, "path", d->m.path);
	cli_json_string (&j, "chosen_by", d->m.chosen_by);
	cli_json_bool (&j, "started", d->module_status == CLI_OK);
	cli_json_string (&j, "error", d->module_why[0] ? d->module_why : NULL);
	json_info (&j, d->have_info ? &d->info : NULL);
	cli_json_end_object (&j);

	cli_json_object (&j, "backend");
	cli_json_bool (&j, "found", d->backend.found);
	cli_json_string (&j, "path", d->backend.found ? d->backend.path : NULL);
	cli_json_string (&j, "chosen_by", d->backend.found ? d->backend.chosen_by : NULL);
	if (!d->backend.found)
		cli_json_string (&j, "tried", d->backend.tried);
	json_info (&j, d->have_backend_info ? &d->backend_info : NULL);
	cli_json_end_object (&j);

	cli_json_object (&j, "policy");
	cli_json_string (&j, "mode", hkp11_pin_modes[d->s.policy->mode]);
	cli_json_int (&j, "min_length", d->rules.min_length);
	cli_json_int (&j, "max_length", d->rules.max_length);
	cli_json_array (&j, "require");
	static const struct {
		unsigned int bit;
		const char *name;
	} cls[] = { { HKP11_PIN_UPPER, "upper" },
		    { HKP11_PIN_LOWER, "lower" },
		    { HKP11_PIN_DIGIT, "digit" },
		    { HKP11_PIN_SPECIAL, "special" } };
	for (size_t i = 0; i < 4; i++) {
		if (d->rules.require & cls[i].bit)
			cli_json_string (&j, NULL, cls[i].name);
	}
	cli_json_end_array (&j);
	cli_json_end_object (&j);

	cli_json_object (&j, "lockout");
	cli_json_bool (&j, "enabled", hkp11_lockout_enabled (d->s.lockout));
	cli_json_int (&j, "attempts", d->s.lockout->attempts);
	cli_json_int (&j, "warn", d->s.lockout->warn);
	cli_json_int (&j, "guard", d->s.lockout->guard);
	cli_json_string (&j, "state_dir", d->state_dir[0] ? d->state_dir : NULL);
	cli_json_end_object (&j);

	cli_json_object (&j, "audit");
	cli_json_string (&j, "level", hkp11_audit_levels[d->s.audit->level]);
	cli_json_string (&j, "format", hkp11_audit_formats[d->s.audit->format]);
	cli_json_string (&j, "file", d->audit_file[0] ? d->audit_file : NULL);
	cli_json_bool (&j, "syslog", d->s.audit->syslog);
	cli_json_bool (&j, "journald", d->s.audit->journald);
	cli_json_end_object (&j);

	cli_json_array (&j, "tokens");
	for (size_t i = 0; i < d->n_tokens; i++) {
		cli_token *t = &d->tokens[i];
		cli_json_object (&j, NULL);
		cli_json_int (&j, "slot", (long long)t->slot);
		cli_json_string (&j, "slot_description", t->slot_description);
		cli_json_bool (&j, "present", t->present);
		cli_json_bool (&j, "initialized", t->present && t->initialized);
		if (t->present && t->initialized) {
			cli_json_string (&j, "label", t->label);
			cli_json_string (&j, "manufacturer", t->manufacturer);
			cli_json_string (&j, "model", t->model);
			cli_json_string (&j, "serial", t->serial);
			if (t->tries_known) {
				cli_json_int (&j, "tries_left", t->left);
				cli_json_int (&j, "tries_max", t->max);
			} else {
				cli_json_null (&j, "tries_left");
				cli_json_null (&j, "tries_max");
			}
			cli_json_string (&j, "tries_source",
					 !t->tries_known   ? NULL
					 : t->token_counts ? "token"
							   : "hkpost-p11");
			cli_json_string (&j, "tries_max_source",
					 !t->tries_known   ? NULL
					 : t->token_counts ? "token"
					 : t->max_learned  ? "learned"
							   : "lockout-attempts");
			cli_json_bool (&j, "warning", t->warning);
			cli_json_bool (&j, "final_try", t->final_try);
			cli_json_bool (&j, "locked", t->locked);
			cli_json_string (&j, "locked_by",
					 !t->locked       ? NULL
					 : t->counted_out ? "hkpost-p11"
							  : "token");
			cli_json_string (&j, "guard", cli_guard_name (t->guard));
			cli_json_string (&j, "state_file", t->state_path[0] ? t->state_path : NULL);

			cli_json_array (&j, "ecerts");
			for (size_t c = 0; d->certs != NULL && c < d->n_certs[i]; c++) {
				const cli_cert *e = &d->certs[i][c];
				if (!e->info.recognised)
					continue;
				cli_json_object (&j, NULL);
				cli_json_string (&j, "label", e->label);
				cli_json_string (&j, "holder", e->info.holder);
				if (e->have_days)
					cli_json_int (&j, "days_left", e->days_left);
				else
					cli_json_null (&j, "days_left");
				cli_json_end_object (&j);
			}
			cli_json_end_array (&j);
		}
		cli_json_end_object (&j);
	}
	cli_json_end_array (&j);

	cli_json_array (&j, "problems");
	for (size_t i = 0; i < d->ps.n; i++) {
		cli_json_object (&j, NULL);
		cli_json_string (&j, "code", d->ps.p[i].code);
		cli_json_string (&j, "message", d->ps.p[i].text);
		cli_json_string (&j, "fix", d->ps.p[i].fix[0] ? d->ps.p[i].fix : NULL);
		cli_json_end_object (&j);
	}
	cli_json_end_array (&j);
	cli_json_end_object (&j);
	cli_json_finish (&j);
}

int
cli_status_main (const cli_globals *g, int argc, char **argv)
{
	bool json = false;
	status_data *d;
	int status = CLI_OK;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--json") == 0) {
			json = true;
		} else {
			cli_error (_ ("Run 'hkpost-p11 status --help'."),
				   _ ("unknown argument '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}

	d = calloc (1, sizeof *d);
	if (d == NULL)
		return CLI_FAILED;
	collect (d, g);
	if (json)
		print_json (d);
	else
		print_text (d);
	for (size_t i = 0; i < d->ps.n && status == CLI_OK; i++)
		status = d->ps.p[i].status;

	cli_module_close (&d->m);
	for (size_t i = 0; d->certs != NULL && i < d->n_tokens; i++)
		cli_certs_free (d->certs[i], d->n_certs[i]);
	free (d->certs);
	free (d->n_certs);
	free (d->tokens);
	cli_settings_free (&d->s);
	free (d);
	fflush (stdout);
	return status;
}
