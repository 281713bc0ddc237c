/* SPDX-License-Identifier: BSD-3-Clause */
/* Built into the tests' library and into the benchmark, which does not
 * link the tests' library (it would load Check into what it measures). */
#include "config.h"
#include "rmtree.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
p11t_rmtree (const char *dir)
{
	DIR *d = opendir (dir);
	if (d == NULL) {
		unlink (dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir (d)) != NULL) {
		if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
			continue;
		char child[PATH_MAX];
		snprintf (child, sizeof child, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
			p11t_rmtree (child);
		else
			unlink (child);
	}
	closedir (d);
	rmdir (dir);
}
