/* SPDX-License-Identifier: BSD-3-Clause */
/* The certificates on a token (certs.c), for status and show. */
#ifndef HKP11_TOOL_CERTS_H
#define HKP11_TOOL_CERTS_H

#include "p11/p11.h"
#include "ecert/ecert.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	unsigned char *der;
	size_t der_len;
	char label[HKP11_LABEL_SIZE];          /* as the module shows it */
	char original_label[HKP11_LABEL_SIZE]; /* as the token holds it (show) */
	bool have_original;
	unsigned char id[128];
	size_t id_len;
	hkp11_ecert info;
	bool have_days;
	long days_left; /* whole days to notAfter; negative once expired */
} cli_cert;

/* Under this many days left an e-Cert's expiry is a warning. */
#define CLI_EXPIRY_WARNING_DAYS 30

/* The X.509 certificates in slot, read through f. */
CK_RV cli_certs_read (CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot, cli_cert **certs, size_t *n);
void cli_certs_free (cli_cert *certs, size_t n);

#endif
