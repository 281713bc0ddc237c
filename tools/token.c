/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tokens as the module shows them, and their tries left.
 *
 * Tries left are worked out as the lockout layer does (module/layer-
 * lockout.c): from a SafeNet token's own counter when it has one, else
 * from the count the layer keeps in the state store, out of lockout-attempts
 * or of the maximum the layer learned from the token; the token flags bound
 * either (hkp11_lockout_tries_left does that arithmetic for both).  The state store also says
 * whether the user released the guard.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "token/etoken-objects.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

hkp11_lockout_store *
cli_store_new (const cli_settings *s)
{
	return hkp11_lockout_store_new (s->lockout->state_dir);
}

/* Only SafeNet's tokens carry its retry counter (as the lockout layer). */
static bool
may_count_itself (const cli_token *t)
{
	static const char *const makers[] = { "SafeNet", "Gemalto", "Thales", "Aladdin", NULL };
	for (int i = 0; makers[i]; i++) {
		if (strstr (t->manufacturer, makers[i]) != NULL)
			return true;
	}
	return strstr (t->model, "eToken") != NULL;
}

static void
read_tries (cli_module *m, const cli_settings *s, hkp11_lockout_store *store, cli_token *t)
{
	unsigned long left = 0, max = 0;
	CK_FLAGS flags = t->info.flags;

	t->tries_known = false;
	t->token_counts = false;
	t->max_learned = false;
	memset (&t->record, 0, sizeof t->record);
	memset (&t->note, 0, sizeof t->note);
	t->state_path[0] = '\0';

	if (store != NULL) {
		hkp11_lockout_store_update (store, t->id.key, t->id.text, HKP11_STATE_READ,
					    &t->record, &t->note);
		if (!hkp11_lockout_store_path (store, t->id.key, t->state_path,
					       sizeof t->state_path))
			t->state_path[0] = '\0';
	}
	/* The count and the flags' bounds as the layer works them out. */
	hkp11_try_rule rule = {
		.token_left = -1,
		.attempts = s->lockout->attempts,
		.left_cap = (flags & CKF_USER_PIN_LOCKED)      ? 0
			    : (flags & CKF_USER_PIN_FINAL_TRY) ? 1
							       : -1,
		.guard = s->lockout->guard,
		.ended_seen = t->record.ended,
	};
	if (may_count_itself (t) &&
	    hkp11_etoken_read_retries (m->f, t->slot, &left, &max) == HKP11_ETOKEN_FOUND) {
		t->token_counts = true;
		t->tries_known = true;
		rule.token_left = left > 100000 ? 100000 : (long)left;
		t->max = max > 0 && max <= 100000 ? (long)max : (long)s->lockout->attempts;
	} else if (hkp11_lockout_enabled (s->lockout)) {
		t->tries_known = true;
		t->max = (long)hkp11_lockout_max_tries (&t->record, &rule);
		t->max_learned =
			t->record.learned_max > 0 && t->record.learned_max < s->lockout->attempts;
	}

	t->locked = (flags & CKF_USER_PIN_LOCKED) != 0;
	t->final_try = (flags & CKF_USER_PIN_FINAL_TRY) != 0;
	t->count_low = (flags & CKF_USER_PIN_COUNT_LOW) != 0;
	if (t->tries_known) {
		t->left = hkp11_lockout_tries_left (&t->record, &rule, (long long)time (NULL),
						    HKP11_LEFT_SHOWN);
		if (t->left == 0)
			t->locked = true;
	}
	/* As the label: no countdown before a try was spent. */
	t->warning = t->tries_known && s->lockout->warn > 0 && t->left < t->max &&
		     t->left <= (long)s->lockout->warn;
	/* The layer refuses every try at such a token, whatever lockout-guard
	 * says, unless the guard was released. */
	t->counted_out = t->tries_known && !t->token_counts && t->left == 0 &&
			 hkp11_lockout_counted_out (&t->record, &rule);

	if (t->counted_out)
		t->guard = t->record.released > 0 ? CLI_GUARD_RELEASED : CLI_GUARD_LOCKED;
	else if (t->locked)
		t->guard = CLI_GUARD_LOCKED;
	else if (!hkp11_lockout_enabled (s->lockout) || s->lockout->guard == 0 || !t->tries_known)
		t->guard = CLI_GUARD_OFF;
	else if (t->left > (long)s->lockout->guard)
		t->guard = CLI_GUARD_OPEN;
	else if (t->record.released > 0)
		t->guard = CLI_GUARD_RELEASED;
	else
		t->guard = CLI_GUARD_HOLDS;
}

