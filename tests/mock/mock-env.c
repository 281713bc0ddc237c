/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's knobs: environment variables read at C_Initialize (listed at
 * the top of mock-p11.c).  A knob that does not parse is reported on stderr
 * and ignored, so a typo in a test shows.
 */
#include "config.h"
#include "mock.h"
#include "p11/etoken.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	CK_RV rv;
} rv_names[] = {
#define RV(x) \
	{ \
#x, x \
	}
	RV (CKR_OK),
	RV (CKR_CANCEL),
	RV (CKR_HOST_MEMORY),
	RV (CKR_SLOT_ID_INVALID),
	RV (CKR_GENERAL_ERROR),
	RV (CKR_FUNCTION_FAILED),
	RV (CKR_ARGUMENTS_BAD),
	RV (CKR_NO_EVENT),
	RV (CKR_NEED_TO_CREATE_THREADS),
	RV (CKR_CANT_LOCK),
	RV (CKR_ATTRIBUTE_READ_ONLY),
	RV (CKR_ATTRIBUTE_SENSITIVE),
	RV (CKR_ATTRIBUTE_TYPE_INVALID),
	RV (CKR_ATTRIBUTE_VALUE_INVALID),
	RV (CKR_DATA_INVALID),
	RV (CKR_DATA_LEN_RANGE),
	RV (CKR_DEVICE_ERROR),
	RV (CKR_DEVICE_MEMORY),
	RV (CKR_DEVICE_REMOVED),
	RV (CKR_ENCRYPTED_DATA_INVALID),
	RV (CKR_FUNCTION_CANCELED),
	RV (CKR_FUNCTION_NOT_PARALLEL),
	RV (CKR_FUNCTION_NOT_SUPPORTED),
	RV (CKR_KEY_HANDLE_INVALID),
	RV (CKR_KEY_TYPE_INCONSISTENT),
	RV (CKR_KEY_FUNCTION_NOT_PERMITTED),
	RV (CKR_MECHANISM_INVALID),
	RV (CKR_MECHANISM_PARAM_INVALID),
	RV (CKR_OBJECT_HANDLE_INVALID),
	RV (CKR_OPERATION_ACTIVE),
	RV (CKR_OPERATION_NOT_INITIALIZED),
	RV (CKR_PIN_INCORRECT),
	RV (CKR_PIN_INVALID),
	RV (CKR_PIN_LEN_RANGE),
	RV (CKR_PIN_EXPIRED),
	RV (CKR_PIN_LOCKED),
	RV (CKR_SESSION_CLOSED),
	RV (CKR_SESSION_COUNT),
	RV (CKR_SESSION_HANDLE_INVALID),
	RV (CKR_SESSION_READ_ONLY),
	RV (CKR_SESSION_EXISTS),
	RV (CKR_SESSION_READ_ONLY_EXISTS),
	RV (CKR_SESSION_READ_WRITE_SO_EXISTS),
	RV (CKR_SIGNATURE_INVALID),
	RV (CKR_SIGNATURE_LEN_RANGE),
	RV (CKR_TEMPLATE_INCOMPLETE),
	RV (CKR_TEMPLATE_INCONSISTENT),
	RV (CKR_TOKEN_NOT_PRESENT),
	RV (CKR_TOKEN_NOT_RECOGNIZED),
	RV (CKR_TOKEN_WRITE_PROTECTED),
	RV (CKR_USER_ALREADY_LOGGED_IN),
	RV (CKR_USER_NOT_LOGGED_IN),
	RV (CKR_USER_PIN_NOT_INITIALIZED),
	RV (CKR_USER_TYPE_INVALID),
	RV (CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
	RV (CKR_USER_TOO_MANY_TYPES),
	RV (CKR_RANDOM_NO_RNG),
	RV (CKR_BUFFER_TOO_SMALL),
	RV (CKR_CRYPTOKI_NOT_INITIALIZED),
	RV (CKR_CRYPTOKI_ALREADY_INITIALIZED),
	RV (CKR_MUTEX_BAD),
	RV (CKR_MUTEX_NOT_LOCKED),
	RV (CKR_FUNCTION_REJECTED),
	RV (CKR_VENDOR_DEFINED),
#undef RV
};

bool
mock_rv_parse (const char *text, CK_RV *rv)
{
	for (size_t i = 0; i < sizeof rv_names / sizeof rv_names[0]; i++) {
		if (strcmp (text, rv_names[i].name) == 0) {
			*rv = rv_names[i].rv;
			return true;
		}
	}
	char *end;
	unsigned long v = strtoul (text, &end, 0);
	if (end == text || *end != '\0')
		return false;
	*rv = v;
	return true;
}

bool
mock_length_parse (const char *text, CK_ULONG *len)
{
	char *end;
	if (strcmp (text, "huge") == 0)
		*len = ~(CK_ULONG)0 >> 1;
	else if (strcmp (text, "unavailable") == 0)
		*len = CK_UNAVAILABLE_INFORMATION;
	else if ((*len = strtoul (text, &end, 0)), end == text || *end != '\0')
		return false;
	return true;
}

void
mock_fail_parse (const char *spec)
{
	char *copy = strdup (spec), *save = NULL;
	for (char *item = strtok_r (copy, ", ", &save); item; item = strtok_r (NULL, ", ", &save)) {
		char *eq = strchr (item, '=');
		CK_RV rv;
		int index;
		if (eq == NULL)
			goto bad;
		*eq = '\0';
		index = mock_function_index (item);
		if (index < 0 || !mock_rv_parse (eq + 1, &rv))
			goto bad;
		mock.fail[index] = rv;
		mock.fail_set[index] = rv != CKR_OK;
		continue;
	bad:
		fprintf (stderr, "mock-p11: MOCK_P11_FAIL: cannot read '%s'\n", item);
	}
	free (copy);
}

static bool
env_flag (const char *name)
{
	const char *v = getenv (name);
	return v != NULL && v[0] != '\0' && strcmp (v, "0") != 0;
}

static void
env_pin (const char *name, char *dst, const char *fallback)
{
	const char *v = getenv (name);
	if (v == NULL || strlen (v) > MOCK_MAX_PIN)
		v = fallback;
	snprintf (dst, MOCK_MAX_PIN + 1, "%s", v);
}

static void
read_pin_policy (mock_settings *set, const char *spec)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
		{ "min-len", offsetof (mock_settings, policy_min_len) },
		{ "max-len", offsetof (mock_settings, policy_max_len) },
		{ "mix", offsetof (mock_settings, policy_mix) },
		{ "history", offsetof (mock_settings, policy_history) },
		{ "max-repeated", offsetof (mock_settings, policy_max_repeated) },
		{ "numbers", offsetof (mock_settings, policy_numbers) },
		{ "upper", offsetof (mock_settings, policy_upper) },
		{ "lower", offsetof (mock_settings, policy_lower) },
		{ "special", offsetof (mock_settings, policy_special) },
		{ "max-age", offsetof (mock_settings, policy_max_age) },
	};
	char *copy = strdup (spec), *save = NULL;

	set->pin_policy = true;
	/* SAC's defaults as far as known: 6 to 16 characters, nothing enforced. */
	set->policy_min_len = 6;
	set->policy_max_len = 16;
	for (char *item = strtok_r (copy, ", ", &save); item; item = strtok_r (NULL, ", ", &save)) {
		char *eq = strchr (item, '='), *end;
		size_t k;
		if (eq == NULL)
			goto bad;
		*eq = '\0';
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (strcmp (keys[k].key, item) == 0)
				break;
		}
		unsigned long v = strtoul (eq + 1, &end, 0);
		if (k == sizeof keys / sizeof keys[0] || end == eq + 1 || *end != '\0')
			goto bad;
		*(unsigned long *)((char *)set + keys[k].offset) = v;
		continue;
	bad:
		fprintf (stderr, "mock-p11: MOCK_P11_PIN_POLICY: cannot read '%s'\n", item);
	}
	free (copy);
}

