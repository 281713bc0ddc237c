/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card's own try counter, kept in a small file so that a card program
 * that is stopped and started again (a card that lost power) still knows
 * how many wrong PINs it has seen, as a real card's EEPROM does.
 */
#include "config.h"
#include "vcard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
vcard_state_load (vcard_card *card)
{
	FILE *f = fopen (card->state_path, "r");
	unsigned left = 0, max = 0;

	card->tries_left = card->max_tries;
	if (f == NULL)
		return;
	/* A file written for another maximum belongs to another card. */
	if (fscanf (f, "%u %u", &left, &max) == 2 && max == card->max_tries && left <= max)
		card->tries_left = left;
	fclose (f);
}

void
vcard_state_save (const vcard_card *card)
{
	char tmp[4096];
	FILE *f;

	snprintf (tmp, sizeof tmp, "%s.tmp", card->state_path);
	f = fopen (tmp, "w");
	if (f == NULL) {
		vcard_log ("cannot write %s: %s", tmp, strerror (errno));
		return;
	}
	fprintf (f, "%u %u\n", card->tries_left, card->max_tries);
	if (fclose (f) != 0 || rename (tmp, card->state_path) != 0)
		vcard_log ("cannot save %s: %s", card->state_path, strerror (errno));
}
