/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PIN policy and lockout layers through the whole shim over SoftHSM.
 *
 * This program links the module's library, so that it can hear what the
 * layers report: it subscribes to the security events, takes the place of
 * syslog(3), and points stderr at a file or at a terminal of its own.  Every
 * test ends by searching all it captured, and the state directory, for the
 * PINs it used.
 */
#include "config.h"
#include "core/events.h"
#include "core/shim.h"
#include "base/compat.h"
#include "lockout/store.h"
#include "p11-test.h"
#include "token/token-id.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define SO_PIN "Hk-So-Pin-0042"
#define USER_PIN "Hk-User-2024!"
#define NEW_PIN "Tr0ub4dor&3x"
#define ENVELOPE_PIN "12345678"
#define LABEL "eToken"

/* Every PIN any test hands the shim: none may appear in what it wrote. */
static const char *const secrets[] = {
	SO_PIN,     USER_PIN,   NEW_PIN,         ENVELOPE_PIN,   "Wrong-Pin-",
	"abcdefgh", "Abcdefgh", "Same-Wrong-1!", "Zz9!Zz9!Zz9!", NULL,
};

/* The layers under test, policy over lockout, as in module/core/layers.c. */
extern hkp11_layer hkp11_policy_layer;
extern hkp11_layer hkp11_lockout_layer;
hkp11_layer *const hkp11_layers[] = {
	&hkp11_policy_layer,
	&hkp11_lockout_layer,
	NULL,
};

/* ---- What the layers say ---------------------------------------------- */

#define MAX_EVENTS 256
typedef struct {
	hkp11_event_level level;
	char name[64];
	char function[32];
	long tries_left;
	CK_RV result;
	char detail[2048];
	char reasons[128];
} seen_event;

static seen_event events[MAX_EVENTS];
static int n_events;

static void
event_sink (const hkp11_event *e)
{
	if (n_events >= MAX_EVENTS)
		return;
	seen_event *s = &events[n_events++];
	s->level = e->level;
	snprintf (s->name, sizeof s->name, "%s", e->name ? e->name : "");
	snprintf (s->function, sizeof s->function, "%s", e->function ? e->function : "");
	s->tries_left = e->tries_left;
	s->result = e->result;
	snprintf (s->detail, sizeof s->detail, "%s", e->detail ? e->detail : "");
	snprintf (s->reasons, sizeof s->reasons, "%s", e->reasons ? e->reasons : "");
}

static int
count_events (const char *name)
{
	int n = 0;
	for (int i = 0; i < n_events; i++)
		n += strcmp (events[i].name, name) == 0;
	return n;
}

static const seen_event *
last_event (const char *name)
{
	for (int i = n_events; i-- > 0;) {
		if (strcmp (events[i].name, name) == 0)
			return &events[i];
	}
	return NULL;
}

/* syslog(3), as message.c calls it: the lines are kept here. */
static char syslog_text[65536];
static size_t syslog_used;

void
syslog (int priority, const char *format, ...)
{
	va_list ap;
	va_start (ap, format);
	if (syslog_used < sizeof syslog_text) {
		int n = vsnprintf (syslog_text + syslog_used, sizeof syslog_text - syslog_used,
				   format, ap);
		if (n > 0)
			syslog_used += (size_t)n;
		if (syslog_used < sizeof syslog_text - 1)
			syslog_text[syslog_used++] = '\n';
		syslog_text[syslog_used < sizeof syslog_text ? syslog_used
							     : sizeof syslog_text - 1] = '\0';
	}
	va_end (ap);
	(void)priority;
}

/* With _FORTIFY_SOURCE the header turns syslog() into this. */
void __syslog_chk (int priority, int flag, const char *format, ...);
void
__syslog_chk (int priority, int flag, const char *format, ...)
{
	char line[4096];
	va_list ap;
	va_start (ap, format);
	vsnprintf (line, sizeof line, format, ap);
	va_end (ap);
	syslog (priority, "%s", line);
	(void)flag;
}

/* stderr: a file, or a pseudo-terminal when tty is true. */
static char *tmp;
static char stderr_path[PATH_MAX];
static int saved_stderr = -1;
static int pty_master = -1;
static char tty_text[65536];
static size_t tty_used;

