/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 register / unregister: what the programs' set-ups share
 * (cmd-register.c for the NSS programs, p11-kit and ssh; register-java.c
 * for Java).
 */
#ifndef HKP11_REGISTER_H
#define HKP11_REGISTER_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
	bool unregister;
	bool force;
	bool print;
	bool system;
	const char *profile;
	char module[PATH_MAX]; /* the module's real path */
} reg_options;

/* Whether a '#' line of the file names hkpost-p11: a file we wrote. */
bool reg_written_by_us (const char *path);

/* Unregisters: removes the file at path, when we wrote it (or --force);
 * returns the exit status, and says what it did. */
int reg_remove_file (const reg_options *o, const char *path);

/* Whether a file may be written at path: none is there, we wrote the one
 * there, or --force; says why not. */
bool reg_may_replace (const reg_options *o, const char *path);

/* mkdir -p with mode for each directory it creates. */
bool reg_make_dirs (const char *path, mode_t mode);

/* Writes text to path through a temporary file and a rename. */
bool reg_write_file (const char *path, const char *text, mode_t mode);

/* register java: a SunPKCS11 configuration in the user's config dir. */
int reg_java (const reg_options *o);

/* register desktop: hkpost-p11 monitor with each desktop session. */
int reg_desktop (const reg_options *o);

/* Runs argv with stdin from /dev/null; its output goes to out.  Returns
 * the exit status, or -1 when it could not start. */
int reg_run (char *const argv[], char *out, size_t out_len);

/* Whether tool is on PATH. */
bool reg_on_path (const char *tool);

#endif
