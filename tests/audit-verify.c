/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * audit-verify: checks the hash chains of hkpost-p11 audit logs.
 *
 *   audit-verify [--strict] [--quiet] [--verbose] FILE...
 *
 * Give rotated files oldest first (audit.log.1 audit.log).  Exit status 0
 * when every chain is intact, 1 when a record is missing, reordered,
 * duplicated or edited or a line is not a record, 2 on bad usage, 3 when
 * there is no sign of tampering but records were lost as they were written
 * (torn by a full disk or a program that stopped, or said lost by their
 * writer).  The
 * logic is common/audit/verify.c, which the token-manager tool will share.
 */
#include "config.h"
#include "audit/verify.h"

#include <stdio.h>
#include <string.h>

static int
usage (FILE *out)
{
	fprintf (out, "usage: audit-verify [--strict] [--quiet] [--verbose] FILE...\n"
		      "Checks the hash chains of hkpost-p11 audit logs (oldest file first).\n"
		      "  --strict   a chain that starts after seq 1 is a problem\n"
		      "  --quiet    no report, only the exit status\n"
		      "  --verbose  also list the chains that are intact\n");
	return out == stdout ? 0 : 2;
}

int
main (int argc, char **argv)
{
	hkp11_audit_verify_options opts = { .out = stdout };
	hkp11_audit_verify_result result;
	int first = 1;

	for (; first < argc && argv[first][0] == '-' && argv[first][1] == '-'; first++) {
		if (strcmp (argv[first], "--strict") == 0)
			opts.strict = true;
		else if (strcmp (argv[first], "--quiet") == 0)
			opts.out = NULL;
		else if (strcmp (argv[first], "--verbose") == 0)
			opts.verbose = true;
		else if (strcmp (argv[first], "--help") == 0)
			return usage (stdout);
		else if (strcmp (argv[first], "--") == 0) {
			first++;
			break;
		} else
			return usage (stderr);
	}
	if (first >= argc)
		return usage (stderr);

	bool ok = hkp11_audit_verify_files ((const char *const *)argv + first,
					    (size_t)(argc - first), &opts, &result);
	if (!ok)
		return 1;
	return result.torn + result.lost > 0 ? 3 : 0;
}
