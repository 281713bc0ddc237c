/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading passwords: on the terminal without echo (termios), or one line
 * a password from standard input for scripts.  A password never comes from
 * the command line, where every user of the machine can read it.
 *
 * Bytes are read one at a time with read(2), straight into the caller's
 * buffer, so that no stdio buffer keeps a copy; the buffers are locked in
 * memory, core dumps are off, and callers wipe them right after use.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

void
cli_pin_protect (void *buf, size_t len)
{
	struct rlimit none = { 0, 0 };
	/* Best effort: without the privilege the buffers are still wiped. */
	setrlimit (RLIMIT_CORE, &none);
	if (buf != NULL)
		mlock (buf, len);
}

void
cli_pin_wipe (cli_pin *pin)
{
	hkp11_wipe (pin->text, sizeof pin->text);
	pin->len = 0;
}

/* Reads one line from fd into buf; the newline is dropped, as is a CR
 * before it. */
static cli_read_result
read_line (int fd, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	bool too_long = false;
	for (;;) {
		char c;
		ssize_t got = read (fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			hkp11_wipe (buf, size);
			return CLI_READ_ERROR;
		}
		if (got == 0) {
			if (n == 0 && !too_long) {
				hkp11_wipe (buf, size);
				return CLI_READ_EOF;
			}
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
		else
			too_long = true;
		c = 0;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	if (too_long) {
		hkp11_wipe (buf, size);
		*len = 0;
		return CLI_READ_TOO_LONG;
	}
	return CLI_READ_OK;
}

/* The terminal's settings while echo is off, for the signal handler. */
static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_echo_off;

static void
restore_and_reraise (int sig)
{
	if (tty_echo_off)
		tcsetattr (tty_fd, TCSAFLUSH, &tty_saved);
	signal (sig, SIG_DFL);
	raise (sig);
}

static void
tty_write (int fd, const char *text)
{
	ssize_t n = write (fd, text, strlen (text));
	(void)n; /* a prompt that cannot be shown is still answered */
}

static cli_read_result
prompt_tty (const char *prompt, char *buf, size_t size, size_t *len, bool echo)
{
	struct sigaction sa, old_int, old_term, old_hup, old_quit;
	struct termios quiet;
	cli_read_result r;

	int fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return CLI_READ_NO_TTY;

	/* Echo goes off before the prompt shows, so that nothing typed in
	 * answer to it is ever echoed. */
	if (!echo) {
		if (tcgetattr (fd, &tty_saved) != 0) {
			close (fd);
			return CLI_READ_NO_TTY;
		}
		tty_fd = fd;
		memset (&sa, 0, sizeof sa);
		sa.sa_handler = restore_and_reraise;
		sigaction (SIGINT, &sa, &old_int);
		sigaction (SIGTERM, &sa, &old_term);
		sigaction (SIGHUP, &sa, &old_hup);
		sigaction (SIGQUIT, &sa, &old_quit);
		quiet = tty_saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		tcsetattr (fd, TCSAFLUSH, &quiet);
		tty_echo_off = 1;
	}
	tty_write (fd, prompt);

	r = read_line (fd, buf, size, len);

	if (!echo) {
		tcsetattr (fd, TCSADRAIN, &tty_saved);
		tty_echo_off = 0;
		sigaction (SIGINT, &old_int, NULL);
		sigaction (SIGTERM, &old_term, NULL);
		sigaction (SIGHUP, &old_hup, NULL);
		sigaction (SIGQUIT, &old_quit, NULL);
		/* The Enter the user typed was not echoed. */
		tty_write (fd, "\n");
		tty_fd = -1;
	}
	close (fd);
	return r;
}

cli_read_result
cli_pin_prompt (const char *prompt, cli_pin *pin)
{
	return prompt_tty (prompt, pin->text, sizeof pin->text, &pin->len, false);
}

cli_read_result
cli_pin_stdin (cli_pin *pin)
{
	return read_line (STDIN_FILENO, pin->text, sizeof pin->text, &pin->len);
}

cli_read_result
cli_ask (const char *prompt, char *answer, size_t len)
{
	size_t n;
	return prompt_tty (prompt, answer, len, &n, true);
}

/* ---- what a PIN lacks, in the user's language -------------------------------- */

static const struct {
	unsigned int class;
	const char *needs;
	const char *forbidden;
	const char *name;
} classes[] = {
	{ HKP11_PIN_UPPER, N_ ("needs an upper-case letter (A-Z)"),
	  N_ ("must not contain upper-case letters: the token forbids them"), N_ ("upper case") },
	{ HKP11_PIN_LOWER, N_ ("needs a lower-case letter (a-z)"),
	  N_ ("must not contain lower-case letters: the token forbids them"), N_ ("lower case") },
	{ HKP11_PIN_DIGIT, N_ ("needs a digit (0-9)"),
	  N_ ("must not contain digits: the token forbids them"), N_ ("digits") },
	{ HKP11_PIN_SPECIAL, N_ ("needs a special character such as ! $ # %"),
	  N_ ("must not contain special characters: the token forbids them"),
	  N_ ("special characters such as ! $ # %") },
};

void
cli_pin_reasons (FILE *out, const char *indent, const hkp11_pin_verdict *v,
		 const hkp11_pin_rules *rules)
{
	if (v->failures & HKP11_PIN_TOO_SHORT) {
		fprintf (out, "%s- ", indent);
		fprintf (out, _ ("needs at least %u characters (it has %zu)"), rules->min_length,
			 v->length);
		fputc ('\n', out);
	}
	if (v->failures & HKP11_PIN_TOO_LONG) {
		fprintf (out, "%s- ", indent);
		fprintf (out, _ ("may have at most %u characters (it has %zu)"), rules->max_length,
			 v->length);
		fputc ('\n', out);
	}
	if (v->failures & HKP11_PIN_BAD_CHARACTER)
		fprintf (out, "%s- %s\n", indent,
			 _ ("may hold only letters A-Z and a-z, digits, space and the special "
			    "characters of an English keyboard, which every token accepts"));
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		if ((v->failures & HKP11_PIN_MISSING_CLASS) && (v->missing & classes[i].class))
			fprintf (out, "%s- %s\n", indent, _ (classes[i].needs));
	}
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		if ((v->failures & HKP11_PIN_FORBIDDEN_CLASS) && (v->forbidden & classes[i].class))
			fprintf (out, "%s- %s\n", indent, _ (classes[i].forbidden));
	}
	if (v->failures & HKP11_PIN_TOO_FEW_CLASSES) {
		fprintf (out, "%s- ", indent);
		fprintf (out,
			 _ ("needs at least %u of the four kinds (upper case, lower case, digits, "
			    "special characters); it has %u"),
			 rules->min_classes, v->n_classes);
		fputc ('\n', out);
	}
	if (v->failures & HKP11_PIN_REPEATED) {
		fprintf (out, "%s- ", indent);
		fprintf (out, _ ("repeats a character %zu times in a row; at most %u are allowed"),
			 v->longest_run, rules->max_repeated);
		fputc ('\n', out);
	}
	if (v->failures & HKP11_PIN_SAME_AS_OLD)
		fprintf (out, "%s- %s\n", indent, _ ("must differ from the current password"));
}

const char *
cli_rules_text (const hkp11_pin_rules *rules, char *buf, size_t len)
{
	size_t used = 0;
	int n;
	bool first = true;

	n = snprintf (buf, len, _ ("at least %u characters"), rules->min_length);
	used = n > 0 && (size_t)n < len ? (size_t)n : 0;
	/* A maximum beyond what anyone types says nothing. */
	if (rules->max_length > 0 && rules->max_length < 64 && used < len) {
		n = snprintf (buf + used, len - used, _ (", at most %u"), rules->max_length);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	for (size_t i = 0; i < sizeof classes / sizeof classes[0] && used < len; i++) {
		if (!(rules->require & classes[i].class))
			continue;
		n = snprintf (buf + used, len - used, "%s%s", first ? _ (", with ") : _ (", "),
			      _ (classes[i].name));
		first = false;
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	if (rules->min_classes > 0 && used < len) {
		n = snprintf (buf + used, len - used, _ (", mixing at least %u kinds"),
			      rules->min_classes);
		if (n > 0 && (size_t)n < len - used)
			used += (size_t)n;
	}
	return buf;
}
