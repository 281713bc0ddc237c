/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The card's answers: libcacard's CAC applets for everything, except
 *
 * - VERIFY (the PIN), whose tries this card counts itself: 63 Cx with x
 *   tries left after a wrong PIN or when asked without data, 69 83 once
 *   blocked, and nothing reaches libcacard (nor SoftHSM) while blocked;
 * - CHANGE REFERENCE DATA (a new PIN), which libcacard lacks: the old PIN
 *   counts as a VERIFY, the new one goes to the token through NSS;
 * - the card identifier in the Card Capabilities Container, which
 *   libcacard hard-codes and OpenSC reads as the card's serial number:
 *   each card of the tests gets its own.
 */
#include "config.h"
#include "vcard.h"

#include <libcacard.h>
#include <pk11pub.h>

#include <stdlib.h>
#include <string.h>

#define INS_VERIFY 0x20
#define INS_CHANGE_REFERENCE_DATA 0x24
#define INS_SELECT 0xA4
#define INS_CAC_READ_BUFFER 0x52
#define INS_GET_RESPONSE 0xC0
#define CAC_FILE_VALUE 0x02

/* The PIN block of a CAC card: 8 bytes, padded with 0xFF. */
#define PIN_BLOCK 8

/* The Card Capabilities Container's applet, and where the card identifier
 * (14 bytes after its 5-byte RID, manufacturer and card type) lies in its
 * value buffer (after the buffer's 2-byte length).  OpenSC shows the last
 * 8 bytes as the token's serial number; a card's serial goes there. */
static const unsigned char ccc_aid[] = { 0xA0, 0x00, 0x00, 0x01, 0x16, 0xDB, 0x00 };
#define CUID_OFFSET (2 + 7)
#define CUID_LEN 14

static bool ccc_selected;
/* pcscd sends READ BUFFER without Le, so libcacard answers 61 xx and the
 * data comes with GET RESPONSE: where in the value buffer it starts. */
static long pending_offset = -1;

static size_t
status (unsigned char *resp, unsigned char sw1, unsigned char sw2)
{
	resp[0] = sw1;
	resp[1] = sw2;
	return 2;
}

static size_t
tries_status (const vcard_card *card, unsigned char *resp)
{
	if (card->tries_left == 0)
		return status (resp, 0x69, 0x83);
	return status (resp, 0x63, 0xC0 | (card->tries_left > 15 ? 15 : card->tries_left));
}

static void
count_wrong (vcard_card *card)
{
	if (card->tries_left > 0)
		card->tries_left--;
	card->verified = false;
	vcard_state_save (card);
	vcard_log ("%s: wrong PIN, %u of %u tries left", card->token, card->tries_left,
		   card->max_tries);
}

static void
count_right (vcard_card *card)
{
	card->verified = true;
	if (card->tries_left != card->max_tries) {
		card->tries_left = card->max_tries;
		vcard_state_save (card);
	}
}

static size_t
forward (vcard_card *card, const unsigned char *apdu, size_t len, unsigned char *resp,
	 size_t resp_size)
{
	int resp_len = (int)resp_size;

	if (vreader_xfr_bytes (card->reader, (unsigned char *)apdu, (int)len, resp, &resp_len) !=
		    VREADER_OK ||
	    resp_len < 2)
		return status (resp, 0x6F, 0x00);
	return (size_t)resp_len;
}

/* A PIN as NSS takes it: the block without its 0xFF padding. */
static void
pin_string (char out[PIN_BLOCK + 1], const unsigned char *block, size_t len)
{
	if (len > PIN_BLOCK)
		len = PIN_BLOCK;
	memcpy (out, block, len);
	while (len > 0 && (unsigned char)out[len - 1] == 0xFF)
		len--;
	out[len] = '\0';
}

static size_t
verify (vcard_card *card, const unsigned char *apdu, size_t len, unsigned char *resp,
	size_t resp_size)
{
	size_t lc = len > 5 ? apdu[4] : 0;
	size_t n;

	if (apdu[2] == 0xFF) {
		/* ISO 7816-4 "reset the security status": a logout. */
		card->verified = false;
		PK11_Logout (card->slot);
		return status (resp, 0x90, 0x00);
	}
	if (lc == 0) {
		/* Asking for the PIN's state. */
		if (card->tries_left == 0)
			return tries_status (card, resp);
		if (card->verified)
			return status (resp, 0x90, 0x00);
		return tries_status (card, resp);
	}
	if (card->tries_left == 0)
		return tries_status (card, resp);
	n = forward (card, apdu, len, resp, resp_size);
	if (resp[n - 2] == 0x90 && resp[n - 1] == 0x00) {
		count_right (card);
		return n;
	}
	if (resp[n - 2] == 0x69 || resp[n - 2] == 0x63) {
		count_wrong (card);
		return tries_status (card, resp);
	}
	return n;
}

