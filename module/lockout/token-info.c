/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the token shows: C_GetTokenInfo's PIN flags as the count stands,
 * in every program.  From lockout-warn tries left once a PIN went wrong,
 * also the tries left in the token's label, the one text a browser's
 * password dialog shows, but only in the programs lockout-label-programs
 * names: everywhere else the label is the token's identity (URIs, key
 * references, NSS nicknames) and keeps it.
 */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Writes "LABEL (N tries left)" into the 32-byte blank-padded label,
 * shortening LABEL at a character boundary so the count always shows. */
static void
label_with_tries (CK_UTF8CHAR label[32], long left)
{
	char suffix[32], text[33];
	size_t len, room;

	if (left <= 0)
		snprintf (suffix, sizeof suffix, "(locked)");
	else
		snprintf (suffix, sizeof suffix, "(%ld tr%s left)", left, left == 1 ? "y" : "ies");
	hkp11_token_field (label, 32, text, sizeof text);
	len = strlen (text);
	room = 32 - strlen (suffix);
	room = room > 0 ? room - 1 : 0; /* the space before the suffix */
	if (len > room) {
		len = room;
		/* Never cut a UTF-8 sequence: step back over continuation bytes
		 * and drop the lead byte they belong to. */
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	while (len > 0 && text[len - 1] == ' ')
		len--;
	text[len] = '\0';

	memset (label, ' ', 32);
	int n = snprintf ((char *)text + len, sizeof text - len, "%s%s", len ? " " : "", suffix);
	if (n > 0)
		len += (size_t)n;
	memcpy (label, text, len > 32 ? 32 : len);
}

CK_RV
lockout_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	tries t;

	CK_RV rv = lockout_below.C_GetTokenInfo (slotID, pInfo);
	if (rv != CKR_OK || !(pInfo->flags & CKF_TOKEN_INITIALIZED) ||
	    !read_tries ("C_GetTokenInfo", slotID, pInfo, &t))
		return rv;

	/* OR'ed in, never cleared: the backend may know better. */
	if (t.left < t.max)
		pInfo->flags |= CKF_USER_PIN_COUNT_LOW;
	if (t.left == 1)
		pInfo->flags |= CKF_USER_PIN_FINAL_TRY;
	if (t.left == 0)
		pInfo->flags |= CKF_USER_PIN_LOCKED;

	/* NSS shows only the label in its password dialog.  The other
	 * channels were told when the count fell, at the wrong PIN, and the
	 * flags above are the standard one.  Nothing is counted down before
	 * a try was spent, however few the token has: a warning when nothing
	 * went wrong teaches the holder to ignore it. */
	if (lockout_label_here && lockout_now.warn > 0 && t.left < t.max &&
	    t.left <= (long)lockout_now.warn)
		label_with_tries (pInfo->label, t.left);
	return rv;
}
