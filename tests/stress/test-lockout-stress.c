/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lockout count under stress, through the shim with every layer on,
 * over the mock backend (whose token has one serial number in every
 * process, so every process counts for the same token).
 *
 *   - 32 processes fail logins at once, 5 each: the state counts exactly
 *     160.  Then 32 processes try once each against lockout-attempts 15
 *     and a guard of 1: exactly 14 reach the token, the state counts 14,
 *     and the other 18 are held back.
 *   - 1,000 processes killed with SIGKILL at random moments while they
 *     fail logins (eight at a time, so that kills also land while another
 *     holds the store's lock): after every kill each state file reads back
 *     whole, the count never falls, and afterwards a guard release leaves
 *     the count as it is and the store still counts.
 *   - No home, a home that cannot be written: the shim starts, counts in
 *     memory and the guard still holds back the last try.
 *
 * HKP11_STRESS_SCALE scales the kills.
 */
#include "config.h"
#include "lockout/store.h"
#include "stress.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *state_dir;

static void
setup (void)
{
	fx_setup ();
	state_dir = p11t_tmpdir ("lockout-stress");
}

static void
teardown (void)
{
	fx_teardown ();
	p11t_rmtree (state_dir);
	free (state_dir);
}

static CK_RV
login (CK_SESSION_HANDLE s, int who, int n)
{
	char pin[16];
	/* A different wrong PIN each time: the repeat guard stays out of it. */
	snprintf (pin, sizeof pin, "7%03d%04d", who % 1000, n % 10000);
	return fx.shim.f3->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, 8);
}

/* ---- processes failing at once ------------------------------------------ */

typedef struct {
	int barrier; /* read end: released when the parent closes the write end */
	int id, tries;
	int result; /* pipe: how many tries reached the token */
} racer;

static int
race (void *arg)
{
	racer *r = arg;
	CK_SESSION_HANDLE s;
	char c;
	unsigned char reached = 0;
	if (fx.shim.f3->C_Initialize (NULL) != CKR_OK ||
	    fx.shim.f3->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return 2;
	if (read (r->barrier, &c, 1) != 0)
		return 3;
	for (int i = 0; i < r->tries; i++) {
		CK_RV rv = login (s, r->id, i);
		if (rv == CKR_PIN_INCORRECT)
			reached++;
		else if (rv != CKR_PIN_LOCKED) /* the guard */
			return 4;
	}
	if (write (r->result, &reached, 1) != 1)
		return 5;
	return fx.shim.f3->C_Finalize (NULL) == CKR_OK ? 0 : 6;
}

/* PROCS processes, TRIES wrong PINs each, all at once; returns how many
 * reached the token. */
static unsigned long
fail_at_once (int procs, int tries)
{
	int barrier[2], result[2];
	pid_t pids[64];
	unsigned long reached = 0;

	ck_assert_int_eq (pipe (barrier), 0);
	ck_assert_int_eq (pipe (result), 0);
	fflush (stdout);
	fflush (stderr);
	for (int i = 0; i < procs; i++) {
		pids[i] = fork ();
		ck_assert_int_ge (pids[i], 0);
		if (pids[i] == 0) {
			racer r = { barrier[0], i, tries, result[1] };
			close (barrier[1]);
			close (result[0]);
			alarm (60);
			_exit (race (&r));
		}
	}
	close (barrier[0]);
	close (result[1]);
	/* Let them all reach the barrier, then open it. */
	usleep (200000);
	close (barrier[1]);
	for (int i = 0; i < procs; i++) {
		int status;
		unsigned char n;
		ck_assert_int_eq (waitpid (pids[i], &status, 0), pids[i]);
		ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "process %d: %s", i,
			       stress_status_text (WIFSIGNALED (status) ? 1000 + WTERMSIG (status)
									: WEXITSTATUS (status)));
		ck_assert_int_eq (read (result[0], &n, 1), 1);
		reached += n;
	}
	close (result[0]);
	return reached;
}