static void
stderr_to_file (void)
{
	snprintf (stderr_path, sizeof stderr_path, "%s/stderr.txt", tmp);
	int fd = open (stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ck_assert_int_ge (fd, 0);
	fflush (stderr);
	if (saved_stderr < 0)
		saved_stderr = dup (STDERR_FILENO);
	dup2 (fd, STDERR_FILENO);
	close (fd);
}

static void
stderr_to_tty (void)
{
	pty_master = posix_openpt (O_RDWR | O_NOCTTY);
	ck_assert_int_ge (pty_master, 0);
	ck_assert_int_eq (grantpt (pty_master), 0);
	ck_assert_int_eq (unlockpt (pty_master), 0);
	int slave = open (ptsname (pty_master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge (slave, 0);
	fcntl (pty_master, F_SETFL, O_NONBLOCK);
	if (saved_stderr < 0)
		saved_stderr = dup (STDERR_FILENO);
	dup2 (slave, STDERR_FILENO);
	close (slave);
	ck_assert (isatty (STDERR_FILENO));
}

static const char *
tty_read (void)
{
	ssize_t n;
	while (pty_master >= 0 && tty_used < sizeof tty_text - 1 &&
	       (n = read (pty_master, tty_text + tty_used, sizeof tty_text - 1 - tty_used)) > 0)
		tty_used += (size_t)n;
	tty_text[tty_used] = '\0';
	return tty_text;
}

static const char *
stderr_read (void)
{
	static char text[65536];
	FILE *f = fopen (stderr_path, "r");
	size_t n = f ? fread (text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose (f);
	text[n] = '\0';
	return text;
}

static void
assert_no_secret_in (const char *what, const char *text)
{
	for (int i = 0; secrets[i]; i++)
		ck_assert_msg (strstr (text, secrets[i]) == NULL, "a PIN ('%s') appears in %s",
			       secrets[i], what);
}

/* Words that tell how long a PIN is or what kinds of character it has:
 * only the holder's terminal may hear them. */
static void
assert_no_pin_makeup_in (const char *what, const char *text)
{
	static const char *const words[] = {
		" characters",     "lacks",
		"upper-case",      "lower-case",
		"a digit",         "special character",
		"printable ASCII", "kinds of character",
		"times in a row",  NULL,
	};
	for (int i = 0; words[i]; i++)
		ck_assert_msg (strstr (text, words[i]) == NULL, "'%s' tells of a PIN in %s: %s",
			       words[i], what, text);
}

/* ---- The shim --------------------------------------------------------- */

static char *hsm_dir;
static char state_dir[PATH_MAX];
/* The token under test: SoftHSM gives it a new slot id at each
 * C_Initialize, so it is found again by its serial number. */
static CK_SLOT_ID slot;
static CK_UTF8CHAR serial[16];
static p11t_module shim;
static CK_FUNCTION_LIST_3_0_PTR f;

static void
setup (void)
{
	hsm_dir = p11t_softhsm_setup ();
	tmp = p11t_tmpdir ("lockout");
	snprintf (state_dir, sizeof state_dir, "%s/state", tmp);
	n_events = 0;
	syslog_used = 0;
	syslog_text[0] = '\0';
	tty_used = 0;
	stderr_to_file ();
}

static void
teardown (void)
{
	char *hit;
	/* What the layers said, and what they left on disk, holds no PIN. */
	for (int i = 0; i < n_events; i++) {
		assert_no_secret_in (events[i].name, events[i].detail);
		assert_no_pin_makeup_in (events[i].name, events[i].detail);
		assert_no_pin_makeup_in (events[i].name, events[i].reasons);
	}
	assert_no_secret_in ("syslog", syslog_text);
	/* Nor, but on the terminal, anything of a PIN's length or make-up. */
	assert_no_pin_makeup_in ("syslog", syslog_text);
	assert_no_pin_makeup_in ("stderr (a file)", stderr_read ());
	assert_no_secret_in ("the terminal", tty_read ());
	hit = p11t_find_secret (tmp, secrets);
	ck_assert_msg (hit == NULL, "a PIN appears in %s", hit);
	if (saved_stderr >= 0)
		dup2 (saved_stderr, STDERR_FILENO);
	p11t_rmtree (tmp);
	p11t_rmtree (hsm_dir);
	free (tmp);
	free (hsm_dir);
}

/* Starts the shim with these settings (';'-separated), the state directory
 * always given.  Unless the settings say otherwise, this test program is
 * one whose token label counts down (lockout-label-programs), so that the
 * tests can read the countdown there; shim_start_plain leaves the default. */
static void
shim_start_with (const char *settings, bool label_here)
{
	static char reserved[4096];
	CK_C_INITIALIZE_ARGS args;
	CK_INTERFACE_PTR iface = NULL;
	CK_VERSION v3 = { 3, 0 };

	snprintf (reserved, sizeof reserved, "state-dir: %s%s%s%s%s", state_dir,
		  settings[0] ? "; " : "", settings, label_here ? "; lockout-label-programs: " : "",
		  label_here ? hkp11_program_name () : "");
	memset (&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	args.pReserved = reserved;
	ck_assert_int_eq (hkp11_get_interface ((CK_UTF8CHAR_PTR) "PKCS 11", &v3, &iface, 0),
			  CKR_OK);
	f = iface->pFunctionList;
	memset (&shim, 0, sizeof shim);
	ck_assert_int_eq (hkp11_get_function_list (&shim.f), CKR_OK);
	shim.f3 = f;
	p11t_assert_rv (f->C_Initialize (&args), CKR_OK);
	hkp11_event_subscribe (event_sink);

	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	p11t_assert_rv (f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	slot = (CK_SLOT_ID)-1;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;
		if (f->C_GetTokenInfo (slots[i], &info) == CKR_OK &&
		    memcmp (info.serialNumber, serial, sizeof serial) == 0)
			slot = slots[i];
	}
}

static void
shim_start (const char *settings)
{
	shim_start_with (settings, strstr (settings, "lockout-label-programs") == NULL);
}

/* The settings as given, the label's default among them. */
static void
shim_start_plain (const char *settings)
{
	shim_start_with (settings, false);
}

static void
shim_stop (void)
{
	p11t_assert_rv (f->C_Finalize (NULL), CKR_OK);
}

/* A token with this label and user PIN, made with the policy off; the
 * next shim_start finds it in `slot`. */
static void
make_token (const char *label, const char *user_pin)
{
	CK_TOKEN_INFO info;
	shim_start ("pin-policy: off");
	CK_SLOT_ID made = p11t_init_token (&shim, label, SO_PIN, user_pin);
	p11t_assert_rv (f->C_GetTokenInfo (made, &info), CKR_OK);
	memcpy (serial, info.serialNumber, sizeof serial);
	shim_stop ();
	n_events = 0;
}

static CK_RV
login (CK_SLOT_ID in, const char *pin)
{
	CK_SESSION_HANDLE s = p11t_open_session (&shim, in, NULL);
	CK_RV rv = f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen (pin));
	f->C_CloseSession (s);
	return rv;
}

static CK_RV
set_pin (CK_SLOT_ID in, const char *old, const char *new_pin)
{
	CK_SESSION_HANDLE s = p11t_open_session (&shim, in, NULL);
	CK_RV rv = f->C_SetPIN (s, (CK_UTF8CHAR_PTR)old, strlen (old), (CK_UTF8CHAR_PTR)new_pin,
				strlen (new_pin));
	f->C_CloseSession (s);
	return rv;
}

static CK_TOKEN_INFO
token_info (CK_SLOT_ID in)
{
	CK_TOKEN_INFO info;
	p11t_assert_rv (f->C_GetTokenInfo (in, &info), CKR_OK);
	return info;
}

/* A label as the token shows it: blank-padded to 32 bytes. */
static const char *
padded (const char *text)
{
	static char buf[33];
	snprintf (buf, sizeof buf, "%-32s", text);
	return buf;
}

static char *
label_of (const CK_TOKEN_INFO *info)
{
	static char text[33];
	memcpy (text, info->label, 32);
	text[32] = '\0';
	return text;
}

static char *
label_now (CK_SLOT_ID in)
{
	CK_TOKEN_INFO info = token_info (in);
	return label_of (&info);
}

/* The shim's count for the token, from its state file. */
static unsigned int
stored_failures (CK_SLOT_ID in)
{
	hkp11_token_id id;
	hkp11_lockout_record r;
	CK_TOKEN_INFO info = token_info (in);
	hkp11_token_id_from_info (&info, &id);
	hkp11_lockout_store *store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_update (store, id.key, NULL, HKP11_STATE_READ, &r, NULL));
	hkp11_lockout_store_free (store);
	return r.failures;
}

static void
state_path_of (CK_SLOT_ID in, char *buf, size_t len)
{
	hkp11_token_id id;
	CK_TOKEN_INFO info = token_info (in);
	hkp11_token_id_from_info (&info, &id);
	snprintf (buf, len, "%s/%s.state", state_dir, id.key);
}

static const char *
wrong_pin (int i)
{
	static __thread char pin[32];
	snprintf (pin, sizeof pin, "Wrong-Pin-%02d", i);
	return pin;
}

/* ---- PIN policy ------------------------------------------------------- */

START_TEST (test_policy_set_pin)
{
	static const struct {
		const char *pin;
		CK_RV rv;
		const char *reason;
	} refused[] = {
		{ "123", CKR_PIN_LEN_RANGE, "too-short" },
		{ ENVELOPE_PIN, CKR_PIN_INVALID, "missing-class" },
		{ "abcdefgh", CKR_PIN_INVALID, "missing-class" },
		{ "Abcdefgh1", CKR_PIN_INVALID, "missing-class" },
		{ "Abcdefgh\xc3\xa9"
		  "1!",
		  CKR_PIN_INVALID, "bad-character" },
		{ USER_PIN, CKR_PIN_INVALID, "same-as-old" },
	};
	make_token (LABEL, USER_PIN);
	shim_start ("");

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		int before = count_events ("pin-policy-rejected");
		p11t_assert_rv (set_pin (slot, USER_PIN, refused[i].pin), refused[i].rv);
		ck_assert_int_eq (count_events ("pin-policy-rejected"), before + 1);
		const seen_event *e = last_event ("pin-policy-rejected");
		ck_assert_str_eq (e->function, "C_SetPIN");
		ck_assert_uint_eq (e->result, refused[i].rv);
		ck_assert_msg (
			strncmp (e->reasons, refused[i].reason, strlen (refused[i].reason)) == 0,
			"case %zu: %s", i, e->reasons);
	}
	/* A refusal costs no try: even a wrong old PIN is not counted. */
	p11t_assert_rv (set_pin (slot, "Wrong-Pin-00", "abcdefgh"), CKR_PIN_INVALID);
	ck_assert_uint_eq (stored_failures (slot), 0);
	ck_assert_int_eq (count_events ("lockout-warning"), 0);

	/* The token still has its PIN.  The reasons reached stderr, a file
	 * here as a desktop program's is: their names only (the teardown
	 * looks for more).  Without audit-syslog, syslog heard nothing. */
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	const char *err = stderr_read ();
	ck_assert_msg (
		strstr (err, "the new PIN does not meet the policy (too-short,missing-class)"),
		"%s", err);
	ck_assert_msg (strstr (err, "no try was spent") != NULL, "%s", err);
	ck_assert_str_eq (syslog_text, "");

	/* On a terminal the holder is told how it falls short. */
	stderr_to_tty ();
	p11t_assert_rv (set_pin (slot, USER_PIN, "123"), CKR_PIN_LEN_RANGE);
	p11t_assert_rv (set_pin (slot, USER_PIN, "Abcdefgh1"), CKR_PIN_INVALID);
	const char *tty = tty_read ();
	ck_assert_msg (strstr (tty, "the new PIN has 3 characters, at least 8 are required") !=
			       NULL,
		       "%s", tty);
	ck_assert_msg (strstr (tty, "the new PIN lacks a special character") != NULL, "%s", tty);
	stderr_to_file ();
	shim_stop ();

	/* Sent to syslog (audit-syslog), the names of the rules, no more. */
	shim_start ("audit-syslog: yes");
	p11t_assert_rv (set_pin (slot, USER_PIN, "abcdefgh"), CKR_PIN_INVALID);
	ck_assert_msg (strstr (syslog_text, "the new PIN does not meet the policy (missing-class)"),
		       "%s", syslog_text);

	/* A strong PIN goes through. */
	p11t_assert_rv (set_pin (slot, USER_PIN, NEW_PIN), CKR_OK);
	p11t_assert_rv (login (slot, USER_PIN), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (slot, NEW_PIN), CKR_OK);
	shim_stop ();
}
END_TEST

START_TEST (test_policy_init_pin_and_so)
{
	make_token (LABEL, USER_PIN);
	CK_SESSION_HANDLE s;
	shim_start ("");

	s = p11t_open_session (&shim, slot, NULL);
	p11t_assert_rv (f->C_Login (s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen (SO_PIN)), CKR_OK);
	/* The SO setting a weak user PIN: refused. */
	p11t_assert_rv (f->C_InitPIN (s, (CK_UTF8CHAR_PTR)ENVELOPE_PIN, 8), CKR_PIN_INVALID);
	ck_assert_str_eq (last_event ("pin-policy-rejected")->function, "C_InitPIN");
	p11t_assert_rv (f->C_InitPIN (s, (CK_UTF8CHAR_PTR) "Ab1!", 4), CKR_PIN_LEN_RANGE);
	p11t_assert_rv (f->C_InitPIN (s, (CK_UTF8CHAR_PTR)NEW_PIN, strlen (NEW_PIN)), CKR_OK);
	/* The SO's own PIN is not the user policy's business. */
	int before = count_events ("pin-policy-rejected");
	p11t_assert_rv (f->C_SetPIN (s, (CK_UTF8CHAR_PTR)SO_PIN, strlen (SO_PIN),
				     (CK_UTF8CHAR_PTR) "87654321", 8),
			CKR_OK);
	ck_assert_int_eq (count_events ("pin-policy-rejected"), before);
	p11t_assert_rv (f->C_Logout (s), CKR_OK);
	p11t_assert_rv (f->C_CloseSession (s), CKR_OK);
	p11t_assert_rv (login (slot, NEW_PIN), CKR_OK);
	shim_stop ();
}
END_TEST

START_TEST (test_policy_settings)
{
	make_token (LABEL, USER_PIN);
	CK_TOKEN_INFO direct;

	/* Off: the token's own minimum, and any PIN the token takes. */
	shim_start ("pin-policy: off");
	direct = token_info (slot);
	ck_assert_uint_lt (direct.ulMinPinLen, 8);
	p11t_assert_rv (set_pin (slot, USER_PIN, "abcdefgh"), CKR_OK);
	p11t_assert_rv (set_pin (slot, "abcdefgh", USER_PIN), CKR_OK);
	shim_stop ();

	/* Enforced: ulMinPinLen at least pin-min-length, the maximum the token's. */
	shim_start ("pin-min-length: 10");
	CK_TOKEN_INFO info = token_info (slot);
	ck_assert_uint_eq (info.ulMinPinLen, 10);
	ck_assert_uint_eq (info.ulMaxPinLen, direct.ulMaxPinLen);
	p11t_assert_rv (set_pin (slot, USER_PIN, "Abcdef1!x"), CKR_PIN_LEN_RANGE);
	p11t_assert_rv (set_pin (slot, USER_PIN, "Abcdef1!xy"), CKR_OK);
	shim_stop ();

	/* pin-max-length and pin-require. */
	shim_start ("pin-max-length: 12; pin-require: digit");
	ck_assert_uint_eq (token_info (slot).ulMinPinLen, 8);
	p11t_assert_rv (set_pin (slot, "Abcdef1!xy", "abcdefgh1234x"), CKR_PIN_LEN_RANGE);
	p11t_assert_rv (set_pin (slot, "Abcdef1!xy", "abcdefgh"), CKR_PIN_INVALID);
	p11t_assert_rv (set_pin (slot, "Abcdef1!xy", "abcdefgh1"), CKR_OK);
	shim_stop ();

	/* Warn: the change goes ahead, the event says so. */
	n_events = 0;
	shim_start ("pin-policy: warn");
	p11t_assert_rv (set_pin (slot, "abcdefgh1", ENVELOPE_PIN), CKR_OK);
	ck_assert_int_eq (count_events ("pin-policy-rejected"), 1);
	ck_assert_uint_eq (last_event ("pin-policy-rejected")->result, CKR_OK);
	ck_assert_int_eq (last_event ("pin-policy-rejected")->level, HKP11_EVENT_INFO);
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_OK);
	shim_stop ();
}
END_TEST

/* The envelope PIN still opens the token; the weak PIN is noted once. */
START_TEST (test_weak_pin_in_use)
{
	make_token (LABEL, ENVELOPE_PIN);
	shim_start ("audit-syslog: yes");
	stderr_to_tty ();

	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_OK);
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_OK);
	ck_assert_int_eq (count_events ("weak-pin-in-use"), 1);
	const seen_event *e = last_event ("weak-pin-in-use");
	ck_assert_int_eq (e->level, HKP11_EVENT_WARNING);
	ck_assert_str_eq (e->reasons, "missing-class");
	/* The holder's terminal is told what the PIN lacks; syslog only the
	 * rule's name, and only because audit-syslog says so. */
	ck_assert_msg (strstr (tty_read (), "is weak: it lacks an upper-case letter, a lower-case "
					    "letter and a special character") != NULL,
		       "%s", tty_read ());
	ck_assert_msg (strstr (syslog_text, "is weak: it does not meet the policy (missing-class)"),
		       "%s", syslog_text);

	/* A strong PIN in use says nothing. */
	p11t_assert_rv (set_pin (slot, ENVELOPE_PIN, NEW_PIN), CKR_OK);
	shim_stop ();
	n_events = 0;
	shim_start ("");
	p11t_assert_rv (login (slot, NEW_PIN), CKR_OK);
	ck_assert_int_eq (count_events ("weak-pin-in-use"), 0);
	shim_stop ();
}
END_TEST

