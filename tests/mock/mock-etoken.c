/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock as a SafeNet eToken (MOCK_P11_ETOKEN=1): how it names itself,
 * its hardware-feature objects (common/p11/etoken.h) and its own PIN policy;
 * and the state file (MOCK_P11_STATE) that lets several processes share
 * one token's PIN and retry counters.
 *
 * The password history (ETCKA_PIN_HISTORY_SIZE) is shown but not enforced.
 */
#include "config.h"
#include "mock.h"
#include "p11/etoken.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The PIN in the state file is XOR'ed with this and written in hex, so a
 * test that greps its files for the PIN does not find the mock's. */
#define STATE_MASK 0x5a

static mock_object *
feature_object (CK_SLOT_ID slot, CK_HW_FEATURE_TYPE type)
{
	for (int i = 0; i < MOCK_MAX_OBJECTS; i++) {
		mock_object *o = &mock.objects[i];
		if (o->used && o->builtin && o->slot == slot &&
		    mock_attr_ulong (o, CKA_HW_FEATURE_TYPE, 0) == type)
			return o;
	}
	return NULL;
}

static mock_object *
new_feature_object (CK_SLOT_ID slot, CK_HW_FEATURE_TYPE type)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	mock_object *o = mock_object_new (slot, 0);
	if (o == NULL)
		return NULL;
	o->builtin = true;
	mock_attr_set_ulong (o, CKA_CLASS, CKO_HW_FEATURE);
	mock_attr_set_ulong (o, CKA_HW_FEATURE_TYPE, type);
	mock_attr_set (o, CKA_TOKEN, &yes, 1);
	mock_attr_set (o, CKA_PRIVATE, &no, 1);
	mock_attr_set (o, CKA_MODIFIABLE, &no, 1);
	return o;
}

void
mock_etoken_setup (mock_token *t)
{
	const mock_settings *set = &mock.set;
	mock_object *o;

	mock_pad (t->label, sizeof t->label, ETOKEN_DEFAULT_LABEL);
	snprintf (t->serial, sizeof t->serial, t->slot == MOCK_P11_SLOT ? "0a1b2c3d" : "0a1b2c3e");
	new_feature_object (t->slot, ETCKH_TOKEN_OBJECT);
	mock_etoken_update (t);
	if (!set->pin_policy)
		return;
	o = new_feature_object (t->slot, ETCKH_PIN_POLICY);
	if (o == NULL)
		return;
	CK_BBOOL mix = set->policy_mix != 0;
	mock_attr_set_ulong (o, ETCKA_PIN_POLICY_TYPE, ETCKPT_GENERAL_PIN_POLICY);
	mock_attr_set_ulong (o, ETCKA_PIN_MIN_LEN, set->policy_min_len);
	mock_attr_set_ulong (o, ETCKA_PIN_MAX_LEN, set->policy_max_len);
	mock_attr_set (o, ETCKA_PIN_MIX_CHARS, &mix, 1);
	mock_attr_set_ulong (o, ETCKA_PIN_MAX_AGE, set->policy_max_age);
	mock_attr_set_ulong (o, ETCKA_PIN_HISTORY_SIZE, set->policy_history);
	mock_attr_set_ulong (o, ETCKA_PIN_MAX_REPEATED, set->policy_max_repeated);
	mock_attr_set_ulong (o, ETCKA_PIN_NUMBERS, set->policy_numbers);
	mock_attr_set_ulong (o, ETCKA_PIN_UPPER_CASE, set->policy_upper);
	mock_attr_set_ulong (o, ETCKA_PIN_LOWER_CASE, set->policy_lower);
	mock_attr_set_ulong (o, ETCKA_PIN_SPECIAL, set->policy_special);
}

void
mock_etoken_update (mock_token *t)
{
	mock_object *o = feature_object (t->slot, ETCKH_TOKEN_OBJECT);
	if (o == NULL || mock.set.hide_retry)
		return;
	mock_attr_set_ulong (o, ETCKA_RETRY_USER, t->user_tries);
	mock_attr_set_ulong (o, ETCKA_RETRY_USER_MAX, t->user_max);
	mock_attr_set_ulong (o, ETCKA_RETRY_SO, t->so_tries);
	mock_attr_set_ulong (o, ETCKA_RETRY_SO_MAX, t->so_max);
}