START_TEST (test_processes_at_once)
{
	char why[1024];
	stress_layers_on (fx.dir, state_dir, "lockout-attempts: 1000\n");
	unsigned long reached = fail_at_once (32, 5);
	ck_assert_uint_eq (reached, 160);
	ck_assert_uint_eq (stress_state_failures (state_dir), 160);
	ck_assert_msg (stress_state_readable (state_dir, why, sizeof why), "%s", why);
	printf ("lockout: 32 processes x 5 wrong PINs at once: the state counts %lu\n",
		stress_state_failures (state_dir));
}
END_TEST

/*
 * At the limit: 32 processes, one try each, 15 attempts and a guard of 1.
 * Each try is decided and counted under the store's lock, so exactly 14
 * reach the token, however the processes interleave; the 18 others get
 * CKR_PIN_LOCKED from the guard.
 */
START_TEST (test_processes_at_the_guard)
{
	stress_layers_on (fx.dir, state_dir, "lockout-attempts: 15\nlockout-guard: 1\n");
	unsigned long reached = fail_at_once (32, 1);
	unsigned long stored = stress_state_failures (state_dir);
	ck_assert_uint_eq (reached, 14);
	ck_assert_uint_eq (stored, 14);
	printf ("lockout: 32 processes, one wrong PIN each, 15 attempts, guard 1: %lu reached the "
		"token, the state counts %lu, %lu held back\n",
		reached, stored, 32 - reached);
}
END_TEST

/* The mock eToken's own count of user tries left, from its shared state. */
static unsigned long
etoken_tries_left (const char *path)
{
	char line[256];
	unsigned long n = 999;
	FILE *f = fopen (path, "r");
	ck_assert_msg (f != NULL, "no mock token state %s", path);
	while (fgets (line, sizeof line, f) != NULL)
		sscanf (line, "user-tries %lu", &n);
	fclose (f);
	return n;
}

/*
 * The same at a token that counts its own tries (the mock as an eToken,
 * one counter shared by every process): each process reads the token's
 * counter, and the tries other processes have at the token are pending in
 * the store, so the token keeps its last try however the processes
 * interleave.  A try that ends at the token between another process's read
 * of the counter and its decision is taken as spent twice (the safe way
 * round: module/lockout/ cannot read the counter and the store at one
 * instant without holding the store's lock across a login), so the one
 * process deciding at the last try but one may be held back too: 14 reach
 * the token, or 13 when that happens.  Never 15.
 */
START_TEST (test_etoken_at_the_guard)
{
	char token_state[PATH_MAX];
	snprintf (token_state, sizeof token_state, "%s/etoken.state", fx.dir);
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	setenv ("MOCK_P11_STATE", token_state, 1);
	stress_layers_on (fx.dir, state_dir, "lockout-attempts: 15\nlockout-guard: 1\n");

	/* A first process creates the token's shared state (the mock writes
	 * it when its counter moves) and leaves the counter full. */
	CK_SESSION_HANDLE s;
	fx_init ();
	p11t_assert_rv (
		fx.shim.f3->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s),
		CKR_OK);
	p11t_assert_rv (login (s, 999, 0), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (etoken_tries_left (token_state), 14);
	p11t_assert_rv (fx.shim.f3->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8), CKR_OK);
	p11t_assert_rv (fx.shim.f3->C_Finalize (NULL), CKR_OK);
	ck_assert_uint_eq (etoken_tries_left (token_state), 15);

	unsigned long reached = fail_at_once (32, 1);
	unsigned long left = etoken_tries_left (token_state);
	ck_assert_uint_le (reached, 14);
	ck_assert_uint_ge (reached, 13);
	ck_assert_uint_eq (left, 15 - reached);
	/* The shim counts nothing itself for such a token. */
	ck_assert_uint_eq (stress_state_failures (state_dir), 0);
	printf ("lockout: eToken counting itself, 32 processes, one wrong PIN each, guard 1: %lu "
		"reached the token, %lu held back, the token kept %lu tr%s\n",
		reached, 32 - reached, left, left == 1 ? "y" : "ies");
}
END_TEST

/* ---- kill -9 at random moments ------------------------------------------- */

