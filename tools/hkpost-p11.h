/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11, the command-line tool: what the tool's files share.
 *
 * The tool loads the module itself (hkpost-p11.so), so that everything it
 * shows is what applications see, and links the project's common library
 * for the pure logic: the PIN policy check, the lockout state store, e-Cert
 * parsing and the audit-chain verifier.
 *
 * Every message is a gettext string (English source, zh_HK translation in
 * po/); an error names its cause and its fix.
 */
#ifndef HKP11_TOOL_H
#define HKP11_TOOL_H

#include "p11/p11.h"
#include "lockout/store.h"
#include "policy/pin-policy.h"
#include "settings/settings.h"
#include "token/token-id.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef HAVE_LIBINTL_H
#include <libintl.h>
#define _(s) gettext (s)
#define P_(one, many, n) ngettext ((one), (many), (n))
#else
#define _(s) (s)
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif
#define N_(s) (s)

/* Exit statuses, documented in hkpost-p11(1). */
typedef enum {
	CLI_OK = 0,            /* done */
	CLI_USAGE = 1,         /* bad command line */
	CLI_SETUP = 2,         /* configuration, module, token library or helper program */
	CLI_NO_TOKEN = 3,      /* no token, or no token / certificate matches */
	CLI_PIN_REFUSED = 4,   /* a new password refused (policy, mismatch); nothing changed */
	CLI_PIN_INCORRECT = 5, /* the current password was wrong: a try was spent */
	CLI_LOCKED = 6,        /* the token is locked, or the guard holds the last try */
	CLI_NOT_INTACT = 7,    /* audit verify: the log was edited or damaged */
	CLI_CANCELLED = 8,     /* the user said no, or ended the input */
	CLI_FAILED = 9,        /* anything else went wrong */
	CLI_RECORDS_LOST =
		10, /* audit verify: no sign of tampering, but records were lost as written */
} cli_status;

/* ---- output (hkpost-p11.c) ------------------------------------------------ */

/* The terminal's stderr, kept aside while the module's stderr is captured. */
extern FILE *cli_err;
extern bool cli_verbose;

