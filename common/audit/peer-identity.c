/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/peer-identity.h"
#include "base/compat.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The kernel's name of a process (Linux); "" when it cannot be read. */
static void
process_name (long pid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	snprintf (path, sizeof path, "/proc/%ld/comm", pid);
	f = fopen (path, "re");
	if (f == NULL)
		return;
	if (fgets (out, (int)len, f) == NULL)
		out[0] = '\0';
	fclose (f);
	out[strcspn (out, "\n")] = '\0';
}

static bool
socket_peer (hkp11_peer *peer)
{
#if defined(SO_PEERCRED)
	struct stat st;
	struct sockaddr_storage addr;
	socklen_t addr_len = sizeof addr;
	struct ucred cred;
	socklen_t cred_len = sizeof cred;
	struct passwd pwbuf, *pw = NULL;
	char buf[1024];

	if (fstat (STDIN_FILENO, &st) != 0 || !S_ISSOCK (st.st_mode))
		return false;
	if (getsockname (STDIN_FILENO, (struct sockaddr *)&addr, &addr_len) != 0 ||
	    addr.ss_family != AF_UNIX)
		return false;
	if (getsockopt (STDIN_FILENO, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 ||
	    cred_len != sizeof cred || cred.pid <= 0)
		return false;
	peer->has_socket_peer = true;
	peer->pid = (long)cred.pid;
	peer->uid = (unsigned long)cred.uid;
	peer->gid = (unsigned long)cred.gid;
	if (getpwuid_r (cred.uid, &pwbuf, buf, sizeof buf, &pw) == 0 && pw != NULL && pw->pw_name)
		hkp11_strlcpy (peer->user, pw->pw_name, sizeof peer->user);
	process_name (peer->pid, peer->program, sizeof peer->program);
	return true;
#else
	(void)peer;
	return false;
#endif
}

/* SSH_CONNECTION, when sshd itself started this process. */
static bool
ssh_parent (hkp11_peer *peer)
{
	char parent[32];
	const char *conn = hkp11_getenv ("SSH_CONNECTION");

	if (conn == NULL || conn[0] == '\0')
		return false;
	process_name ((long)getppid (), parent, sizeof parent);
	if (strcmp (parent, "sshd") != 0 && strcmp (parent, "sshd-session") != 0)
		return false;
	hkp11_strlcpy (peer->ssh_connection, conn, sizeof peer->ssh_connection);
	return true;
}

bool
hkp11_peer_identify (hkp11_peer *peer)
{
	bool found;

	memset (peer, 0, sizeof *peer);
	found = socket_peer (peer);
	if (ssh_parent (peer))
		found = true;
	return found;
}
