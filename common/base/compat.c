/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "base/compat.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(HAVE_SYS_AUXV_H)
#include <sys/auxv.h>
#endif

bool
hkp11_secure_mode (void)
{
	/* AT_SECURE: the kernel's word that this program was given rights
	 * its user does not have (set-uid, set-gid, file capabilities). */
#if defined(HAVE_GETAUXVAL) && defined(AT_SECURE)
	return getauxval (AT_SECURE) != 0;
#elif defined(HAVE_ISSETUGID)
	return issetugid () != 0;
#else
	return getuid () != geteuid () || getgid () != getegid ();
#endif
}

const char *
hkp11_getenv (const char *name)
{
	if (hkp11_secure_mode ())
		return NULL;
#if defined(HAVE_SECURE_GETENV)
	return secure_getenv (name);
#elif defined(HAVE___SECURE_GETENV)
	return __secure_getenv (name);
#elif defined(HAVE_ISSETUGID)
	return issetugid () ? NULL : getenv (name);
#else
	if (getuid () != geteuid () || getgid () != getegid ())
		return NULL;
	return getenv (name);
#endif
}

const char *
hkp11_program_name (void)
{
#if defined(HAVE_GETPROGNAME)
	const char *name = getprogname ();
	return name ? name : "unknown";
#elif defined(HAVE_DECL_PROGRAM_INVOCATION_SHORT_NAME) && HAVE_DECL_PROGRAM_INVOCATION_SHORT_NAME
	return program_invocation_short_name ? program_invocation_short_name : "unknown";
#else
	return "unknown";
#endif
}

void
hkp11_wipe (void *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
#if defined(HAVE_EXPLICIT_BZERO)
	explicit_bzero (buf, len);
#elif defined(HAVE_MEMSET_S)
	memset_s (buf, len, 0, len);
#else
	volatile unsigned char *p = buf;
	while (len--)
		*p++ = 0;
#endif
}

size_t
hkp11_strlcpy (char *dst, const char *src, size_t size)
{
	size_t len = strlen (src);
	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy (dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

const char *
hkp11_home_dir (void)
{
	/* Not even the password database's: the home is the invoking user's,
	 * and so is everything in it. */
	if (hkp11_secure_mode ())
		return NULL;
	const char *home = hkp11_getenv ("HOME");
	if (home != NULL && home[0] == '/')
		return home;
	/* getpwuid's buffer is static; callers copy the path straight away. */
	struct passwd *pw = getpwuid (getuid ());
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return NULL;
}
