/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which token this is, whatever slot it sits in today: manufacturer, model
 * and serial number from CK_TOKEN_INFO.  The label is left out on purpose:
 * the user can rename the token, and the labels layer rewrites it.
 *
 * Pure code on CK_TOKEN_INFO, so a tool can build it in as well.
 */
#ifndef HKP11_TOKEN_ID_H
#define HKP11_TOKEN_ID_H

#include "p11/p11.h"

#include <stdbool.h>

typedef struct {
	/* Safe as a file name: [A-Za-z0-9.-] words joined by '_' and a hash
	 * of the exact fields, e.g. "SafeNet-Inc._eToken_0123abcd_1f2e...". */
	char key[128];
	/* For people: "SafeNet, Inc. eToken, serial 0123abcd". */
	char text[128];
	/* The token's label, trimmed, for messages (UTF-8 as the token has it). */
	char label[33];
} hkp11_token_id;

void hkp11_token_id_from_info (const CK_TOKEN_INFO *info, hkp11_token_id *id);

/* Copies a blank-padded field of len bytes without its padding. */
void hkp11_token_field (const CK_UTF8CHAR *field, size_t len, char *out, size_t out_len);

#endif