/* What `hkpost-p11 guard release` does, for every token counted in dir. */
static int
release_all (const char *dir)
{
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	DIR *d = opendir (dir);
	struct dirent *e;
	int n = 0;
	ck_assert (store != NULL && d != NULL);
	while ((e = readdir (d)) != NULL) {
		char key[HKP11_STATE_KEY_MAX];
		hkp11_state_note note;
		size_t len = strlen (e->d_name);
		if (len < 6 || len - 6 >= sizeof key || strcmp (e->d_name + len - 6, ".state") != 0)
			continue;
		memcpy (key, e->d_name, len - 6);
		key[len - 6] = '\0';
		ck_assert (hkp11_lockout_store_release (store, key, &note));
		ck_assert_msg (note.status == HKP11_STATE_OK, "%s", note.text);
		n++;
	}
	closedir (d);
	hkp11_lockout_store_free (store);
	return n;
}

static int
victim (void *arg)
{
	CK_SESSION_HANDLE s;
	int who = (int)(intptr_t)arg;
	if (fx.shim.f3->C_Initialize (NULL) != CKR_OK ||
	    fx.shim.f3->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return 2;
	for (int i = 0;; i++)
		login (s, who, i);
	return 0;
}

static pid_t
spawn_victim (int who)
{
	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		alarm (120);
		_exit (victim ((void *)(intptr_t)who));
	}
	return pid;
}

START_TEST (test_killed_at_random)
{
	enum { AT_ONCE = 8 };
	unsigned long kills = stress_n (1000), last = 0, rounds_with_progress = 0;
	unsigned int seed = (unsigned int)time (NULL) ^ (unsigned int)getpid ();
	pid_t pids[AT_ONCE];
	char why[1024];
	int who = 0;

	/* The disk, not memory: a kill can land between write and rename.
	 * Without a guard and with the most tries the settings allow, the
	 * count goes on being written (a count run out holds every try back,
	 * guard or not). */
	stress_layers_on (fx.dir, state_dir,
			  "lockout-guard: 0\nlockout-attempts: 1000\naudit: security\n");
	srand (seed);
	fflush (stdout);
	fflush (stderr);
	for (int i = 0; i < AT_ONCE; i++)
		pids[i] = spawn_victim (who++);
	/* Up to 3 ms of work before the kill; up to a second when everything
	 * runs slower (valgrind, at a small HKP11_STRESS_SCALE): a victim
	 * then takes longer than 3 ms just to initialise. */
	unsigned int window = stress_scale () < 0.5 ? 1000000 : 3000;
	for (unsigned long k = 0; k < kills; k++) {
		int i = rand () % AT_ONCE, status;
		usleep ((useconds_t)(rand () % window));
		ck_assert_int_eq (kill (pids[i], SIGKILL), 0);
		ck_assert_int_eq (waitpid (pids[i], &status, 0), pids[i]);
		ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
			       "seed %u kill %lu: the process ended by itself (%d)", seed, k,
			       status);
		ck_assert_msg (stress_state_readable (state_dir, why, sizeof why),
			       "seed %u, after kill %lu: %s", seed, k, why);
		unsigned long now = stress_state_failures (state_dir);
		ck_assert_msg (now >= last,
			       "seed %u, after kill %lu: the count fell from %lu to %lu", seed, k,
			       last, now);
		rounds_with_progress += now > last;
		last = now;
		pids[i] = spawn_victim (who++);
	}
	for (int i = 0; i < AT_ONCE; i++) {
		kill (pids[i], SIGKILL);
		waitpid (pids[i], NULL, 0);
	}
	last = stress_state_failures (state_dir);
	ck_assert_uint_gt (rounds_with_progress, 0);

	/* The store still works: no lock left held, a release changes no
	 * count (and lets a try through, should the count have run out), one
	 * more try counts one. */
	ck_assert_int_eq (release_all (state_dir), 1);
	ck_assert_uint_eq (stress_state_failures (state_dir), last);
	CK_SESSION_HANDLE s;
	fx_init ();
	p11t_assert_rv (
		fx.shim.f3->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s),
		CKR_OK);
	p11t_assert_rv (login (s, 999, 0), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (stress_state_failures (state_dir), last + 1);
	/* A slow run (sanitizers) may count all 1000 tries: then the token
	 * reads as locked, and the right PIN needs a release of its own. */
	ck_assert_int_eq (release_all (state_dir), 1);
	p11t_assert_rv (fx.shim.f3->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8), CKR_OK);
	ck_assert_uint_eq (stress_state_failures (state_dir), 0);
	printf ("lockout: %lu processes killed with SIGKILL at random moments (seed %u); the state "
		"always read whole, counting up to %lu%s\n",
		kills, seed, last, last >= 1000 ? ", where the token read as locked" : "");
}
END_TEST

