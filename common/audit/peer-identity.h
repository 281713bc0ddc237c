/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who is at the other end, when hkpost-p11 runs behind p11-kit's remoting.
 *
 * `p11-kit server` accepts a connection on its Unix socket, forks, and
 * runs p11-kit-remote with the accepted socket as its standard input and
 * output; p11-kit-remote loads hkpost-p11.  The kernel knows who connected
 * (SO_PEERCRED: process id, user and group, as they were at connect()).
 * Through `ssh -L` that process is the token host's sshd serving the
 * forward, running as the ssh login's user.  That is all that can honestly
 * be said: nothing on the socket names the machine or person beyond it.
 *
 * With pkcs11.conf's `remote: |ssh HOST p11-kit remote ...`, p11-kit-remote
 * is instead a child of sshd, whose SSH_CONNECTION (client address and
 * port, server address and port) then describes this very connection; it
 * is taken only when the parent process is sshd, since a server started
 * from an ssh session inherits a SSH_CONNECTION that belongs to nobody
 * calling now.
 */
#ifndef HKP11_PEER_IDENTITY_H
#define HKP11_PEER_IDENTITY_H

#include <stdbool.h>

typedef struct {
	/* Standard input is a connected Unix socket and the kernel named its peer. */
	bool has_socket_peer;
	long pid;
	unsigned long uid;
	unsigned long gid;
	char user[64];    /* the uid's name, "" when the password database has none */
	char program[32]; /* the peer's /proc/PID/comm, "" when it cannot be read */
	/* SSH_CONNECTION of the sshd that started this process, "" otherwise. */
	char ssh_connection[128];
} hkp11_peer;

/* Fills peer; returns whether anything was found. */
bool hkp11_peer_identify (hkp11_peer *peer);

#endif
