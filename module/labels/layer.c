/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The labels layer: Hongkong Post e-Certs, and every key that belongs to
 * one, show a friendly CKA_LABEL built from the certificate itself, e.g.
 * "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)" instead of a SafeNet
 * container name or nothing at all.
 *
 * Per token it keeps the X.509 certificates, parsed once (common/ecert/ecert.c),
 * with their friendly labels made unique on that token.  Keys are paired
 * with a certificate lazily, on the first read of their label: by CKA_ID,
 * and by RSA modulus or EC point when the ID is missing or ambiguous.  What
 * is known about an object sits in a hash table keyed by (slot, handle), so
 * a repeated label read costs one lookup on top of the backend call.
 *
 * Every place an application can look agrees: C_GetAttributeValue answers
 * the friendly label (size queries and CKR_BUFFER_TOO_SMALL included),
 * C_FindObjectsInit finds an object by its friendly label and still by its
 * original one, and the token's label can follow a template too.  Writes
 * through the shim (create, copy, set, destroy, log in or out, sessions
 * opening and closing) mark the cache stale; it is rebuilt on next use,
 * reusing every certificate already parsed.
 *
 * A label read takes no lock: the tables it looks in (sessions, tokens,
 * objects) are published so that readers walk them inside an epoch read
 * section (epoch.h) while writers, under the layer's one lock, change them
 * and retire what they unlink.  Two threads reading labels thus share no
 * written memory.  Anything the fast path does not find (a first read, a
 * stale token) takes the lock; it is never held across a call into the
 * backend.
 *
 * Per certificate the cache keeps only what naming and pairing need after
 * the parse: its label, CKA_ID, the SHA-256 of its public key, and the few
 * fields that order and tell certificates apart.
 *
 * This file is the layer's life cycle; internal.h says where the rest is.
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"
#include "core/layer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

hkp11_labels_settings labels_now;
CK_FUNCTION_LIST_3_0 labels_below;

pthread_mutex_t labels_lock = PTHREAD_MUTEX_INITIALIZER;
token *labels_tokens;
hkp11_handle_map labels_objects;
hkp11_handle_map labels_finds;
unsigned long labels_n_finding;

static void
forget_everything (void)
{
	hkp11_handle_map_clear (&labels_objects, free);
	hkp11_handle_map_clear (&labels_finds, find_rec_free);
	__atomic_store_n (&labels_n_finding, 0, __ATOMIC_SEQ_CST);
	token *t = labels_tokens;
	__atomic_store_n (&labels_tokens, NULL, __ATOMIC_SEQ_CST);
	while (t != NULL) {
		token *next = t->next;
		certs_free_unlocked (t->certs, t->n_certs);
		t->certs = NULL;
		t->n_certs = 0;
		hkp11_epoch_retire (t, free);
		t = next;
	}
}

/* The settings as they are now, templates copied: they are reset at
 * C_Finalize while a late call may still be returning.  The copies of the
 * last start() are kept until the next for the same reason. */
static void
take_snapshot (void)
{
	free (labels_now.label_template);
	free (labels_now.token_label_template);
	labels_now = hkp11_labels_conf;
	if (labels_now.label_template != NULL)
		labels_now.label_template = strdup (labels_now.label_template);
	if (labels_now.token_label_template != NULL)
		labels_now.token_label_template = strdup (labels_now.token_label_template);
}

static bool
labels_enabled (void)
{
	return hkp11_labels_conf.mode != HKP11_LABELS_OFF;
}

static CK_RV
labels_start (void)
{
	/* A forked child starts afresh; the parent's lock may have been held
	 * and its sessions are not the child's.  What the child inherited is
	 * dropped, not freed: a thread of the parent may have been halfway
	 * through replacing it under the lock when the fork came, and freeing
	 * it again was a double free (tests/stress/test-fork under ASan).
	 * After a C_Finalize there is nothing left to drop. */
	pthread_mutex_init (&labels_lock, NULL);
	take_snapshot ();
	memset (&labels_objects, 0, sizeof labels_objects);
	memset (&labels_finds, 0, sizeof labels_finds);
	__atomic_store_n (&labels_n_finding, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n (&labels_tokens, NULL, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static void
labels_stop (void)
{
	pthread_mutex_lock (&labels_lock);
	forget_everything ();
	unlock_writer ();
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetTokenInfo = labels_C_GetTokenInfo,
	.C_InitToken = labels_C_InitToken,
	.C_OpenSession = labels_C_OpenSession,
	.C_CloseSession = labels_C_CloseSession,
	.C_CloseAllSessions = labels_C_CloseAllSessions,
	.C_Login = labels_C_Login,
	.C_LoginUser = labels_C_LoginUser,
	.C_Logout = labels_C_Logout,
	.C_CreateObject = labels_C_CreateObject,
	.C_CopyObject = labels_C_CopyObject,
	.C_DestroyObject = labels_C_DestroyObject,
	.C_GetAttributeValue = labels_C_GetAttributeValue,
	.C_SetAttributeValue = labels_C_SetAttributeValue,
	.C_FindObjectsInit = labels_C_FindObjectsInit,
	.C_FindObjects = labels_C_FindObjects,
	.C_FindObjectsFinal = labels_C_FindObjectsFinal,
	.C_GenerateKeyPair = labels_C_GenerateKeyPair,
	.C_UnwrapKey = labels_C_UnwrapKey,
	.C_WaitForSlotEvent = labels_C_WaitForSlotEvent,
};

hkp11_layer hkp11_labels_layer = {
	.name = "labels",
	.wraps = &wraps,
	.below = &labels_below,
	.options = &hkp11_labels_group,
	.enabled = labels_enabled,
	.start = labels_start,
	.stop = labels_stop,
};
