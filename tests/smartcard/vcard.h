/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtual smart card for the tests: a CAC card emulated by libcacard
 * (its certificates and keys in a SoftHSM token reached through NSS),
 * behind vsmartcard's vpcd reader driver in pcscd.
 *
 * libcacard itself never counts wrong PINs; this card does, as a real card
 * would: VERIFY answers 63 Cx (x tries left) and 69 83 (blocked), and a
 * VERIFY without data asks for the PIN's state.  The count survives the
 * card program's restarts in a state file per card.
 */
#ifndef HKP11_VCARD_H
#define HKP11_VCARD_H

#include <stdbool.h>
#include <stddef.h>

/* One card the program can put in the reader. */
typedef struct {
	char *token;           /* the SoftHSM token that holds it */
	unsigned char cuid[8]; /* the end of the card identifier: OpenSC's serial */
	size_t cuid_len;
	unsigned max_tries;
	unsigned tries_left;
	bool verified;    /* the PIN was presented since power-on */
	char *state_path; /* where tries_left is kept */
	void *reader;     /* libcacard's VReader */
	void *slot;       /* NSS's PK11SlotInfo */
} vcard_card;

/* vcard-state.c: the try counter on disk ("TRIES-LEFT MAX\n"). */
void vcard_state_load (vcard_card *card);
void vcard_state_save (const vcard_card *card);

/* vcard-apdu.c: answers one command APDU for the card in the reader.
 * Returns the response length (data and status word) in resp. */
size_t vcard_apdu (vcard_card *card, const unsigned char *apdu, size_t len, unsigned char *resp,
		   size_t resp_size);
void vcard_power (vcard_card *card, bool on);

/* Messages on stderr, never a PIN. */
void vcard_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