void
mock_settings_read (mock_settings *set)
{
	const char *v;

	memset (set, 0, sizeof *set);
	set->version = mock_version_from_env ();
	set->etoken = env_flag ("MOCK_P11_ETOKEN");
	set->hide_retry = env_flag ("MOCK_P11_HIDE_RETRY");
	set->user_tries = ETOKEN_USER_RETRY_MAX;
	v = getenv ("MOCK_P11_USER_TRIES");
	if (v != NULL && v[0] != '\0') {
		char *end;
		unsigned long n = strtoul (v, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 1000)
			set->user_tries = n;
		else
			fprintf (stderr, "mock-p11: MOCK_P11_USER_TRIES: cannot read '%s'\n", v);
	}
	set->pin_pad = env_flag ("MOCK_P11_PIN_PAD");
	v = getenv ("MOCK_P11_MODEL");
	if (v != NULL)
		snprintf (set->model, sizeof set->model, "%s", v);
	v = getenv ("MOCK_P11_TOKENS");
	set->n_tokens = v != NULL && strcmp (v, "2") == 0 ? 2 : 1;
	v = getenv ("MOCK_P11_REMOVE_AFTER");
	if (v != NULL && v[0] != '\0')
		set->remove_after = strtoul (v, NULL, 10);
	env_pin ("MOCK_P11_USER_PIN", set->user_pin, "12345678");
	env_pin ("MOCK_P11_SO_PIN", set->so_pin, "87654321");
	v = getenv ("MOCK_P11_STATE");
	if (v != NULL && v[0] != '\0')
		snprintf (set->state_path, sizeof set->state_path, "%s", v);
	v = getenv ("MOCK_P11_PRESENT_FILE");
	if (v != NULL && v[0] != '\0')
		snprintf (set->present_path, sizeof set->present_path, "%s", v);
	v = getenv ("MOCK_P11_PIN_POLICY");
	if (v != NULL && v[0] != '\0')
		read_pin_policy (set, v);
	v = getenv ("MOCK_P11_ODD_LENGTH");
	if (v != NULL && v[0] != '\0') {
		set->odd_length = mock_length_parse (v, &set->odd_len);
		if (!set->odd_length)
			fprintf (stderr, "mock-p11: MOCK_P11_ODD_LENGTH: cannot read '%s'\n", v);
	}
	v = getenv ("MOCK_P11_FAIL");
	if (v != NULL && v[0] != '\0')
		mock_fail_parse (v);
}