static size_t
change_pin (vcard_card *card, const unsigned char *apdu, size_t len, unsigned char *resp)
{
	char old_pin[PIN_BLOCK + 1], new_pin[PIN_BLOCK + 1];
	size_t lc = len > 5 ? apdu[4] : 0;
	size_t n;

	if (apdu[2] != 0x00 || lc != 2 * PIN_BLOCK || len < 5 + lc)
		return status (resp, 0x6A, 0x80);
	if (card->tries_left == 0)
		return tries_status (card, resp);
	pin_string (old_pin, apdu + 5, PIN_BLOCK);
	pin_string (new_pin, apdu + 5 + PIN_BLOCK, PIN_BLOCK);
	if (PK11_CheckUserPassword (card->slot, old_pin) != SECSuccess) {
		count_wrong (card);
		n = tries_status (card, resp);
	} else if (PK11_ChangePW (card->slot, old_pin, new_pin) != SECSuccess) {
		count_right (card);
		vcard_log ("%s: the token refused the new PIN", card->token);
		n = status (resp, 0x6A, 0x80);
	} else {
		count_right (card);
		vcard_log ("%s: PIN changed", card->token);
		n = status (resp, 0x90, 0x00);
	}
	explicit_bzero (old_pin, sizeof old_pin);
	explicit_bzero (new_pin, sizeof new_pin);
	return n;
}

/* Puts this card's identifier over libcacard's in the data of an answer
 * that starts at offset of the CCC's value buffer. */
static void
patch_cuid (const vcard_card *card, size_t offset, unsigned char *resp, size_t n)
{
	size_t data_len = n - 2;

	for (size_t i = 0; i < card->cuid_len; i++) {
		size_t at = CUID_OFFSET + CUID_LEN - card->cuid_len + i;
		if (at >= offset && at < offset + data_len)
			resp[at - offset] = card->cuid[i];
	}
}

size_t
vcard_apdu (vcard_card *card, const unsigned char *apdu, size_t len, unsigned char *resp,
	    size_t resp_size)
{
	size_t n;

	if (len < 4)
		return status (resp, 0x67, 0x00);
	if (getenv ("HKP11_VCARD_DEBUG"))
		vcard_log ("APDU %02X %02X %02X %02X (%zu bytes)", apdu[0], apdu[1], apdu[2],
			   apdu[3], len);
	switch (apdu[1]) {
	case INS_VERIFY:
		pending_offset = -1;
		return verify (card, apdu, len, resp, resp_size);
	case INS_CHANGE_REFERENCE_DATA:
		pending_offset = -1;
		return change_pin (card, apdu, len, resp);
	case INS_SELECT:
		pending_offset = -1;
		if (apdu[2] == 0x04 && len >= 5)
			ccc_selected = apdu[4] == sizeof ccc_aid && len >= 5 + sizeof ccc_aid &&
				       memcmp (apdu + 5, ccc_aid, sizeof ccc_aid) == 0;
		return forward (card, apdu, len, resp, resp_size);
	case INS_CAC_READ_BUFFER:
		pending_offset = -1;
		n = forward (card, apdu, len, resp, resp_size);
		if (ccc_selected && len >= 7 && apdu[5] == CAC_FILE_VALUE) {
			size_t offset = ((size_t)apdu[2] << 8) | apdu[3];
			if (resp[n - 2] == 0x90)
				patch_cuid (card, offset, resp, n);
			else if (resp[n - 2] == 0x61)
				pending_offset = (long)offset;
		}
		return n;
	case INS_GET_RESPONSE:
		n = forward (card, apdu, len, resp, resp_size);
		if (pending_offset >= 0) {
			patch_cuid (card, (size_t)pending_offset, resp, n);
			pending_offset = resp[n - 2] == 0x61 ? pending_offset + (long)(n - 2) : -1;
		}
		return n;
	default:
		pending_offset = -1;
		return forward (card, apdu, len, resp, resp_size);
	}
}

void
vcard_power (vcard_card *card, bool on)
{
	/* Power on or off, the card forgets that the PIN was presented. */
	card->verified = false;
	ccc_selected = false;
	pending_offset = -1;
	if (on)
		vreader_power_on (card->reader, NULL, NULL);
	else
		vreader_power_off (card->reader);
}
