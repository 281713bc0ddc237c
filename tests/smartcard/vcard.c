/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkp11-vcard: the tests' virtual smart card (see vcard.h), and the
 * command that pulls it out and puts it back.
 *
 *   hkp11-vcard --nssdb DIR --state-dir DIR --control SOCKET [--port PORT]
 *               [--insert TOKEN | --empty] --card TOKEN:SERIAL:MAX...
 *   hkp11-vcard --ctl SOCKET remove | insert [TOKEN] | status | reset-tries | quit
 *
 * vpcd (the reader driver in pcscd) listens on PORT (35963 by default) of
 * every address; the tests run pcscd in a network namespace of its own,
 * where that is loopback only, and this program joins it.  The control
 * socket exists once the card is in the reader (or, with --empty, ready
 * to be put in), so a test waits for it.
 *
 * vpcd's framing: every message, either way, is a 2-byte big-endian length
 * and that many bytes.  A 1-byte message from vpcd is a control: 0x00 power
 * off, 0x01 power on, 0x02 reset (none answered), 0x04 the ATR (answered).
 * Anything longer is a command APDU, answered with the response APDU.  A
 * closed connection is a removed card.
 *
 * A card is pulled out by "remove" on the control socket or by SIGUSR1,
 * and put back by "insert" or SIGUSR2 ("insert TOKEN" puts another card
 * in the reader).  SIGTERM ends the program.
 */
#include "config.h"
#include "vcard.h"

#include <libcacard.h>
#include <pk11pub.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CARDS 4

static vcard_card cards[MAX_CARDS];
static size_t n_cards;
static vcard_card *inserted;  /* the card in the reader, or NULL */
static vcard_card *last_card; /* what SIGUSR2 puts back */
static unsigned short port = 35963;
static int vpcd_conn = -1, control_listener = -1;
static int signal_pipe[2] = { -1, -1 };

void
vcard_log (const char *fmt, ...)
{
	va_list ap;

	fputs ("hkp11-vcard: ", stderr);
	va_start (ap, fmt);
	vfprintf (stderr, fmt, ap);
	va_end (ap);
	fputc ('\n', stderr);
}

static void
die (const char *what)
{
	vcard_log ("%s: %s", what, strerror (errno));
	exit (1);
}

/* --- the connection to vpcd ---------------------------------------------- */

/* vpcd polls its socket for a card every few hundred milliseconds; while
 * pcscd starts, it may not listen yet: try for up to ten seconds. */
