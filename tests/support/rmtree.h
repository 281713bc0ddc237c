/* SPDX-License-Identifier: BSD-3-Clause */
/* Removing a test's or the benchmark's scratch directory. */
#ifndef HKP11_TEST_RMTREE_H
#define HKP11_TEST_RMTREE_H

/* Removes dir and everything below it, as rm -rf would; a symbolic link
 * is removed, never followed.  Errors are ignored. */
void p11t_rmtree (const char *dir);

#endif