/* A PIN pad: NULL PINs reach the token untouched, whatever it answers. */
START_TEST (test_pin_pad_null)
{
	make_token (LABEL, USER_PIN);
	shim_start ("");
	CK_SESSION_HANDLE s = p11t_open_session (&shim, slot, NULL);
	CK_RV rv = f->C_SetPIN (s, NULL, 0, NULL, 0);
	ck_assert_msg (rv != CKR_PIN_INVALID && rv != CKR_PIN_LEN_RANGE, "%s", p11t_rv_name (rv));
	ck_assert_int_eq (count_events ("pin-policy-rejected"), 0);
	rv = f->C_Login (s, CKU_USER, NULL, 0);
	ck_assert_msg (rv != CKR_PIN_LOCKED, "%s", p11t_rv_name (rv));
	f->C_CloseSession (s);
	shim_stop ();
}
END_TEST

/* ---- Lockout over SoftHSM (the shim counts) ---------------------------- */

START_TEST (test_countdown_and_guard)
{
	make_token (LABEL, USER_PIN);
	char path[PATH_MAX];
	/* Messages reach syslog where the settings send them. */
	shim_start ("audit-syslog: yes");

	ck_assert (!(token_info (slot).flags & CKF_USER_PIN_COUNT_LOW));
	for (int i = 1; i <= 14; i++) {
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
		ck_assert_uint_eq (stored_failures (slot), (unsigned int)i);
		CK_TOKEN_INFO info = token_info (slot);
		long left = 15 - i;
		ck_assert (info.flags & CKF_USER_PIN_COUNT_LOW);
		ck_assert_int_eq ((info.flags & CKF_USER_PIN_FINAL_TRY) != 0, left == 1);
		ck_assert (!(info.flags & CKF_USER_PIN_LOCKED));
		/* Warnings from the tenth wrong PIN on, five tries left. */
		ck_assert_int_eq (count_events ("lockout-warning"), i >= 10 ? i - 9 : 0);
		if (i >= 10) {
			const seen_event *e = last_event ("lockout-warning");
			char want[64];
			ck_assert_int_eq (e->tries_left, left);
			ck_assert_int_eq (e->level, HKP11_EVENT_WARNING);
			snprintf (want, sizeof want, "eToken (%ld tr%s left)", left,
				  left == 1 ? "y" : "ies");
			ck_assert_msg (strncmp (label_of (&info), want, strlen (want)) == 0,
				       "label '%s'", label_of (&info));
			snprintf (want, sizeof want, "%ld tr%s left before it locks", left,
				  left == 1 ? "y" : "ies");
			ck_assert_msg (strstr (syslog_text, want) != NULL, "%s", syslog_text);
		} else {
			ck_assert_str_eq (label_of (&info), padded ("eToken"));
		}
	}
	/* stderr is not a terminal here: the countdown went to syslog only. */
	ck_assert_msg (strstr (stderr_read (), "tries left") == NULL, "%s", stderr_read ());
	ck_assert_msg (strstr (syslog_text, "1 try left before it locks") != NULL, "%s",
		       syslog_text);

	/* The fifteenth try is held back, the right PIN too: the guard
	 * cannot tell them apart without spending the try. */
	p11t_assert_rv (login (slot, wrong_pin (15)), CKR_PIN_LOCKED);
	p11t_assert_rv (login (slot, USER_PIN), CKR_PIN_LOCKED);
	ck_assert_uint_eq (stored_failures (slot), 14);
	ck_assert_int_eq (count_events ("lockout-guard"), 2);
	const seen_event *g = last_event ("lockout-guard");
	state_path_of (slot, path, sizeof path);
	ck_assert_uint_eq (g->result, CKR_PIN_LOCKED);
	ck_assert_int_eq (g->tries_left, 1);
	ck_assert_msg (strstr (g->detail, path) != NULL, "%s", g->detail);
	ck_assert_msg (strstr (g->detail, "hkpost-p11 guard release") != NULL, "%s", g->detail);
	/* The refusal is on stderr, terminal or not, with the way out. */
	ck_assert_msg (strstr (stderr_read (), "refused") && strstr (stderr_read (), path), "%s",
		       stderr_read ());
	/* C_SetPIN is guarded as well. */
	p11t_assert_rv (set_pin (slot, USER_PIN, NEW_PIN), CKR_PIN_LOCKED);

	/* Deleting the state file releases the guard; a good PIN resets. */
	ck_assert_int_eq (unlink (path), 0);
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	ck_assert_uint_eq (stored_failures (slot), 0);
	CK_TOKEN_INFO info = token_info (slot);
	ck_assert (!(info.flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)));
	ck_assert_str_eq (label_of (&info), padded ("eToken"));
	shim_stop ();
}
END_TEST

