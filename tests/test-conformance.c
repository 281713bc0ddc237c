/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conformance suite, run against $P11T_MODULE ("direct" = SoftHSM,
 * "shim" = hkpost-p11 over SoftHSM).  tests/conformance-compare.sh runs it
 * both ways and requires identical transcripts; see
 * tests/conformance/conformance.h.
 */
#include "config.h"
#include "conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main (void)
{
	const char *which = getenv ("P11T_MODULE");
	const char *path = p11t_target_path ();

	if (access (p11t_softhsm_path (), R_OK) != 0) {
		fprintf (stderr, "SKIP: SoftHSM not found at %s\n", p11t_softhsm_path ());
		return 77;
	}
	printf ("conformance: %s (%s)\n", which ? which : "shim", path);

	Suite *suite = suite_create ("conformance");
	/* Groups and the tests within them run in this order, which the
	 * transcripts depend on. */
	suite_add_tcase (suite, conf_tcase_general ());
	suite_add_tcase (suite, conf_tcase_sessions ());
	suite_add_tcase (suite, conf_tcase_objects ());
	suite_add_tcase (suite, conf_tcase_keys ());
	suite_add_tcase (suite, conf_tcase_sign ());
	suite_add_tcase (suite, conf_tcase_encrypt ());
	suite_add_tcase (suite, conf_tcase_digest ());
	suite_add_tcase (suite, conf_tcase_wrap ());
	suite_add_tcase (suite, conf_tcase_arguments ());

	return p11t_run_suite (suite);
}