/* The lockout layer shows "eToken (3 tries left)" or "eToken (locked)" to
 * programs whose only text is the label; the tool says it in full. */
static void
strip_tries_suffix (char *label)
{
	size_t len = strlen (label);
	char *open = strrchr (label, '(');
	if (len == 0 || label[len - 1] != ')' || open == NULL || open == label || open[-1] != ' ')
		return;
	bool ours = strcmp (open, "(locked)") == 0;
	if (!ours && open[1] >= '0' && open[1] <= '9') {
		const char *p = open + 1;
		while (*p >= '0' && *p <= '9')
			p++;
		ours = strcmp (p, " try left)") == 0 || strcmp (p, " tries left)") == 0;
	}
	if (ours)
		open[-1] = '\0';
}

static void
fill_token (cli_module *m, const cli_settings *s, hkp11_lockout_store *store, cli_token *t)
{
	hkp11_token_id_from_info (&t->info, &t->id);
	hkp11_token_field (t->info.label, sizeof t->info.label, t->label, sizeof t->label);
	strip_tries_suffix (t->label);
	hkp11_token_field (t->info.manufacturerID, sizeof t->info.manufacturerID, t->manufacturer,
			   sizeof t->manufacturer);
	hkp11_token_field (t->info.model, sizeof t->info.model, t->model, sizeof t->model);
	hkp11_token_field (t->info.serialNumber, sizeof t->info.serialNumber, t->serial,
			   sizeof t->serial);
	cli_sanitise (t->label);
	cli_sanitise (t->manufacturer);
	cli_sanitise (t->model);
	cli_sanitise (t->serial);
	read_tries (m, s, store, t);
}

void
cli_token_refresh (cli_module *m, const cli_settings *s, cli_token *t)
{
	hkp11_lockout_store *store = cli_store_new (s);
	if (m->f->C_GetTokenInfo (t->slot, &t->info) == CKR_OK)
		fill_token (m, s, store, t);
	hkp11_lockout_store_free (store);
}

cli_status
cli_tokens_list (cli_module *m, const cli_settings *s, cli_token **tokens, size_t *n)
{
	CK_ULONG count = 0;
	CK_SLOT_ID *slots = NULL;
	cli_token *list = NULL;
	hkp11_lockout_store *store = NULL;
	CK_RV rv;

	*tokens = NULL;
	*n = 0;
	rv = m->f->C_GetSlotList (CK_FALSE, NULL, &count);
	if (rv == CKR_OK && count > 0) {
		slots = calloc (count, sizeof *slots);
		list = calloc (count, sizeof *list);
		if (slots == NULL || list == NULL)
			rv = CKR_HOST_MEMORY;
		else
			rv = m->f->C_GetSlotList (CK_FALSE, slots, &count);
	}
	if (rv != CKR_OK) {
		free (slots);
		free (list);
		cli_error (_ ("Check that the token library works, e.g. with 'pkcs11-tool --module "
			      "LIBRARY -L'."),
			   _ ("the token library cannot list its slots (C_GetSlotList: 0x%08lx)"),
			   (unsigned long)rv);
		return CLI_FAILED;
	}

	store = cli_store_new (s);
	for (CK_ULONG i = 0; i < count; i++) {
		cli_token *t = &list[i];
		CK_SLOT_INFO si;
		t->slot = slots[i];
		if (m->f->C_GetSlotInfo (t->slot, &si) == CKR_OK) {
			hkp11_token_field (si.slotDescription, sizeof si.slotDescription,
					   t->slot_description, sizeof t->slot_description);
			cli_sanitise (t->slot_description);
			t->present = (si.flags & CKF_TOKEN_PRESENT) != 0;
		}
		if (t->present && m->f->C_GetTokenInfo (t->slot, &t->info) == CKR_OK) {
			t->initialized = (t->info.flags & CKF_TOKEN_INITIALIZED) != 0;
			if (t->initialized)
				fill_token (m, s, store, t);
		} else {
			t->present = false;
		}
	}
	hkp11_lockout_store_free (store);
	free (slots);
	*tokens = list;
	*n = count;
	return CLI_OK;
}

cli_status
cli_tokens_need_library (const cli_settings *s, size_t n)
{
	cli_backend_choice backend;

	if (n > 0)
		return CLI_OK;
	cli_settings_backend (s, &backend);
	if (backend.found)
		return CLI_OK;
	cli_error (cli_no_library_fix (), _ ("no token library found (tried %s)"), backend.tried);
	return CLI_SETUP;
}

