/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The serial number of the token in each slot, so that records name the
 * token without asking the backend on every call.  Which slot a session
 * belongs to and who is logged in, the session registry says
 * (core/sessions.h).
 *
 * Serials are read without a lock, inside an epoch read section (a call's
 * record looks its session and its token up in one); they change under
 * `lock`, never held across a call into the backend.
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"
#include "lockfree/handle-map.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	unsigned char serial[16];
} serial_rec;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static hkp11_handle_map serials; /* (slot, 0) -> serial_rec */

void
tokens_reset (void)
{
	/* After a fork the parent's table is dropped, not freed: a thread of
	 * the parent may have been changing it. */
	pthread_mutex_init (&lock, NULL);
	serials = (hkp11_handle_map){ 0 };
}

void
tokens_clear (void)
{
	pthread_mutex_lock (&lock);
	hkp11_handle_map_clear (&serials, free);
	pthread_mutex_unlock (&lock);
	hkp11_epoch_reclaim ();
}

bool
token_serial_in_section (CK_SLOT_ID slot, unsigned char serial[16])
{
	const serial_rec *s = hkp11_handle_map_get (&serials, slot, 0);
	if (s != NULL)
		memcpy (serial, s->serial, sizeof s->serial);
	return s != NULL;
}

bool
token_serial (CK_SLOT_ID slot, unsigned char serial[16])
{
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	if (r == NULL)
		pthread_mutex_lock (&lock);
	bool known = token_serial_in_section (slot, serial);
	if (r == NULL)
		pthread_mutex_unlock (&lock);
	hkp11_epoch_exit (r);
	return known;
}

void
token_remember (CK_SLOT_ID slot, const CK_TOKEN_INFO *info)
{
	serial_rec *s = malloc (sizeof *s);
	void *replaced = NULL;
	if (s == NULL)
		return;
	memcpy (s->serial, info->serialNumber, sizeof s->serial);
	pthread_mutex_lock (&lock);
	if (!hkp11_handle_map_put (&serials, slot, 0, s, &replaced)) {
		free (s);
		replaced = NULL;
	}
	pthread_mutex_unlock (&lock);
	hkp11_epoch_retire (replaced, free);
	hkp11_epoch_reclaim ();
}

void
token_forget (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&lock);
	void *gone = hkp11_handle_map_steal (&serials, slot, 0);
	pthread_mutex_unlock (&lock);
	hkp11_epoch_retire (gone, free);
	hkp11_epoch_reclaim ();
}

bool
close_ends_login (CK_SESSION_HANDLE session, bool all, CK_SLOT_ID *slot, CK_USER_TYPE *user)
{
	if (!all && !hkp11_session_find (session, slot, NULL))
		return false;
	hkp11_login login = hkp11_slot_login (*slot);
	if (login == HKP11_LOGIN_NONE)
		return false;
	*user = hkp11_login_user_type (login);
	return all || hkp11_slot_sessions (*slot) == 1;
}
