/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A wrong PIN already refused in this process in the last ten minutes is
 * refused again without asking the token: applications retry cached PINs.
 * What is remembered is an HMAC-SHA-256 of the token's key and the PIN,
 * under a key made afresh in each process; never the PIN.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a wrong PIN is remembered, and how many are. */
#define REPEAT_SECONDS 600
#define REPEAT_MAX 32
/* Longest PIN the repeat guard looks at; longer ones simply pass. */
#define REPEAT_PIN_MAX 1024

typedef struct {
	char key[sizeof ((hkp11_token_id *)0)->key];
	unsigned char mac[MAC_LEN];
	struct timespec when;
} wrong_pin;

/* Under lockout_lock. */
static wrong_pin wrong_pins[REPEAT_MAX];
static size_t n_wrong_pins;
static unsigned char mac_key[MAC_LEN];
static bool have_mac_key;

void
repeat_start (void)
{
	repeat_forget ();
	/* A fresh key per process: the hashes mean nothing anywhere else. */
	have_mac_key = RAND_bytes (mac_key, sizeof mac_key) == 1;
}

void
repeat_forget (void)
{
	hkp11_wipe (wrong_pins, sizeof wrong_pins);
	n_wrong_pins = 0;
	hkp11_wipe (mac_key, sizeof mac_key);
	have_mac_key = false;
}

bool
pin_mac (const char *key, CK_UTF8CHAR_PTR pin, CK_ULONG len, unsigned char mac[MAC_LEN])
{
	if (!have_mac_key || pin == NULL || len > REPEAT_PIN_MAX)
		return false;
	size_t key_len = strlen (key) + 1; /* the NUL keeps key and PIN apart */
	size_t total = key_len + len;
	unsigned char *data = malloc (total);
	unsigned int mac_len = 0;
	if (data == NULL)
		return false;
	memcpy (data, key, key_len);
	memcpy (data + key_len, pin, len);
	bool ok =
		HMAC (EVP_sha256 (), mac_key, sizeof mac_key, data, total, mac, &mac_len) != NULL &&
		mac_len == MAC_LEN;
	hkp11_wipe (data, total);
	free (data);
	return ok;
}

static double
seconds_since (const struct timespec *then)
{
	struct timespec now;
	clock_gettime (CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (now.tv_nsec - then->tv_nsec) / 1e9;
}

/* Returns how many seconds ago the same wrong PIN failed, or -1. */
double
wrong_pin_seen (const char *key, const unsigned char mac[MAC_LEN])
{
	double ago = -1;
	pthread_mutex_lock (&lockout_lock);
	for (size_t i = 0; i < n_wrong_pins;) {
		double s = seconds_since (&wrong_pins[i].when);
		/* Nothing is kept past its ten minutes. */
		if (s >= REPEAT_SECONDS) {
			wrong_pins[i] = wrong_pins[--n_wrong_pins];
			hkp11_wipe (&wrong_pins[n_wrong_pins], sizeof wrong_pins[n_wrong_pins]);
			continue;
		}
		if (strcmp (wrong_pins[i].key, key) == 0 &&
		    CRYPTO_memcmp (wrong_pins[i].mac, mac, MAC_LEN) == 0)
			ago = s;
		i++;
	}
	pthread_mutex_unlock (&lockout_lock);
	return ago;
}

void
wrong_pin_remember (const char *key, const unsigned char mac[MAC_LEN])
{
	pthread_mutex_lock (&lockout_lock);
	size_t slot = n_wrong_pins;
	/* The same PIN again, or the oldest, or an expired one makes room. */
	for (size_t i = 0; i < n_wrong_pins; i++) {
		if (strcmp (wrong_pins[i].key, key) == 0 &&
		    CRYPTO_memcmp (wrong_pins[i].mac, mac, MAC_LEN) == 0) {
			slot = i;
			break;
		}
	}
	if (slot == REPEAT_MAX) {
		slot = 0;
		for (size_t i = 1; i < n_wrong_pins; i++) {
			if (seconds_since (&wrong_pins[i].when) >
			    seconds_since (&wrong_pins[slot].when))
				slot = i;
		}
	} else if (slot == n_wrong_pins) {
		n_wrong_pins++;
	}
	hkp11_strlcpy (wrong_pins[slot].key, key, sizeof wrong_pins[slot].key);
	memcpy (wrong_pins[slot].mac, mac, MAC_LEN);
	clock_gettime (CLOCK_MONOTONIC, &wrong_pins[slot].when);
	pthread_mutex_unlock (&lockout_lock);
}

/* After the PIN changed, a PIN that was wrong may be right. */
void
wrong_pins_forget (const char *key)
{
	pthread_mutex_lock (&lockout_lock);
	for (size_t i = 0; i < n_wrong_pins;) {
		if (strcmp (wrong_pins[i].key, key) == 0) {
			hkp11_wipe (&wrong_pins[i], sizeof wrong_pins[i]);
			wrong_pins[i] = wrong_pins[--n_wrong_pins];
			hkp11_wipe (&wrong_pins[n_wrong_pins], sizeof wrong_pins[n_wrong_pins]);
		} else {
			i++;
		}
	}
	pthread_mutex_unlock (&lockout_lock);
}
