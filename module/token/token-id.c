/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "token/token-id.h"
#include "base/debug.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void
hkp11_token_field (const CK_UTF8CHAR *field, size_t len, char *out, size_t out_len)
{
	/* Padding is blanks; some tokens pad with NULs instead. */
	while (len > 0 && (field[len - 1] == ' ' || field[len - 1] == '\0'))
		len--;
	if (len >= out_len)
		len = out_len - 1;
	memcpy (out, field, len);
	out[len] = '\0';
}

/* One word of the key: letters, digits, '.' and '-' kept, anything else
 * becomes a single '-'. */
static size_t
append_word (char *key, size_t used, size_t size, const char *word)
{
	bool dash = false;
	size_t start = used;
	for (const char *p = word; *p && used + 1 < size; p++) {
		unsigned char c = (unsigned char)*p;
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-';
		if (keep) {
			key[used++] = (char)c;
			dash = c == '-';
		} else if (!dash) {
			key[used++] = '-';
			dash = true;
		}
	}
	if (used == start && used + 1 < size)
		key[used++] = '-';
	key[used] = '\0';
	return used;
}

/* FNV-1a: not for secrecy, only so that two tokens whose fields clean up
 * to the same words still get different files. */
static uint64_t
fnv1a (const unsigned char *data, size_t len, uint64_t h)
{
	for (size_t i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
hkp11_token_id_from_info (const CK_TOKEN_INFO *info, hkp11_token_id *id)
{
	hkp11_return_if_fail (info != NULL && id != NULL);
	char manufacturer[33], model[17], serial[17];
	size_t used = 0;

	hkp11_token_field (info->manufacturerID, sizeof info->manufacturerID, manufacturer,
			   sizeof manufacturer);
	hkp11_token_field (info->model, sizeof info->model, model, sizeof model);
	hkp11_token_field (info->serialNumber, sizeof info->serialNumber, serial, sizeof serial);
	hkp11_token_field (info->label, sizeof info->label, id->label, sizeof id->label);

	used = append_word (id->key, used, sizeof id->key, manufacturer);
	id->key[used++] = '_';
	used = append_word (id->key, used, sizeof id->key, model);
	id->key[used++] = '_';
	used = append_word (id->key, used, sizeof id->key, serial);

	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv1a (info->manufacturerID, sizeof info->manufacturerID, h);
	h = fnv1a (info->model, sizeof info->model, h);
	h = fnv1a (info->serialNumber, sizeof info->serialNumber, h);
	snprintf (id->key + used, sizeof id->key - used, "_%016llx", (unsigned long long)h);
	/* A key never starts with '.', which would hide the file. */
	if (id->key[0] == '.')
		id->key[0] = '-';

	snprintf (id->text, sizeof id->text, "%s %s, serial %s", manufacturer, model, serial);
}