/* One class rule: 1 forbids the class, 2 demands one of it. */
static bool
class_ok (unsigned long rule, size_t n)
{
	return !(rule == ETCK_PIN_FORBIDDEN && n > 0) && !(rule == ETCK_PIN_ENFORCE && n == 0);
}

CK_RV
mock_etoken_check_new_pin (const char *pin, size_t len)
{
	const mock_settings *set = &mock.set;
	size_t digits = 0, upper = 0, lower = 0, special = 0, run = 0;

	if (len < set->policy_min_len || (set->policy_max_len != 0 && len > set->policy_max_len))
		return CKR_PIN_LEN_RANGE;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pin[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if (c >= 'A' && c <= 'Z')
			upper++;
		else if (c >= 'a' && c <= 'z')
			lower++;
		else
			special++;
		run = i > 0 && pin[i] == pin[i - 1] ? run + 1 : 1;
		if (set->policy_max_repeated != 0 && run > set->policy_max_repeated)
			return CKR_PIN_INVALID;
	}
	if (!class_ok (set->policy_numbers, digits) || !class_ok (set->policy_upper, upper) ||
	    !class_ok (set->policy_lower, lower) || !class_ok (set->policy_special, special))
		return CKR_PIN_INVALID;
	/* "Mix characters": three of the four kinds. */
	if (set->policy_mix != 0 && (digits > 0) + (upper > 0) + (lower > 0) + (special > 0) < 3)
		return CKR_PIN_INVALID;
	return CKR_OK;
}

static bool
state_applies (const mock_token *t)
{
	return t != NULL && mock.set.state_path[0] != '\0' && t->slot == MOCK_P11_SLOT;
}

void
mock_state_load (mock_token *t)
{
	char line[512], hex[2 * MOCK_MAX_PIN + 2];
	unsigned long n;
	FILE *f;

	if (!state_applies (t) || (f = fopen (mock.set.state_path, "r")) == NULL)
		return;
	while (fgets (line, sizeof line, f) != NULL) {
		if (sscanf (line, "user-tries %lu", &n) == 1 && n <= t->user_max)
			t->user_tries = n;
		else if (sscanf (line, "so-tries %lu", &n) == 1 && n <= t->so_max)
			t->so_tries = n;
		else if (sscanf (line, "user-pin-set %lu", &n) == 1)
			t->user_pin_set = n != 0;
		else if (sscanf (line, "user-pin %129s", hex) == 1 && strlen (hex) % 2 == 0 &&
			 strlen (hex) <= 2 * MOCK_MAX_PIN) {
			memset (t->user_pin, 0, sizeof t->user_pin);
			for (size_t i = 0; 2 * i < strlen (hex); i++) {
				unsigned int byte;
				if (sscanf (hex + 2 * i, "%2x", &byte) != 1)
					break;
				t->user_pin[i] = (char)(byte ^ STATE_MASK);
			}
		}
	}
	fclose (f);
	if (mock.set.etoken)
		mock_etoken_update (t);
}

int
mock_state_lock (const mock_token *t)
{
	char path[4200];
	if (!state_applies (t))
		return -1;
	snprintf (path, sizeof path, "%s.lock", mock.set.state_path);
	int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock (fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close (fd);
			return -1;
		}
	}
	return fd;
}

void
mock_state_unlock (int fd)
{
	if (fd >= 0)
		close (fd); /* and with it the lock */
}

void
mock_state_save (const mock_token *t)
{
	char tmp[4200];
	FILE *f;

	if (!state_applies (t))
		return;
	snprintf (tmp, sizeof tmp, "%s.tmp.%ld", mock.set.state_path, (long)getpid ());
	f = fopen (tmp, "w");
	if (f == NULL) {
		fprintf (stderr, "mock-p11: cannot write %s\n", tmp);
		return;
	}
	fchmod (fileno (f), 0600);
	fprintf (f, "mock-p11-state 1\nuser-tries %lu\nso-tries %lu\nuser-pin-set %d\nuser-pin ",
		 t->user_tries, t->so_tries, t->user_pin_set ? 1 : 0);
	for (size_t i = 0; i < strlen (t->user_pin); i++)
		fprintf (f, "%02x", (unsigned char)t->user_pin[i] ^ STATE_MASK);
	fputc ('\n', f);
	if (fclose (f) != 0 || rename (tmp, mock.set.state_path) != 0) {
		fprintf (stderr, "mock-p11: cannot replace %s\n", mock.set.state_path);
		unlink (tmp);
	}
}