static int
connect_vpcd (void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (port) };

	sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
	for (int attempt = 0; attempt < 100; attempt++) {
		int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die ("socket");
		if (connect (fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		close (fd);
		usleep (100 * 1000);
	}
	return -1;
}

static bool
read_full (int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = read (fd, (char *)buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

static bool
send_message (int fd, const unsigned char *data, size_t len)
{
	unsigned char buf[2 + 65536];

	buf[0] = (unsigned char)(len >> 8);
	buf[1] = (unsigned char)len;
	memcpy (buf + 2, data, len);
	return send (fd, buf, len + 2, MSG_NOSIGNAL) == (ssize_t)(len + 2);
}

/* --- the reader ------------------------------------------------------------ */

static void
drop_vpcd (void)
{
	if (vpcd_conn >= 0)
		close (vpcd_conn);
	vpcd_conn = -1;
}

static void
card_remove (void)
{
	if (inserted == NULL)
		return;
	drop_vpcd ();
	vcard_power (inserted, false);
	vcard_log ("%s pulled out", inserted->token);
	inserted = NULL;
}

static bool
card_insert (vcard_card *card)
{
	if (inserted == card)
		return true;
	card_remove ();
	vpcd_conn = connect_vpcd ();
	if (vpcd_conn < 0)
		return false;
	inserted = card;
	last_card = card;
	vcard_state_load (card);
	vcard_log ("%s put in (%u of %u tries left)", card->token, card->tries_left,
		   card->max_tries);
	return true;
}

/* One message from vpcd; false when the connection is gone. */
static bool
serve_vpcd (void)
{
	static unsigned char msg[65536], resp[65536];
	unsigned char head[2];
	size_t len, n;

	if (!read_full (vpcd_conn, head, 2))
		return false;
	len = (size_t)head[0] << 8 | head[1];
	if (!read_full (vpcd_conn, msg, len))
		return false;
	if (len == 1) {
		switch (msg[0]) {
		case 0x00:
			vcard_power (inserted, false);
			return true;
		case 0x01:
			vcard_power (inserted, true);
			return true;
		case 0x02:
			vcard_power (inserted, false);
			vcard_power (inserted, true);
			return true;
		case 0x04: {
			int atr_len = (int)sizeof resp;
			vcard_emul_get_atr (NULL, resp, &atr_len);
			return send_message (vpcd_conn, resp, (size_t)atr_len);
		}
		default:
			vcard_log ("unknown control 0x%02x from vpcd", msg[0]);
			return true;
		}
	}
	n = vcard_apdu (inserted, msg, len, resp, sizeof resp);
	return send_message (vpcd_conn, resp, n);
}

/* --- control ----------------------------------------------------------------- */

static vcard_card *
find_card (const char *token)
{
	for (size_t i = 0; i < n_cards; i++)
		if (strcmp (cards[i].token, token) == 0)
			return &cards[i];
	return NULL;
}

static bool quit;

static void
command (const char *line, char *reply, size_t size)
{
	char cmd[64] = "", arg[256] = "";

	sscanf (line, "%63s %255s", cmd, arg);
	if (strcmp (cmd, "remove") == 0) {
		card_remove ();
		snprintf (reply, size, "removed");
	} else if (strcmp (cmd, "insert") == 0) {
		vcard_card *card = arg[0] ? find_card (arg) : last_card;
		if (card == NULL)
			snprintf (reply, size, "error: no card %s", arg);
		else if (!card_insert (card))
			snprintf (reply, size, "error: no reader at port %u", port);
		else
			snprintf (reply, size, "inserted %s", card->token);
	} else if (strcmp (cmd, "status") == 0) {
		if (inserted == NULL)
			snprintf (reply, size, "empty");
		else
			snprintf (reply, size, "%s %u %u", inserted->token, inserted->tries_left,
				  inserted->max_tries);
	} else if (strcmp (cmd, "reset-tries") == 0 && inserted != NULL) {
		/* What an administrator's unblocking does to a real card. */
		inserted->tries_left = inserted->max_tries;
		vcard_state_save (inserted);
		snprintf (reply, size, "%s %u %u", inserted->token, inserted->tries_left,
			  inserted->max_tries);
	} else if (strcmp (cmd, "quit") == 0) {
		quit = true;
		snprintf (reply, size, "bye");
	} else {
		snprintf (reply, size, "error: unknown command '%s'", cmd);
	}
}

static void
serve_control (void)
{
	char line[512], reply[512];
	ssize_t n;
	int fd = accept4 (control_listener, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	n = read (fd, line, sizeof line - 1);
	if (n > 0) {
		line[n] = '\0';
		command (line, reply, sizeof reply);
		strncat (reply, "\n", sizeof reply - strlen (reply) - 1);
		if (write (fd, reply, strlen (reply)) < 0)
			vcard_log ("control reply: %s", strerror (errno));
	}
	close (fd);
}

static int
control_client (const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[512] = "", reply[512];
	ssize_t n;
	int fd;

	for (int i = 0; i < argc; i++) {
		strncat (line, argv[i], sizeof line - strlen (line) - 2);
		strcat (line, " ");
	}
	if (strlen (path) >= sizeof sa.sun_path) {
		vcard_log ("control socket path too long");
		return 2;
	}
	strcpy (sa.sun_path, path);
	fd = socket (AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die (path);
	if (write (fd, line, strlen (line)) < 0)
		die ("write");
	shutdown (fd, SHUT_WR);
	n = read (fd, reply, sizeof reply - 1);
	close (fd);
	if (n <= 0) {
		vcard_log ("no answer from the card");
		return 1;
	}
	reply[n] = '\0';
	fputs (reply, stdout);
	return strncmp (reply, "error", 5) == 0 ? 1 : 0;
}

static void
open_control (const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen (path) >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		die (path);
	}
	strcpy (sa.sun_path, path);
	unlink (path);
	control_listener = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (control_listener < 0 ||
	    bind (control_listener, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen (control_listener, 8) != 0)
		die (path);
}

/* --- set-up ------------------------------------------------------------------ */

static void
on_signal (int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write (signal_pipe[1], &c, 1) < 0) {
		/* the loop is behind: nothing to do */
	}
	errno = saved;
}

static void
parse_card (const char *spec, const char *state_dir)
{
	char token[256], serial[64];
	unsigned max;
	vcard_card *card;
	size_t len;

	if (n_cards == MAX_CARDS ||
	    sscanf (spec, "%255[^:]:%63[0-9a-fA-F]:%u", token, serial, &max) != 3 || max == 0 ||
	    max > 15 || strlen (serial) % 2 != 0 || strlen (serial) / 2 > sizeof card->cuid) {
		vcard_log ("bad --card '%s' (TOKEN:SERIAL-HEX:MAX-TRIES, at most 15 tries)", spec);
		exit (2);
	}
	card = &cards[n_cards++];
	card->token = strdup (token);
	card->max_tries = max;
	len = strlen (serial) / 2;
	for (size_t i = 0; i < len; i++) {
		unsigned b;
		sscanf (serial + 2 * i, "%2x", &b);
		card->cuid[i] = (unsigned char)b;
	}
	card->cuid_len = len;
	if (asprintf (&card->state_path, "%s/%s.tries", state_dir, token) < 0)
		die ("asprintf");
}

static void
find_readers (const char *nssdb)
{
	char *options;
	VCardEmulOptions *opts;

	if (asprintf (&options, "db=\"sql:%s\" use_hw=removable", nssdb) < 0)
		die ("asprintf");
	opts = vcard_emul_options (options);
	if (opts == NULL || vcard_emul_init (opts) != VCARD_EMUL_OK) {
		vcard_log ("libcacard could not start on the NSS database %s", nssdb);
		exit (1);
	}
	free (options);
	for (size_t i = 0; i < n_cards; i++) {
		PK11SlotInfo *slot = NULL;
		/* NSS may still be looking at the module's slots. */
		for (int attempt = 0; slot == NULL && attempt < 50; attempt++) {
			slot = PK11_FindSlotByName (cards[i].token);
			if (slot == NULL)
				usleep (100 * 1000);
		}
		if (slot == NULL) {
			vcard_log ("no token '%s' in the NSS database %s", cards[i].token, nssdb);
			exit (1);
		}
		cards[i].slot = slot;
		cards[i].reader = vreader_get_reader_by_name (PK11_GetSlotName (slot));
		if (cards[i].reader == NULL ||
		    vreader_card_is_present (cards[i].reader) != VREADER_OK) {
			vcard_log ("libcacard made no card of token '%s' (no certificate?)",
				   cards[i].token);
			exit (1);
		}
	}
}

static void
usage (void)
{
	fputs ("usage: hkp11-vcard --nssdb DIR --state-dir DIR --control SOCKET [--port PORT]\n"
	       "                   [--insert TOKEN | --empty] --card TOKEN:SERIAL:MAX...\n"
	       "       hkp11-vcard --ctl SOCKET remove | insert [TOKEN] | status | reset-tries | "
	       "quit\n",
	       stderr);
	exit (2);
}

static void
serve (void)
{
	while (!quit) {
		struct pollfd fds[3];
		nfds_t n = 0;
		int conn_i = -1;

		fds[n++] = (struct pollfd){ .fd = signal_pipe[0], .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = control_listener, .events = POLLIN };
		if (vpcd_conn >= 0)
			fds[conn_i = (int)n++] =
				(struct pollfd){ .fd = vpcd_conn, .events = POLLIN };
		if (poll (fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die ("poll");
		}
		if (fds[0].revents) {
			unsigned char sig;
			if (read (signal_pipe[0], &sig, 1) == 1) {
				if (sig == SIGUSR1)
					card_remove ();
				else if (sig == SIGUSR2 && last_card != NULL)
					card_insert (last_card);
				else if (sig == SIGTERM || sig == SIGINT)
					quit = true;
			}
			continue; /* the connection may have changed */
		}
		if (conn_i >= 0 && fds[conn_i].revents && !serve_vpcd ()) {
			/* vpcd went away (pcscd stopped): the card is out. */
			card_remove ();
		}
		if (fds[1].revents)
			serve_control ();
	}
}

int
main (int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nssdb", required_argument, NULL, 'n' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "ctl", required_argument, NULL, 'C' },
		{ "port", required_argument, NULL, 'p' },
		{ "card", required_argument, NULL, 'k' },
		{ "insert", required_argument, NULL, 'i' },
		{ "empty", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nssdb = NULL, *state_dir = NULL, *control = NULL;
	const char *insert = NULL;
	char *card_specs[MAX_CARDS + 1];
	size_t n_specs = 0;
	bool empty = false;
	int opt;

	while ((opt = getopt_long (argc, argv, "+", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			nssdb = optarg;
			break;
		case 's':
			state_dir = optarg;
			break;
		case 'c':
			control = optarg;
			break;
		case 'C':
			return control_client (optarg, argc - optind, argv + optind);
		case 'p':
			port = (unsigned short)strtoul (optarg, NULL, 10);
			break;
		case 'k':
			if (n_specs == MAX_CARDS)
				usage ();
			card_specs[n_specs++] = optarg;
			break;
		case 'i':
			insert = optarg;
			break;
		case 'e':
			empty = true;
			break;
		default:
			usage ();
		}
	}
	if (optind != argc || !nssdb || !state_dir || !control || n_specs == 0)
		usage ();
	for (size_t i = 0; i < n_specs; i++)
		parse_card (card_specs[i], state_dir);

	if (pipe2 (signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		die ("pipe");
	signal (SIGUSR1, on_signal);
	signal (SIGUSR2, on_signal);
	signal (SIGTERM, on_signal);
	signal (SIGINT, on_signal);
	signal (SIGPIPE, SIG_IGN);

	find_readers (nssdb);
	last_card = insert ? find_card (insert) : &cards[0];
	if (last_card == NULL) {
		vcard_log ("--insert %s: no such --card", insert);
		return 2;
	}
	if (!empty && !card_insert (last_card)) {
		vcard_log ("no reader listens on port %u", port);
		return 1;
	}
	open_control (control);

	serve ();

	card_remove ();
	unlink (control);
	vcard_emul_finalize ();
	return 0;
}