const char *
cli_no_library_fix (void)
{
	return _ ("Install SafeNet Authentication Client, or name its library in "
		  "the configuration file ('backend: /path/to/libeTPkcs11.so' in "
		  "~/.config/hkpost-p11/hkpost-p11.conf) or in the environment "
		  "variable HKPOST_P11_BACKEND.");
}

/* A label as the lockout layer may show it, without " (3 tries left)". */
static bool
label_matches (const char *label, const char *want)
{
	size_t n = strlen (want);
	if (strcmp (label, want) == 0)
		return true;
	return strncmp (label, want, n) == 0 && label[n] == ' ' && label[n + 1] == '(';
}

cli_status
cli_token_choose (cli_token *tokens, size_t n, const char *want, cli_token **chosen)
{
	size_t present = 0, matches = 0;
	cli_token *match = NULL;

	*chosen = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!tokens[i].present || !tokens[i].initialized)
			continue;
		present++;
		if (want == NULL || label_matches (tokens[i].label, want) ||
		    strcmp (tokens[i].serial, want) == 0) {
			matches++;
			match = &tokens[i];
		}
	}
	if (present == 0) {
		cli_error (
			_ ("Insert the e-Cert token and try again. If it is inserted, check that "
			   "the token library sees it: hkpost-p11 status."),
			_ ("no token is inserted"));
		return CLI_NO_TOKEN;
	}
	if (matches == 0) {
		cli_error (_ ("Run 'hkpost-p11 status' to see the tokens and their labels and "
			      "serial numbers."),
			   _ ("no token has the label or serial number '%s'"), want);
		return CLI_NO_TOKEN;
	}
	if (matches > 1) {
		cli_error (_ ("Choose one with --token LABEL or --token SERIAL (hkpost-p11 status "
			      "lists them)."),
			   _ ("%zu tokens are inserted"), matches);
		return CLI_USAGE;
	}
	*chosen = match;
	return CLI_OK;
}

void
cli_token_rules (cli_module *m, const cli_settings *s, const cli_token *t, hkp11_pin_rules *rules)
{
	hkp11_pin_rules token;

	/* As the policy layer's rules_for_slot. */
	hkp11_policy_rules (s->policy, rules);
	memset (&token, 0, sizeof token);
	if (t->info.ulMinPinLen != CK_UNAVAILABLE_INFORMATION && t->info.ulMinPinLen < 1024)
		token.min_length = (unsigned int)t->info.ulMinPinLen;
	if (s->policy->max_length == 0 && t->info.ulMaxPinLen != CK_UNAVAILABLE_INFORMATION &&
	    t->info.ulMaxPinLen != CK_EFFECTIVELY_INFINITE && t->info.ulMaxPinLen < 1024)
		token.max_length = (unsigned int)t->info.ulMaxPinLen;
	hkp11_pin_rules_merge (rules, &token);
	if (hkp11_etoken_read_pin_policy (m->f, t->slot, &token) == HKP11_ETOKEN_FOUND)
		hkp11_pin_rules_merge (rules, &token);
}

const char *
cli_tries_text (const cli_token *t, char *buf, size_t len)
{
	if (!t->tries_known)
		snprintf (buf, len, "%s",
			  _ ("unknown (the token does not say, and hkpost-p11 does not count: the "
			     "lockout protection is off)"));
	else if (t->locked)
		snprintf (buf, len, "%s", _ ("none: the token is locked"));
	else
		snprintf (buf, len, P_ ("%ld try left of %ld", "%ld tries left of %ld", t->left),
			  t->left, t->max);
	return buf;
}

const char *
cli_locked_fix (const cli_token *t)
{
	if (t->counted_out)
		return _ ("If the token has really locked, nothing on this computer can unlock it: "
			  "Hongkong Post has to revoke the e-Cert, and you apply for a new one "
			  "(Hongkong Post Certification Authority hotline 2921 6633). The token "
			  "does not tell its own count: if it allows more tries than hkpost-p11 "
			  "counted and you are sure of the password, 'hkpost-p11 guard release' "
			  "lets one try through, and a right password gives every try back.");
	return _ ("Nothing on this computer can unlock it: Hongkong Post has to revoke the e-Cert, "
		  "and you apply for a new one (Hongkong Post Certification Authority hotline "
		  "2921 6633).");
}

const char *
cli_guard_name (cli_guard_state g)
{
	switch (g) {
	case CLI_GUARD_OFF:
		return "off";
	case CLI_GUARD_OPEN:
		return "open";
	case CLI_GUARD_HOLDS:
		return "holds";
	case CLI_GUARD_RELEASED:
		return "released";
	case CLI_GUARD_LOCKED:
		return "locked";
	}
	return "?";
}
