/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/safe-copy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_PROCESS_VM_READV
#include <sys/uio.h>
#endif

#ifndef PIPE_BUF
#define PIPE_BUF 512
#endif

typedef struct {
	bool no_vm_readv; /* process_vm_readv is refused here (seccomp, old kernel) */
	int pipe_fds[2];  /* the fallback, opened when first needed; -1 until then */
} copier;

static size_t
page_size (void)
{
	long n = sysconf (_SC_PAGESIZE);
	return n > 0 ? (size_t)n : 4096;
}

static bool
open_pipe (int fds[2])
{
#ifdef HAVE_PIPE2
	return pipe2 (fds, O_CLOEXEC | O_NONBLOCK) == 0;
#else
	if (pipe (fds) != 0)
		return false;
	for (int i = 0; i < 2; i++) {
		fcntl (fds[i], F_SETFD, FD_CLOEXEC);
		fcntl (fds[i], F_SETFL, O_NONBLOCK);
	}
	return true;
#endif
}

/* Through an empty pipe: write(2) reads src in the kernel, so an unreadable
 * src is EFAULT.  Pieces of PIPE_BUF are written whole or not at all. */
static int
read_through_pipe (copier *c, uintptr_t src, char *dst, size_t len)
{
	if (c->pipe_fds[0] < 0 && !open_pipe (c->pipe_fds)) {
		c->pipe_fds[0] = c->pipe_fds[1] = -1;
		return ENOSYS;
	}
	while (len > 0) {
		size_t piece = len < PIPE_BUF ? len : PIPE_BUF;
		ssize_t n = write (c->pipe_fds[1], (const void *)src, piece);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && errno == EFAULT ? EFAULT : ENOSYS;
		for (ssize_t done = 0; done < n;) {
			ssize_t r = read (c->pipe_fds[0], dst + done, (size_t)(n - done));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return ENOSYS;
			done += r;
		}
		src += (size_t)n;
		dst += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies len bytes, all within one page so all readable or none: 0, EFAULT,
 * or ENOSYS when no way to copy safely works here. */
static int
read_span (copier *c, uintptr_t src, char *dst, size_t len)
{
#ifdef HAVE_PROCESS_VM_READV
	if (!c->no_vm_readv) {
		struct iovec local = { .iov_base = dst, .iov_len = len };
		struct iovec remote = { .iov_base = (void *)src, .iov_len = len };
		ssize_t n = process_vm_readv (getpid (), &local, 1, &remote, 1, 0);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || errno == EFAULT)
			return EFAULT;
		/* ENOSYS, or EPERM from a seccomp filter: the pipe will do. */
		c->no_vm_readv = true;
	}
#endif
	return read_through_pipe (c, src, dst, len);
}

hkp11_copy_result
hkp11_safe_copy_string (const void *src, size_t max_len, char **out)
{
	size_t page = page_size ();
	uintptr_t at = (uintptr_t)src;
	copier c = { .no_vm_readv = false, .pipe_fds = { -1, -1 } };
	hkp11_copy_result result = HKP11_COPY_TOO_LONG;

	*out = NULL;
	/* NULL and small integers taken for pointers: nothing is ever mapped there. */
	if (at < page)
		return HKP11_COPY_FIRST_PAGE;
	if (max_len >= SIZE_MAX)
		max_len = SIZE_MAX - 1;
	size_t budget = max_len + 1; /* the terminator included */
	char *buf = malloc (budget);
	if (buf == NULL)
		return HKP11_COPY_NO_MEMORY;

	/* Up to the end of each page first: the string may end just before
	 * one that cannot be read. */
	for (size_t got = 0; got < budget;) {
		size_t room = page - at % page;
		size_t step = room < budget - got ? room : budget - got;
		if (at + step < at) {
			result = HKP11_COPY_UNREADABLE; /* runs off the end of memory */
			break;
		}
		int e = read_span (&c, at, buf + got, step);
		if (e != 0) {
			result = e == EFAULT ? HKP11_COPY_UNREADABLE : HKP11_COPY_NO_WAY;
			break;
		}
		if (memchr (buf + got, '\0', step) != NULL) {
			result = HKP11_COPY_OK;
			break;
		}
		got += step;
		at += step;
	}

	for (int i = 0; i < 2; i++) {
		if (c.pipe_fds[i] >= 0)
			close (c.pipe_fds[i]);
	}
	if (result != HKP11_COPY_OK) {
		free (buf);
		return result;
	}
	*out = buf;
	return HKP11_COPY_OK;
}

const char *
hkp11_copy_result_text (hkp11_copy_result result)
{
	switch (result) {
	case HKP11_COPY_OK:
		return "copied";
	case HKP11_COPY_FIRST_PAGE:
		return "it points into the first page of memory, where nothing is ever mapped";
	case HKP11_COPY_UNREADABLE:
		return "it points to, or runs on into, memory that cannot be read";
	case HKP11_COPY_TOO_LONG:
		return "it is longer, or has no terminating NUL";
	case HKP11_COPY_NO_MEMORY:
		return "out of memory";
	case HKP11_COPY_NO_WAY:
		return "this system allows neither process_vm_readv nor a pipe to check it";
	}
	return "unknown error";
}