/* ---- no home, or one that cannot be written ------------------------------ */

typedef struct {
	const char *home; /* NULL: unset */
	bool stranger;    /* also become a user the password database does not know */
} home_case;

static int
without_home (void *arg)
{
	const home_case *hc = arg;
	CK_SESSION_HANDLE s;
	CK_RV rv;

	unsetenv ("XDG_STATE_HOME");
	unsetenv ("XDG_CONFIG_HOME");
	if (hc->home != NULL)
		setenv ("HOME", hc->home, 1);
	else
		unsetenv ("HOME");
	if (hc->stranger && (setgid (54321) != 0 || setuid (54321) != 0))
		return 10;
	if (fx.shim.f3->C_Initialize (NULL) != CKR_OK)
		return 11;
	if (fx.shim.f3->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return 12;
	/* 14 wrong PINs reach the token, counted in memory; the guard holds
	 * back the 15th. */
	for (int i = 0; i < 14; i++) {
		if ((rv = login (s, 1, i)) != CKR_PIN_INCORRECT)
			return 13;
	}
	if (login (s, 1, 14) != CKR_PIN_LOCKED)
		return 14;
	return fx.shim.f3->C_Finalize (NULL) == CKR_OK ? 0 : 15;
}

START_TEST (test_no_home)
{
	/* Without HOME the password database names a home (root's is real):
	 * "no home" takes a user it does not know, which only root can become. */
	home_case cases[] = {
		{ "/proc/1/nowhere", false }, /* not even root can write there */
		{ "/proc", false },           { NULL, true }, { "", true },
		{ "relative/home", true },
	};
	char conf[PATH_MAX + 32];
	int n = 0;

	/* The settings name no state-dir and no audit-file: the defaults,
	 * under a home that is not there or not writable.  They lie where a
	 * stranger can read them (the tests' own area is private). */
	char *conf_dir = stress_memory_dir ("no-home");
	snprintf (conf, sizeof conf, "%s/hkpost-p11.conf", conf_dir);
	FILE *f = fopen (conf, "w");
	ck_assert_ptr_nonnull (f);
	fputs (FX_LAYERS_OFF STRESS_LAYERS_ON, f);
	ck_assert_int_eq (fclose (f), 0);
	ck_assert_int_eq (chmod (conf_dir, 0755), 0);
	ck_assert_int_eq (chmod (conf, 0644), 0);
	setenv ("HKPOST_P11_CONF", conf, 1);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		if (cases[k].stranger && geteuid () != 0)
			continue;
		int status = stress_in_child (without_home, &cases[k], 60);
		ck_assert_msg (status == 0, "HOME=%s%s: %s",
			       cases[k].home ? cases[k].home : "(unset)",
			       cases[k].stranger ? " as an unknown user" : "",
			       stress_status_text (status));
		n++;
	}
	p11t_rmtree (conf_dir);
	free (conf_dir);
	printf ("lockout: %d cases of no home or an unwritable one: counted in memory, guard "
		"held\n",
		n);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("lockout-stress");
	TCase *tc = tcase_create ("lockout");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 600);
	tcase_add_test (tc, test_processes_at_once);
	tcase_add_test (tc, test_processes_at_the_guard);
	tcase_add_test (tc, test_etoken_at_the_guard);
	tcase_add_test (tc, test_killed_at_random);
	tcase_add_test (tc, test_no_home);
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}
