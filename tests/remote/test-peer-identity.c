/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The peer of standard input, as p11-kit server hands a connection to
 * p11-kit-remote: named when it is a connected Unix socket, nothing
 * otherwise; SSH_CONNECTION only from an sshd parent.
 */
#include "config.h"
#include "audit/peer-identity.h"
#include "p11-test.h"

#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void
on_stdin (int fd)
{
	ck_assert_int_ge (dup2 (fd, STDIN_FILENO), 0);
	close (fd);
}

START_TEST (test_not_a_socket)
{
	hkp11_peer peer;
	int fd = open ("/dev/null", O_RDONLY);

	ck_assert_int_ge (fd, 0);
	on_stdin (fd);
	unsetenv ("SSH_CONNECTION");
	ck_assert (!hkp11_peer_identify (&peer));
	ck_assert (!peer.has_socket_peer);
	ck_assert_str_eq (peer.ssh_connection, "");
}
END_TEST

START_TEST (test_socketpair)
{
	hkp11_peer peer;
	char comm[64] = "";
	int sv[2];
	FILE *f;

	ck_assert_int_eq (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), 0);
	on_stdin (sv[0]);
	ck_assert (hkp11_peer_identify (&peer));
	ck_assert (peer.has_socket_peer);
	/* Both ends of a pair carry the credentials of the process that made it. */
	ck_assert_int_eq (peer.pid, (long)getpid ());
	ck_assert_uint_eq (peer.uid, (unsigned long)getuid ());
	ck_assert_uint_eq (peer.gid, (unsigned long)getgid ());
	f = fopen ("/proc/self/comm", "r");
	if (f != NULL) {
		ck_assert_ptr_nonnull (fgets (comm, sizeof comm, f));
		fclose (f);
		comm[strcspn (comm, "\n")] = '\0';
		ck_assert_str_eq (peer.program, comm);
	}
	close (sv[1]);
}
END_TEST

/* As p11-kit server does it: a listening socket, a connection from another
 * process (here one that becomes "sleep"), the accepted end on stdin. */
START_TEST (test_accepted_connection)
{
	hkp11_peer peer;
	struct sockaddr_un sa;
	char dir[] = "/tmp/hkp11-peer.XXXXXX";
	int listener, conn, status;
	pid_t child;

	ck_assert_ptr_nonnull (mkdtemp (dir));
	memset (&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf (sa.sun_path, sizeof sa.sun_path, "%s/sock", dir);
	listener = socket (AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge (listener, 0);
	ck_assert_int_eq (bind (listener, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq (listen (listener, 1), 0);

	child = fork ();
	ck_assert_int_ge (child, 0);
	if (child == 0) {
		int fd = socket (AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) != 0)
			_exit (1);
		execlp ("sleep", "sleep", "10", (char *)NULL);
		_exit (1);
	}
	conn = accept (listener, NULL, NULL);
	ck_assert_int_ge (conn, 0);
	/* Give the child the moment it takes to exec. */
	for (int i = 0; i < 50; i++) {
		char path[64], name[32] = "";
		FILE *f;
		snprintf (path, sizeof path, "/proc/%ld/comm", (long)child);
		f = fopen (path, "r");
		if (f == NULL)
			break;
		if (fgets (name, sizeof name, f) == NULL)
			name[0] = '\0';
		fclose (f);
		if (strncmp (name, "sleep", 5) == 0)
			break;
		usleep (20000);
	}
	on_stdin (conn);
	ck_assert (hkp11_peer_identify (&peer));
	ck_assert_int_eq (peer.pid, (long)child);
	ck_assert_uint_eq (peer.uid, (unsigned long)getuid ());
	if (access ("/proc/self/comm", R_OK) == 0)
		ck_assert_str_eq (peer.program, "sleep");

	kill (child, SIGKILL);
	waitpid (child, &status, 0);
	close (listener);
	unlink (sa.sun_path);
	rmdir (dir);
}
END_TEST

START_TEST (test_tcp_is_not_a_peer)
{
	hkp11_peer peer;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int listener, client, conn;

	listener = socket (AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge (listener, 0);
	memset (&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
	ck_assert_int_eq (bind (listener, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq (listen (listener, 1), 0);
	ck_assert_int_eq (getsockname (listener, (struct sockaddr *)&sa, &len), 0);
	client = socket (AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq (connect (client, (struct sockaddr *)&sa, sizeof sa), 0);
	conn = accept (listener, NULL, NULL);
	ck_assert_int_ge (conn, 0);
	on_stdin (conn);
	unsetenv ("SSH_CONNECTION");
	ck_assert (!hkp11_peer_identify (&peer));
	close (client);
	close (listener);
}
END_TEST

/* A SSH_CONNECTION inherited from a login session, not from sshd itself. */
START_TEST (test_ssh_connection_needs_sshd_parent)
{
	hkp11_peer peer;
	int fd = open ("/dev/null", O_RDONLY);

	ck_assert_int_ge (fd, 0);
	on_stdin (fd);
	setenv ("SSH_CONNECTION", "192.0.2.7 50000 192.0.2.1 22", 1);
	ck_assert (!hkp11_peer_identify (&peer));
	ck_assert_str_eq (peer.ssh_connection, "");
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("peer-identity");
	TCase *tc = tcase_create ("stdin");

	tcase_add_test (tc, test_not_a_socket);
	tcase_add_test (tc, test_socketpair);
	tcase_add_test (tc, test_accepted_connection);
	tcase_add_test (tc, test_tcp_is_not_a_peer);
	tcase_add_test (tc, test_ssh_connection_needs_sshd_parent);
	suite_add_tcase (s, tc);
	return p11t_run_suite (s);
}