START_TEST (test_guard_release_and_off)
{
	make_token (LABEL, USER_PIN);
	hkp11_token_id id;
	shim_start ("lockout-attempts: 4; lockout-warn: 2");

	for (int i = 1; i <= 3; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (slot, wrong_pin (4)), CKR_PIN_LOCKED);
	ck_assert_int_eq (count_events ("lockout-warning"), 2);

	/* What `hkpost-p11 guard release` does: one try is let through,
	 * and the count stands: that wrong PIN is the last. */
	CK_TOKEN_INFO info = token_info (slot);
	hkp11_token_id_from_info (&info, &id);
	hkp11_lockout_store *store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	ck_assert_msg (strncmp (label_now (slot), "eToken (1 try left)", 19) == 0, "%s",
		       label_now (slot));
	p11t_assert_rv (login (slot, wrong_pin (4)), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 4);
	ck_assert (token_info (slot).flags & CKF_USER_PIN_LOCKED);
	p11t_assert_rv (login (slot, USER_PIN), CKR_PIN_LOCKED);
	/* Released again, the right PIN gives the tries back. */
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	hkp11_lockout_store_free (store);
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	ck_assert_uint_eq (stored_failures (slot), 0);
	shim_stop ();

	/* lockout-guard: 0 lets every try through, down to the last. */
	n_events = 0;
	shim_start ("lockout-attempts: 4; lockout-guard: 0");
	for (int i = 5; i <= 8; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (count_events ("lockout-guard"), 0);
	info = token_info (slot);
	ck_assert (info.flags & CKF_USER_PIN_LOCKED);
	ck_assert_msg (strncmp (label_of (&info), "eToken (locked)", 15) == 0, "%s",
		       label_of (&info));
	/* Past the last, the token reads as locked, guard or no guard: the
	 * right PIN too is refused (SoftHSM never locks: it would open),
	 * until a release lets it through. */
	p11t_assert_rv (login (slot, USER_PIN), CKR_PIN_LOCKED);
	ck_assert_int_eq (count_events ("lockout-guard"), 1);
	ck_assert_uint_eq (stored_failures (slot), 4);
	store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	hkp11_lockout_store_free (store);
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	ck_assert (!(token_info (slot).flags & CKF_USER_PIN_LOCKED));
	shim_stop ();
}
END_TEST

/* The sequence through the shim: five tries, four wrong PINs, a
 * release, and the released wrong PIN is the last one.  The token then
 * reads as locked, and every user PIN operation is refused without asking
 * the token, until a release lets a right PIN prove itself. */
START_TEST (test_released_try_is_the_last)
{
	make_token (LABEL, USER_PIN);
	hkp11_token_id id;
	shim_start ("lockout-attempts: 5");

	for (int i = 1; i <= 4; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	ck_assert_str_eq (label_now (slot), padded ("eToken (1 try left)"));
	p11t_assert_rv (login (slot, wrong_pin (5)), CKR_PIN_LOCKED);

	CK_TOKEN_INFO info = token_info (slot);
	hkp11_token_id_from_info (&info, &id);
	hkp11_lockout_store *store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	ck_assert_str_eq (label_now (slot), padded ("eToken (1 try left)"));
	ck_assert_uint_eq (stored_failures (slot), 4);

	int released = count_events ("lockout-guard-released");
	p11t_assert_rv (login (slot, wrong_pin (6)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (count_events ("lockout-guard-released"), released + 1);
	ck_assert_uint_eq (stored_failures (slot), 5);
	info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken (locked)"));
	ck_assert (info.flags & CKF_USER_PIN_LOCKED);
	ck_assert (!(info.flags & CKF_USER_PIN_FINAL_TRY));

	/* Every login and PIN change as the user: CKR_PIN_LOCKED. */
	int guards = count_events ("lockout-guard");
	p11t_assert_rv (login (slot, USER_PIN), CKR_PIN_LOCKED);
	p11t_assert_rv (login (slot, wrong_pin (7)), CKR_PIN_LOCKED);
	p11t_assert_rv (set_pin (slot, USER_PIN, NEW_PIN), CKR_PIN_LOCKED);
	CK_SESSION_HANDLE s = p11t_open_session (&shim, slot, NULL);
	p11t_assert_rv (f->C_LoginUser (s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen (USER_PIN),
					(CK_UTF8CHAR_PTR) "holder", 6),
			CKR_PIN_LOCKED);
	/* Setting the user PIN outside the SO's session proves nothing. */
	p11t_assert_rv (f->C_InitPIN (s, (CK_UTF8CHAR_PTR)NEW_PIN, strlen (NEW_PIN)),
			CKR_PIN_LOCKED);
	f->C_CloseSession (s);
	ck_assert_int_eq (count_events ("lockout-guard"), guards + 5);
	ck_assert_uint_eq (stored_failures (slot), 5);
	const seen_event *g = last_event ("lockout-guard");
	ck_assert_int_eq (g->tries_left, 0);
	ck_assert_msg (strstr (g->detail, "reads as locked") != NULL, "%s", g->detail);
	ck_assert_msg (strstr (g->detail, "revoke the e-Cert") != NULL, "%s", g->detail);
	ck_assert_msg (strstr (g->detail, "2921 6633") != NULL, "%s", g->detail);
	ck_assert_msg (strstr (g->detail, "hkpost-p11 guard release") != NULL, "%s", g->detail);
	ck_assert_msg (strstr (stderr_read (), "reads as locked") != NULL, "%s", stderr_read ());

	/* A release lets one try through; only a right PIN gives the
	 * tries back. */
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	p11t_assert_rv (login (slot, wrong_pin (8)), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 6);
	p11t_assert_rv (login (slot, USER_PIN), CKR_PIN_LOCKED);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	ck_assert_uint_eq (stored_failures (slot), 0);
	info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken"));
	ck_assert (!(info.flags &
		     (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)));

	/* The SO setting a new user PIN unlocks a token for good, and the
	 * count starts afresh. */
	for (int i = 9; i <= 12; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	hkp11_lockout_store_free (store);
	p11t_assert_rv (login (slot, wrong_pin (13)), CKR_PIN_INCORRECT);
	ck_assert (token_info (slot).flags & CKF_USER_PIN_LOCKED);
	s = p11t_open_session (&shim, slot, NULL);
	p11t_assert_rv (f->C_Login (s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen (SO_PIN)), CKR_OK);
	p11t_assert_rv (f->C_InitPIN (s, (CK_UTF8CHAR_PTR)NEW_PIN, strlen (NEW_PIN)), CKR_OK);
	f->C_CloseSession (s);
	ck_assert_uint_eq (stored_failures (slot), 0);
	p11t_assert_rv (login (slot, NEW_PIN), CKR_OK);
	shim_stop ();
}
END_TEST

/* By default the label is the token's identity and keeps it in a program
 * lockout-label-programs does not name; the flags carry the count, the
 * warnings still go out, and the right PIN still logs in. */
START_TEST (test_label_kept_by_default)
{
	make_token (LABEL, USER_PIN);
	shim_start_plain ("");
	for (int i = 1; i <= 14; i++) {
		long left = 15 - i;
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
		CK_TOKEN_INFO info = token_info (slot);
		ck_assert_str_eq (label_of (&info), padded ("eToken"));
		ck_assert (info.flags & CKF_USER_PIN_COUNT_LOW);
		ck_assert_int_eq ((info.flags & CKF_USER_PIN_FINAL_TRY) != 0, left == 1);
		ck_assert (!(info.flags & CKF_USER_PIN_LOCKED));
		/* One warning more from the count spent again below. */
		ck_assert_int_eq (count_events ("lockout-warning"),
				  (i >= 10 ? i - 9 : 0) + (i > 10 ? 1 : 0));
		if (i == 10) {
			/* 5 tries left: the right PIN resets the count. */
			p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
			ck_assert_uint_eq (stored_failures (slot), 0);
			ck_assert (!(token_info (slot).flags & CKF_USER_PIN_COUNT_LOW));
			for (int j = 1; j <= 10; j++)
				p11t_assert_rv (login (slot, wrong_pin (20 + j)),
						CKR_PIN_INCORRECT);
			ck_assert_uint_eq (stored_failures (slot), 10);
		}
	}
	/* The guard holds the last try: locked as far as the flags go. */
	p11t_assert_rv (login (slot, wrong_pin (15)), CKR_PIN_LOCKED);
	ck_assert_str_eq (label_now (slot), padded ("eToken"));
	shim_stop ();
}
END_TEST

/* The label counts down only where both settings let it: another program
 * named, none, or lockout-warn-label: no all keep it. */
START_TEST (test_label_programs_setting)
{
	char settings[256];
	const char *keep[] = {
		"lockout-label-programs: none", "lockout-label-programs: firefox, chromium",
		NULL, /* this program, with lockout-warn-label: no */
	};
	make_token (LABEL, USER_PIN);
	for (int k = 0; k < 3; k++) {
		if (keep[k])
			snprintf (settings, sizeof settings, "lockout-warn: 5; %s", keep[k]);
		else
			snprintf (settings, sizeof settings,
				  "lockout-warn-label: no; lockout-label-programs: %s",
				  hkp11_program_name ());
		shim_start (settings);
		for (int i = 1; i <= 10; i++)
			p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
		CK_TOKEN_INFO info = token_info (slot);
		ck_assert_msg (strcmp (label_of (&info), padded ("eToken")) == 0, "%s: '%s'",
			       settings, label_of (&info));
		ck_assert (info.flags & CKF_USER_PIN_COUNT_LOW);
		p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
		shim_stop ();
	}
	/* Named, in a list, it does. */
	snprintf (settings, sizeof settings, "lockout-label-programs: firefox %s",
		  hkp11_program_name ());
	shim_start (settings);
	for (int i = 1; i <= 10; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	ck_assert_str_eq (label_now (slot), padded ("eToken (5 tries left)"));
	shim_stop ();
}
END_TEST

/* No countdown before a try was spent, however few tries there are, and
 * a right PIN takes it away again. */
START_TEST (test_no_countdown_before_a_wrong_pin)
{
	make_token (LABEL, USER_PIN);
	shim_start ("lockout-attempts: 3; lockout-warn: 5");
	CK_TOKEN_INFO info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken"));
	ck_assert (!(info.flags & CKF_USER_PIN_COUNT_LOW));
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	ck_assert_str_eq (label_now (slot), padded ("eToken"));

	p11t_assert_rv (login (slot, wrong_pin (1)), CKR_PIN_INCORRECT);
	ck_assert_str_eq (label_now (slot), padded ("eToken (2 tries left)"));
	ck_assert_int_eq (count_events ("lockout-warning"), 1);
	p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
	info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken"));
	ck_assert (!(info.flags & CKF_USER_PIN_COUNT_LOW));
	shim_stop ();
}
END_TEST

START_TEST (test_repeat_guard)
{
	make_token (LABEL, USER_PIN);
	shim_start ("");

	p11t_assert_rv (login (slot, "Same-Wrong-1!"), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (slot, "Same-Wrong-1!"), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (slot, "Same-Wrong-1!"), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 1);
	ck_assert_int_eq (count_events ("repeat-pin-refused"), 2);
	ck_assert_uint_eq (last_event ("repeat-pin-refused")->result, CKR_PIN_INCORRECT);
	/* Another wrong PIN is a new try. */
	p11t_assert_rv (login (slot, wrong_pin (2)), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 2);

	/* The PIN changes to what was wrong before: it must work now. */
	p11t_assert_rv (set_pin (slot, USER_PIN, "Same-Wrong-1!"), CKR_OK);
	ck_assert_uint_eq (stored_failures (slot), 0);
	p11t_assert_rv (login (slot, "Same-Wrong-1!"), CKR_OK);
	/* A wrong old PIN in C_SetPIN counts and is remembered too. */
	p11t_assert_rv (set_pin (slot, wrong_pin (3), NEW_PIN), CKR_PIN_INCORRECT);
	p11t_assert_rv (set_pin (slot, wrong_pin (3), NEW_PIN), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 1);
	shim_stop ();

	/* Off: every try reaches the token. */
	n_events = 0;
	shim_start ("lockout-repeat-guard: no");
	p11t_assert_rv (login (slot, wrong_pin (4)), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (slot, wrong_pin (4)), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 3);
	ck_assert_int_eq (count_events ("repeat-pin-refused"), 0);
	shim_stop ();

	/* A new process (C_Finalize wiped the hashes) tries again. */
	n_events = 0;
	shim_start ("");
	p11t_assert_rv (login (slot, wrong_pin (4)), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stored_failures (slot), 4);
	shim_stop ();
}
END_TEST

/* The countdown line on a terminal's stderr. */
START_TEST (test_tty_warning)
{
	make_token (LABEL, USER_PIN);
	shim_start ("lockout-warn: 14");
	stderr_to_tty ();
	p11t_assert_rv (login (slot, wrong_pin (1)), CKR_PIN_INCORRECT);
	ck_assert_msg (strstr (tty_read (),
			       "hkpost-p11: wrong PIN for token 'eToken': 14 tries left "
			       "before it locks for good") != NULL,
		       "%s", tty_read ());
	shim_stop ();
}
END_TEST

/* Several processes failing at once all count.  SoftHSM itself cannot
 * take concurrent writers to one token directory, so each process has its
 * own copy of the token: the same serial number, so one count. */
START_TEST (test_processes_share_count)
{
	enum { PROCS = 8 };
	pid_t pids[PROCS];
	int barrier[2];
	char cmd[3 * PATH_MAX], conf[PATH_MAX];

	make_token (LABEL, USER_PIN);
	for (int i = 0; i < PROCS; i++) {
		snprintf (
			cmd, sizeof cmd,
			"mkdir '%s/copy-%d' && cp -a '%s/tokens' '%s/copy-%d/' && "
			"printf 'directories.tokendir = %s/copy-%d/tokens\\nobjectstore.backend = "
			"file\\nlog.level = ERROR\\n' >'%s/copy-%d/softhsm2.conf'",
			hsm_dir, i, hsm_dir, hsm_dir, i, hsm_dir, i, hsm_dir, i);
		ck_assert_int_eq (system (cmd), 0);
	}

	ck_assert_int_eq (pipe (barrier), 0);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork ();
		ck_assert_int_ge (pids[i], 0);
		if (pids[i] == 0) {
			char c;
			close (barrier[1]);
			snprintf (conf, sizeof conf, "%s/copy-%d/softhsm2.conf", hsm_dir, i);
			setenv ("SOFTHSM2_CONF", conf, 1);
			shim_start ("lockout-warn: 0");
			if (read (barrier[0], &c, 1) != 0)
				_exit (3);
			CK_RV rv = login (slot, wrong_pin (i));
			if (rv != CKR_PIN_INCORRECT)
				fprintf (stdout, "child %d: %s\n", i, p11t_rv_name (rv)),
					fflush (stdout);
			_exit (rv == CKR_PIN_INCORRECT ? 0 : 2);
		}
	}
	close (barrier[0]);
	close (barrier[1]);
	for (int i = 0; i < PROCS; i++) {
		int status;
		ck_assert_int_eq (waitpid (pids[i], &status, 0), pids[i]);
		ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "child %d: 0x%x", i,
			       status);
	}
	shim_start ("");
	ck_assert_uint_eq (stored_failures (slot), PROCS);
	ck_assert (token_info (slot).flags & CKF_USER_PIN_COUNT_LOW);
	shim_stop ();
}
END_TEST

/* Threads of one program failing at once all count too, and the layers'
 * own tables survive it (run under --enable-tsan as well). */
static void *
thread_login (void *arg)
{
	int i = (int)(intptr_t)arg;
	CK_RV rv = login (slot, wrong_pin (20 + i));
	return (void *)(intptr_t)(rv == CKR_PIN_INCORRECT);
}

START_TEST (test_threads_share_count)
{
	enum { THREADS = 8 };
	pthread_t t[THREADS];
	make_token (LABEL, USER_PIN);
	shim_start ("lockout-warn: 0");
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq (pthread_create (&t[i], NULL, thread_login, (void *)(intptr_t)i),
				  0);
	for (int i = 0; i < THREADS; i++) {
		void *ok;
		pthread_join (t[i], &ok);
		ck_assert_msg (ok != NULL, "thread %d did not get CKR_PIN_INCORRECT", i);
	}
	ck_assert_uint_eq (stored_failures (slot), THREADS);
	shim_stop ();
}
END_TEST

/* Nowhere to keep the count: it goes on in memory, said once. */
START_TEST (test_state_unwritable)
{
	make_token (LABEL, USER_PIN);
	char file[PATH_MAX], settings[PATH_MAX + 64];
	snprintf (file, sizeof file, "%s/not-a-dir", tmp);
	FILE *fp = fopen (file, "w");
	ck_assert_ptr_nonnull (fp);
	fclose (fp);

	/* state-dir given last wins over the one shim_start puts first. */
	snprintf (settings, sizeof settings, "lockout-attempts: 5; state-dir: %s/sub", file);
	shim_start (settings);
	for (int i = 1; i <= 4; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (count_events ("state-unwritable"), 1);
	ck_assert_int_eq (last_event ("lockout-warning")->tries_left, 1);
	ck_assert (token_info (slot).flags & CKF_USER_PIN_FINAL_TRY);
	p11t_assert_rv (login (slot, wrong_pin (5)), CKR_PIN_LOCKED);
	ck_assert_int_eq (count_events ("state-unwritable"), 1);
	ck_assert_msg (strstr (last_event ("lockout-guard")->detail, "memory") != NULL, "%s",
		       last_event ("lockout-guard")->detail);
	shim_stop ();
}
END_TEST

/* A corrupt state file is not trusted, and said once. */
START_TEST (test_state_corrupt)
{
	make_token (LABEL, USER_PIN);
	char path[PATH_MAX];
	shim_start ("");
	p11t_assert_rv (login (slot, wrong_pin (1)), CKR_PIN_INCORRECT);
	state_path_of (slot, path, sizeof path);
	FILE *fp = fopen (path, "w");
	ck_assert_ptr_nonnull (fp);
	fputs ("failures: lots\n", fp);
	fclose (fp);
	token_info (slot);
	token_info (slot);
	p11t_assert_rv (login (slot, wrong_pin (2)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (count_events ("state-corrupt"), 1);
	ck_assert_msg (strstr (last_event ("state-corrupt")->detail, path) != NULL, "%s",
		       last_event ("state-corrupt")->detail);
	ck_assert_uint_eq (stored_failures (slot), 1);
	shim_stop ();
}
END_TEST

/* The tries go into the label whole; the name gives way, cut between
 * characters, never inside one. */
START_TEST (test_label_room)
{
	static const struct {
		const char *label;
		const char *shown;
	} cases[] = {
		{ "Hongkong Post e-Cert token 0001", "Hongkong Post e-C (5 tries left)" },
		{ "\xe9\xa6\x99\xe6\xb8\xaf\xe9\x83\xb5\xe6\x94\xbf\xe9\x9b\xbb\xe5\xad\x90\xe8\xad"
		  "\x89\xe6\x9b\xb8",
		  "\xe9\xa6\x99\xe6\xb8\xaf\xe9\x83\xb5\xe6\x94\xbf\xe9\x9b\xbb (5 tries left)" },
		{ "x", "x (5 tries left)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		make_token (cases[i].label, USER_PIN);
		shim_start ("lockout-attempts: 6");
		p11t_assert_rv (login (slot, wrong_pin (1)), CKR_PIN_INCORRECT);
		CK_TOKEN_INFO info = token_info (slot);
		ck_assert_msg (memcmp (info.label, padded (cases[i].shown), 32) == 0,
			       "case %zu: '%s'", i, label_of (&info));
		p11t_assert_rv (login (slot, USER_PIN), CKR_OK);
		shim_stop ();
	}
}
END_TEST

/* ---- Over the mock eToken (the token counts) --------------------------- */

#include "p11/etoken.h"
#include "mock-p11.h"

#include <dlfcn.h>

static mock_p11_user_tries_left_fn mock_tries_left;
static mock_p11_call_count_fn mock_calls;
static CK_FUNCTION_LIST_PTR mock_direct;

static void
setup_etoken (void)
{
	char conf[PATH_MAX];
	tmp = p11t_tmpdir ("lockout-etoken");
	hsm_dir = p11t_tmpdir ("lockout-etoken-conf");
	snprintf (state_dir, sizeof state_dir, "%s/state", tmp);
	snprintf (conf, sizeof conf, "%s/empty.conf", hsm_dir);
	FILE *fp = fopen (conf, "w");
	ck_assert_ptr_nonnull (fp);
	fclose (fp);
	setenv ("HKPOST_P11_CONF", conf, 1);
	setenv ("HKPOST_P11_BACKEND", p11t_mock_path (), 1);
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	unsetenv ("MOCK_P11_HIDE_RETRY");
	unsetenv ("MOCK_P11_PIN_POLICY");
	unsetenv ("MOCK_P11_USER_TRIES");
	/* The mock's serial, as CK_TOKEN_INFO pads it. */
	memset (serial, ' ', sizeof serial);
	memcpy (serial, "0a1b2c3d", 8);
	n_events = 0;
	syslog_used = 0;
	syslog_text[0] = '\0';
	tty_used = 0;
	stderr_to_file ();

	/* The shim holds the same library: its controls, and its own table
	 * for spending tries behind the shim's back. */
	void *mock = dlopen (p11t_mock_path (), RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg (mock != NULL, "%s", dlerror ());
	mock_tries_left = (mock_p11_user_tries_left_fn)dlsym (mock, "mock_p11_user_tries_left");
	mock_calls = (mock_p11_call_count_fn)dlsym (mock, "mock_p11_call_count");
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym (mock, "C_GetFunctionList");
	ck_assert (mock_tries_left && mock_calls && get);
	ck_assert_int_eq (get (&mock_direct), CKR_OK);
}

/* Fourteen wrong PINs with warnings from the tenth, the fifteenth held back:
 * the mock eToken never reaches its locked state.  Common to the token's
 * own counter and the shim's. */
static void
etoken_countdown (bool token_counts)
{
	shim_start ("");
	ck_assert_uint_eq (slot, MOCK_P11_SLOT);
	ck_assert_int_eq (mock_tries_left (slot), ETOKEN_USER_RETRY_MAX);

	for (int i = 1; i <= 14; i++) {
		long left = 15 - i;
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
		ck_assert_int_eq (mock_tries_left (slot), left);
		CK_TOKEN_INFO info = token_info (slot);
		ck_assert (info.flags & CKF_USER_PIN_COUNT_LOW);
		ck_assert_int_eq ((info.flags & CKF_USER_PIN_FINAL_TRY) != 0, left == 1);
		ck_assert (!(info.flags & CKF_USER_PIN_LOCKED));
		ck_assert_int_eq (count_events ("lockout-warning"), i >= 10 ? i - 9 : 0);
		if (i >= 10) {
			char want[40];
			ck_assert_int_eq (last_event ("lockout-warning")->tries_left, left);
			snprintf (want, sizeof want, "eToken (%ld tr%s left)", left,
				  left == 1 ? "y" : "ies");
			ck_assert_str_eq (label_of (&info), padded (want));
		}
	}
	ck_assert_uint_eq (stored_failures (slot), (token_counts ? 0u : 14u));

	unsigned long logins = mock_calls ("C_Login");
	p11t_assert_rv (login (slot, wrong_pin (15)), CKR_PIN_LOCKED);
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_PIN_LOCKED);
	ck_assert_uint_eq (mock_calls ("C_Login"), logins);
	ck_assert_int_eq (mock_tries_left (slot), 1);
	ck_assert (!(token_info (slot).flags & CKF_USER_PIN_LOCKED));
	const seen_event *g = last_event ("lockout-guard");
	ck_assert_ptr_nonnull (g);
	ck_assert_msg (strstr (g->detail, "hkpost-p11 guard release") != NULL, "%s", g->detail);
	ck_assert_msg ((strstr (g->detail, "counts its own tries") != NULL) == token_counts, "%s",
		       g->detail);

	/* Released on purpose, the right PIN goes through and the token
	 * gives all its tries back. */
	hkp11_token_id id;
	CK_TOKEN_INFO info = token_info (slot);
	hkp11_token_id_from_info (&info, &id);
	hkp11_lockout_store *store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	hkp11_lockout_store_free (store);
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_OK);
	ck_assert_int_eq (mock_tries_left (slot), ETOKEN_USER_RETRY_MAX);
	info = token_info (slot);
	ck_assert (!(info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY)));
	ck_assert_str_eq (label_of (&info), padded ("eToken"));
	shim_stop ();
}

START_TEST (test_etoken_countdown)
{
	etoken_countdown (true);
}
END_TEST

START_TEST (test_etoken_hidden_counter)
{
	setenv ("MOCK_P11_HIDE_RETRY", "1", 1);
	etoken_countdown (false);
}
END_TEST

/* The shim's record of the token, as the state store holds it. */
static hkp11_lockout_record
stored_record (CK_SLOT_ID in)
{
	hkp11_token_id id;
	hkp11_lockout_record r;
	CK_TOKEN_INFO info = token_info (in);
	hkp11_token_id_from_info (&info, &id);
	hkp11_lockout_store *store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_update (store, id.key, NULL, HKP11_STATE_READ, &r, NULL));
	hkp11_lockout_store_free (store);
	return r;
}

static void
release_guard (CK_SLOT_ID in)
{
	hkp11_token_id id;
	CK_TOKEN_INFO info = token_info (in);
	hkp11_token_id_from_info (&info, &id);
	hkp11_lockout_store *store = hkp11_lockout_store_new (state_dir);
	ck_assert (hkp11_lockout_store_release (store, id.key, NULL));
	hkp11_lockout_store_free (store);
}

/* The sequence at an eToken with five tries.  Where the token
 * counts, a release resets nothing, the token's count rules: the released
 * wrong PIN locks it.  Where its counter is hidden, the shim counts to the
 * same end; the token, locked for real, refuses even a released try. */
static void
etoken_release (bool token_counts)
{
	setenv ("MOCK_P11_USER_TRIES", "5", 1);
	shim_start ("lockout-attempts: 5");
	ck_assert_int_eq (mock_tries_left (slot), 5);
	ck_assert_str_eq (label_now (slot), padded ("eToken"));
	for (int i = 1; i <= 4; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	ck_assert_str_eq (label_now (slot), padded ("eToken (1 try left)"));
	unsigned long logins = mock_calls ("C_Login");
	p11t_assert_rv (login (slot, wrong_pin (5)), CKR_PIN_LOCKED);
	ck_assert_uint_eq (mock_calls ("C_Login"), logins);

	hkp11_lockout_record before = stored_record (slot);
	release_guard (slot);
	hkp11_lockout_record after = stored_record (slot);
	ck_assert_uint_eq (after.released, 1);
	ck_assert_uint_eq (after.failures, before.failures);
	ck_assert_uint_eq (after.failures, token_counts ? 0u : 4u);
	ck_assert_uint_eq (after.pending, before.pending);
	ck_assert_uint_eq (after.ended, before.ended);
	ck_assert_int_eq (mock_tries_left (slot), 1);
	ck_assert_str_eq (label_now (slot), padded ("eToken (1 try left)"));
	ck_assert (token_info (slot).flags & CKF_USER_PIN_FINAL_TRY);

	p11t_assert_rv (login (slot, wrong_pin (6)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (mock_tries_left (slot), 0);
	CK_TOKEN_INFO info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken (locked)"));
	ck_assert (info.flags & CKF_USER_PIN_LOCKED);
	ck_assert_uint_eq (stored_record (slot).failures, token_counts ? 0u : 5u);
	ck_assert_uint_eq (stored_record (slot).released, 0);

	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_PIN_LOCKED);
	p11t_assert_rv (login (slot, wrong_pin (7)), CKR_PIN_LOCKED);
	p11t_assert_rv (set_pin (slot, ENVELOPE_PIN, NEW_PIN), CKR_PIN_LOCKED);
	/* Released once more, even the right PIN: the token is locked. */
	release_guard (slot);
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_PIN_LOCKED);
	ck_assert_int_eq (mock_tries_left (slot), 0);
	ck_assert_str_eq (label_now (slot), padded ("eToken (locked)"));
	ck_assert_uint_eq (stored_record (slot).failures, token_counts ? 0u : 5u);
	shim_stop ();
}

START_TEST (test_etoken_release_keeps_count)
{
	etoken_release (true);
}
END_TEST

START_TEST (test_etoken_hidden_release_keeps_count)
{
	setenv ("MOCK_P11_HIDE_RETRY", "1", 1);
	etoken_release (false);
}
END_TEST

/* A token with three tries and warnings from five: no countdown until a
 * try was spent, none after a right PIN. */
START_TEST (test_etoken_no_countdown_before_a_wrong_pin)
{
	setenv ("MOCK_P11_USER_TRIES", "3", 1);
	shim_start ("");
	CK_TOKEN_INFO info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken"));
	ck_assert (!(info.flags & CKF_USER_PIN_COUNT_LOW));
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_OK);
	ck_assert_str_eq (label_now (slot), padded ("eToken"));
	p11t_assert_rv (login (slot, wrong_pin (1)), CKR_PIN_INCORRECT);
	ck_assert_str_eq (label_now (slot), padded ("eToken (2 tries left)"));
	p11t_assert_rv (login (slot, ENVELOPE_PIN), CKR_OK);
	ck_assert_str_eq (label_now (slot), padded ("eToken"));
	shim_stop ();
}
END_TEST

/* The token's own counter is the truth: tries spent behind the shim's
 * back (another program loading SafeNet's library directly) show. */
START_TEST (test_etoken_counter_is_the_tokens)
{
	CK_SESSION_HANDLE s;
	shim_start ("");
	p11t_assert_rv (mock_direct->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &s),
			CKR_OK);
	for (int i = 0; i < 12; i++)
		p11t_assert_rv (
			mock_direct->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)wrong_pin (i), 12),
			CKR_PIN_INCORRECT);
	mock_direct->C_CloseSession (s);
	CK_TOKEN_INFO info = token_info (slot);
	ck_assert_str_eq (label_of (&info), padded ("eToken (3 tries left)"));
	/* Two more through the shim, and the guard holds the last. */
	p11t_assert_rv (login (slot, wrong_pin (20)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (last_event ("lockout-warning")->tries_left, 2);
	p11t_assert_rv (login (slot, wrong_pin (21)), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (slot, wrong_pin (22)), CKR_PIN_LOCKED);
	ck_assert_int_eq (mock_tries_left (slot), 1);
	shim_stop ();
}
END_TEST

/* The token's own password policy, merged with the settings. */
START_TEST (test_etoken_pin_policy)
{
	setenv ("MOCK_P11_PIN_POLICY", "min-len=10,max-len=12,upper=2,lower=2,numbers=2,special=1",
		1);
	shim_start ("");
	unsigned long sets = mock_calls ("C_SetPIN");
	/* Longer than pin-min-length wants, but shorter than the token's 10. */
	p11t_assert_rv (set_pin (slot, ENVELOPE_PIN, "Abcdef1!x"), CKR_PIN_LEN_RANGE);
	p11t_assert_rv (set_pin (slot, ENVELOPE_PIN, "Abcdefgh12345"), CKR_PIN_LEN_RANGE);
	/* The token forbids special characters, which the settings require:
	 * the token's rule wins, or no PIN could ever be set. */
	p11t_assert_rv (set_pin (slot, ENVELOPE_PIN, "Abcdefg1!x"), CKR_PIN_INVALID);
	ck_assert_msg (strstr (last_event ("pin-policy-rejected")->reasons, "forbidden-class"),
		       "%s", last_event ("pin-policy-rejected")->reasons);
	ck_assert_uint_eq (mock_calls ("C_SetPIN"), sets);
	ck_assert_int_eq (mock_tries_left (slot), ETOKEN_USER_RETRY_MAX);
	p11t_assert_rv (set_pin (slot, ENVELOPE_PIN, "Abcdefgh12"), CKR_OK);
	p11t_assert_rv (login (slot, "Abcdefgh12"), CKR_OK);
	shim_stop ();
}
END_TEST

/* PKCS#11 3.0 C_LoginUser is counted and guarded like C_Login. */
START_TEST (test_etoken_login_user)
{
	shim_start ("lockout-attempts: 15");
	CK_SESSION_HANDLE s = p11t_open_session (&shim, slot, NULL);
	for (int i = 1; i <= 14; i++)
		p11t_assert_rv (f->C_LoginUser (s, CKU_USER, (CK_UTF8CHAR_PTR)wrong_pin (i), 12,
						(CK_UTF8CHAR_PTR) "holder", 6),
				CKR_PIN_INCORRECT);
	p11t_assert_rv (f->C_LoginUser (s, CKU_USER, (CK_UTF8CHAR_PTR)ENVELOPE_PIN, 8,
					(CK_UTF8CHAR_PTR) "holder", 6),
			CKR_PIN_LOCKED);
	ck_assert_int_eq (mock_tries_left (slot), 1);
	ck_assert_int_eq (count_events ("lockout-warning"), 5);
	f->C_CloseSession (s);
	shim_stop ();
}
END_TEST

/* A PIN pad: the PIN never passes through the shim, logins still work,
 * and the guard still holds back the last try. */
START_TEST (test_etoken_pin_pad)
{
	setenv ("MOCK_P11_PIN_PAD", "1", 1);
	shim_start ("");
	CK_SESSION_HANDLE s = p11t_open_session (&shim, slot, NULL);
	p11t_assert_rv (f->C_Login (s, CKU_USER, NULL, 0), CKR_OK);
	p11t_assert_rv (f->C_Logout (s), CKR_OK);
	ck_assert_int_eq (count_events ("weak-pin-in-use"), 0);
	f->C_CloseSession (s);
	for (int i = 1; i <= 14; i++)
		p11t_assert_rv (login (slot, wrong_pin (i)), CKR_PIN_INCORRECT);
	s = p11t_open_session (&shim, slot, NULL);
	p11t_assert_rv (f->C_Login (s, CKU_USER, NULL, 0), CKR_PIN_LOCKED);
	f->C_CloseSession (s);
	unsetenv ("MOCK_P11_PIN_PAD");
	shim_stop ();
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("lockout");
	TCase *policy = tcase_create ("policy");
	TCase *lockout = tcase_create ("lockout");

	tcase_add_checked_fixture (policy, setup, teardown);
	tcase_set_timeout (policy, 60);
	tcase_add_test (policy, test_policy_set_pin);
	tcase_add_test (policy, test_policy_init_pin_and_so);
	tcase_add_test (policy, test_policy_settings);
	tcase_add_test (policy, test_weak_pin_in_use);
	tcase_add_test (policy, test_pin_pad_null);
	suite_add_tcase (s, policy);

	tcase_add_checked_fixture (lockout, setup, teardown);
	tcase_set_timeout (lockout, 60);
	tcase_add_test (lockout, test_countdown_and_guard);
	tcase_add_test (lockout, test_guard_release_and_off);
	tcase_add_test (lockout, test_released_try_is_the_last);
	tcase_add_test (lockout, test_no_countdown_before_a_wrong_pin);
	tcase_add_test (lockout, test_label_kept_by_default);
	tcase_add_test (lockout, test_label_programs_setting);
	tcase_add_test (lockout, test_repeat_guard);
	tcase_add_test (lockout, test_tty_warning);
	tcase_add_test (lockout, test_processes_share_count);
	tcase_add_test (lockout, test_threads_share_count);
	tcase_add_test (lockout, test_state_unwritable);
	tcase_add_test (lockout, test_state_corrupt);
	tcase_add_test (lockout, test_label_room);
	suite_add_tcase (s, lockout);

	TCase *etoken = tcase_create ("etoken");
	tcase_add_checked_fixture (etoken, setup_etoken, teardown);
	tcase_set_timeout (etoken, 60);
	tcase_add_test (etoken, test_etoken_countdown);
	tcase_add_test (etoken, test_etoken_hidden_counter);
	tcase_add_test (etoken, test_etoken_counter_is_the_tokens);
	tcase_add_test (etoken, test_etoken_release_keeps_count);
	tcase_add_test (etoken, test_etoken_hidden_release_keeps_count);
	tcase_add_test (etoken, test_etoken_no_countdown_before_a_wrong_pin);
	tcase_add_test (etoken, test_etoken_pin_policy);
	tcase_add_test (etoken, test_etoken_login_user);
	tcase_add_test (etoken, test_etoken_pin_pad);
	suite_add_tcase (s, etoken);

	return p11t_run_suite (s);
}