/* "hkpost-p11: error: <cause>" and, when fix is not NULL, "  <fix>". */
void cli_error (const char *fix, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void cli_warning (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* "label   value" with the label padded to width columns (wide characters
 * count double); the value goes through cli_sanitise. */
void cli_field (FILE *out, int indent, int width, const char *label, const char *fmt, ...)
	__attribute__ ((format (printf, 5, 6)));

/* Replaces, in place, what could drive a terminal or reorder what it
 * shows with '?': control characters (C0, DEL, C1, line separators),
 * format characters (bidirectional controls, zero-width characters) and
 * each byte that is not UTF-8.  For text from a token, a certificate or a
 * log file.  Returns text. */
char *cli_sanitise (char *text);

/* Whether argv[i] asks for help. */
bool cli_is_help (const char *arg);

/* ---- JSON (json.c) ---------------------------------------------------------- */

typedef struct {
	FILE *out;
	int depth;
	bool need_comma;
} cli_json;

void cli_json_init (cli_json *j, FILE *out);
void cli_json_object (cli_json *j, const char *key); /* key NULL inside an array or at top */
void cli_json_array (cli_json *j, const char *key);
void cli_json_end_object (cli_json *j);
void cli_json_end_array (cli_json *j);
void cli_json_string (cli_json *j, const char *key, const char *value); /* NULL: null */
void cli_json_int (cli_json *j, const char *key, long long value);
void cli_json_bool (cli_json *j, const char *key, bool value);
void cli_json_null (cli_json *j, const char *key);
void cli_json_finish (cli_json *j);

/* ---- settings (settings.c) --------------------------------------------------- */

/* The settings the tool shows and applies: the module's own groups
 * (common/settings/settings.h), loaded from the file the module reads with the same
 * hkp11_config_load, plus where they came from.  The pointers lead to the
 * process's one copy of each group (hkp11_policy_conf, ...); cli_settings_free
 * brings the defaults back. */
typedef struct {
	char file[4096]; /* "" when none applies */
	bool named_by_env;
	const hkp11_core_settings *core;
	const hkp11_policy_settings *policy;
	const hkp11_lockout_settings *lockout;
	const hkp11_audit_settings *audit;
	const hkp11_labels_settings *labels;
	const hkp11_monitor_settings *monitor;
} cli_settings;

/* Returns false with a message in why (file, line, key) when the file
 * cannot be read or a value is bad; the settings are then the defaults. */
bool cli_settings_load (cli_settings *s, char *why, size_t why_len);
void cli_settings_free (cli_settings *s);

/* The audit file the module writes, "" when none. */
void cli_settings_audit_file (const cli_settings *s, char *buf, size_t len);

/* Where the module's token library comes from: the path and who chose it;
 * found is false when nothing is configured and no default path exists
 * (tried lists the paths). */
typedef struct {
	bool found;
	char path[4096];
	char chosen_by[4200];
	char tried[2048];
} cli_backend_choice;

void cli_settings_backend (const cli_settings *s, cli_backend_choice *choice);

/* ---- the module (module.c) --------------------------------------------------- */

typedef struct {
	char path[4096];
	const char *chosen_by; /* untranslated (JSON); _() it for people */
	void *handle;
	CK_FUNCTION_LIST_3_0 *f;
	bool initialized;
	CK_RV init_rv;
	/* The module's own stderr lines, captured while it is loaded. */
	FILE *capture;
	int saved_stderr;
} cli_module;

/* Where the module is: --module, $HKPOST_P11_MODULE, the build tree when
 * the tool runs from it, else the installed path. */
void cli_module_locate (cli_module *m, const char *option);

/* Loads and initialises the module; init_reserved (may be NULL) carries
 * settings for this run only.  On failure says why, with the module's own
 * message when it gave one, and returns the exit status. */
cli_status cli_module_open (cli_module *m, const char *init_reserved, bool quiet);
void cli_module_close (cli_module *m);
/* The token library's own C_GetInfo (the module's names hkpost-p11): asked
 * of the copy the open module loaded; false when it has none loaded. */
bool cli_backend_info (const char *path, CK_INFO *info);

/* What the module wrote on stderr so far ("" when nothing). */
void cli_module_messages (cli_module *m, char *buf, size_t len);

/* ---- tokens (token.c) -------------------------------------------------------- */

typedef enum {
	CLI_GUARD_OFF,      /* lockout-guard: 0 or the layer is off */
	CLI_GUARD_OPEN,     /* enough tries left */
	CLI_GUARD_HOLDS,    /* the last tries are held back */
	CLI_GUARD_RELEASED, /* released for one try */
	CLI_GUARD_LOCKED,   /* nothing left to guard */
} cli_guard_state;

typedef struct {
	CK_SLOT_ID slot;
	char slot_description[65];
	bool present;
	bool initialized; /* CKF_TOKEN_INITIALIZED: an empty token is of no use */
	CK_TOKEN_INFO info;
	hkp11_token_id id;
	char label[33], manufacturer[33], model[17], serial[17];

	bool tries_known;
	bool token_counts; /* the token's own counter, else hkpost-p11's */
	/* Where hkpost-p11 counts: max is the token's, learned from its
	 * flags, not lockout-attempts. */
	bool max_learned;
	long left, max;
	bool locked, final_try, count_low, warning;
	/* Locked as far as hkpost-p11's own count goes: the token does not
	 * tell, and a release lets one try through to find out. */
	bool counted_out;
	cli_guard_state guard;
	hkp11_lockout_record record;
	char state_path[4096];
	hkp11_state_note note;
} cli_token;

/* Every slot of the module, with its token when one is present. */
cli_status cli_tokens_list (cli_module *m, const cli_settings *s, cli_token **tokens, size_t *n);

/* With no slot at all, whether that is because no token library was found
 * (none named, none at SafeNet's paths: the module then starts with no
 * slots): says so with the paths tried and gives CLI_SETUP, so that the
 * holder installs the library instead of looking for the token.  CLI_OK
 * otherwise. */
cli_status cli_tokens_need_library (const cli_settings *s, size_t n);

/* What to do when no token library is found: status and the commands
 * above say the same. */
const char *cli_no_library_fix (void);

/* The token to act on: the one whose label or serial is want, or the only
 * one present.  Says what is wrong otherwise. */
cli_status cli_token_choose (cli_token *tokens, size_t n, const char *want, cli_token **chosen);

/* Reads tries left and the guard state again (after a try). */
void cli_token_refresh (cli_module *m, const cli_settings *s, cli_token *t);

/* The rules for a new PIN on this token: settings, token limits, and a
 * SafeNet token's own policy object, whichever is stricter. */
void cli_token_rules (cli_module *m, const cli_settings *s, const cli_token *t,
		      hkp11_pin_rules *rules);

/* The store the module counts in, as the settings place it. */
hkp11_lockout_store *cli_store_new (const cli_settings *s);

/* "15 tries left" etc., translated. */
const char *cli_tries_text (const cli_token *t, char *buf, size_t len);
/* What the holder of a locked token can do, translated. */
const char *cli_locked_fix (const cli_token *t);
const char *cli_guard_name (cli_guard_state g); /* for JSON */

/* ---- PIN input (pin-input.c) ------------------------------------------------- */

#define CLI_PIN_MAX 256

typedef struct {
	char text[CLI_PIN_MAX + 1];
	size_t len;
} cli_pin;

/* Locks the buffers in memory and keeps core dumps off: call before
 * reading any PIN. */
void cli_pin_protect (void *buf, size_t len);

typedef enum {
	CLI_READ_OK,
	CLI_READ_EOF,      /* end of input: cancelled */
	CLI_READ_TOO_LONG, /* more than CLI_PIN_MAX bytes */
	CLI_READ_NO_TTY,   /* no terminal to ask on */
	CLI_READ_ERROR,
} cli_read_result;

/* Asks on the terminal without echo. */
cli_read_result cli_pin_prompt (const char *prompt, cli_pin *pin);
/* Reads one line from standard input (for --pin-stdin). */
cli_read_result cli_pin_stdin (cli_pin *pin);
void cli_pin_wipe (cli_pin *pin);

/* Asks a question on the terminal (with echo); answer without the newline. */
cli_read_result cli_ask (const char *prompt, char *answer, size_t len);

/* Prints what is wrong with a PIN, one reason a line, translated. */
void cli_pin_reasons (FILE *out, const char *indent, const hkp11_pin_verdict *v,
		      const hkp11_pin_rules *rules);
/* The rules as one sentence. */
const char *cli_rules_text (const hkp11_pin_rules *rules, char *buf, size_t len);

/* ---- subcommands --------------------------------------------------------------- */

typedef struct {
	const char *module_option; /* --module PATH */
} cli_globals;

int cli_status_main (const cli_globals *g, int argc, char **argv);
int cli_show_main (const cli_globals *g, int argc, char **argv);
int cli_change_pin_main (const cli_globals *g, int argc, char **argv);
int cli_check_pin_main (const cli_globals *g, int argc, char **argv);
int cli_guard_main (const cli_globals *g, int argc, char **argv);
int cli_audit_main (const cli_globals *g, int argc, char **argv);
int cli_register_main (const cli_globals *g, int argc, char **argv);
int cli_unregister_main (const cli_globals *g, int argc, char **argv);
int cli_monitor_main (const cli_globals *g, int argc, char **argv);

#endif
