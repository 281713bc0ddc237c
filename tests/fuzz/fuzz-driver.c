/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a libFuzzer target over files, without libFuzzer: `make check` runs
 * fuzz-ecert this way over its committed seeds with any compiler.  Arguments
 * are files or directories; with none, the seed directory of the build.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int n_run;

static int
run_file (const char *path)
{
	FILE *f = fopen (path, "rb");
	if (f == NULL) {
		perror (path);
		return 1;
	}
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;
	unsigned char chunk[4096];
	while ((got = fread (chunk, 1, sizeof chunk, f)) > 0) {
		if (len + got > cap) {
			cap = (len + got) * 2;
			unsigned char *grown = realloc (buf, cap);
			if (grown == NULL) {
				free (buf);
				fclose (f);
				return 1;
			}
			buf = grown;
		}
		memcpy (buf + len, chunk, got);
		len += got;
	}
	fclose (f);
	LLVMFuzzerTestOneInput (buf, len);
	/* Every prefix too: truncation is what devices do best. */
	for (size_t cut = 0; cut < len; cut += 7)
		LLVMFuzzerTestOneInput (buf, cut);
	free (buf);
	n_run++;
	return 0;
}

static int
run_path (const char *path)
{
	struct stat st;
	if (stat (path, &st) != 0) {
		perror (path);
		return 1;
	}
	if (!S_ISDIR (st.st_mode))
		return run_file (path);
	DIR *d = opendir (path);
	if (d == NULL) {
		perror (path);
		return 1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir (d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char child[PATH_MAX];
		snprintf (child, sizeof child, "%s/%s", path, e->d_name);
		rc |= run_path (child);
	}
	closedir (d);
	return rc;
}

int
main (int argc, char **argv)
{
	int rc = 0;
	if (argc < 2)
		rc = run_path (FUZZ_CORPUS);
	for (int i = 1; i < argc; i++)
		rc |= run_path (argv[i]);
	printf ("%d inputs (and their prefixes) ran\n", n_run);
	/* A run over nothing has not passed. */
	return rc != 0 ? 1 : n_run == 0 ? 99 : 0;
}
