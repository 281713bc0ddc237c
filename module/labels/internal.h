/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the labels layer's files share; nothing outside module/labels/
 * includes it.
 *
 *   layer.c        life cycle, the tables, the wrap table;
 *   cache.c        the tables' helpers: tokens, objects, finds;
 *   scan.c         listing and parsing a token's certificates, naming them;
 *   pairing.c      which certificate a key belongs to;
 *   attributes.c   a label read: C_GetAttributeValue;
 *   find.c         a find by friendly label: C_FindObjects*;
 *   invalidation.c keeping the cache true: writes, logins, sessions, events;
 *   token-label.c  the token's own label (token-label): which certificate
 *                  names it, and C_GetTokenInfo.
 *
 * Locks: labels_lock guards every change to the tables and certificate
 * lists, and is never held across a call into the backend.  Readers of
 * labels_tokens, labels_objects and labels_finds take no lock: they
 * walk them inside an epoch read section (lockfree/epoch.h); writers
 * retire what they unlink and reclaim after unlocking (unlock_writer).
 * Functions named *_unlocked expect the lock held.
 */
#ifndef HKP11_LABELS_INTERNAL_H
#define HKP11_LABELS_INTERNAL_H

#include "ecert/ecert.h"
#include "core/sessions.h"
#include "lockfree/handle-map.h"
#include "p11/p11.h"
#include "settings/labels.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What the layer keeps of a certificate once parsed: shared between the
 * installed list and a scan that reuses it, and never changed once made.
 * refs and dead are only touched under the lock.  The strings and the ID
 * live in the same allocation.
 */
typedef struct {
	unsigned int refs;
	bool dead;       /* the object changed or went: never reuse */
	bool recognised; /* a Hongkong Post e-Cert */
	int rank;        /* to name the token: 2 signing e-Cert, 1 other e-Cert */
	hkp11_key_type key_type;
	unsigned char key_digest[HKP11_KEY_DIGEST_LEN]; /* when key_type is set */
	char expiry[16];
	const char *label;       /* built from the template; NULL: none */
	const char *token_label; /* built from token-label; NULL: none */
	const char *srn, *serial;
	size_t id_len;
	unsigned char id[];
} parsed_cert;

typedef struct {
	CK_OBJECT_HANDLE handle;
	parsed_cert *p; /* NULL once forgotten */
	bool named;
	char *label; /* the unique label, when named */
} cert_rec;

typedef struct token {
	CK_SLOT_ID slot;    /* never changes */
	struct token *next; /* set before the token is published */
	/* scanned && !stale, read without the lock: labels in objects for
	 * this slot may be answered as they are. */
	bool ready;
	bool scanned;             /* certs describes the token */
	int scanning;             /* scans under way; meanwhile certs serves */
	bool stale;               /* it may have changed: scan again before use */
	unsigned long generation; /* bumped by every invalidation */
	bool have_serial;
	CK_UTF8CHAR serial[16];
	cert_rec *certs; /* sorted by handle */
	size_t n_certs;
	size_t n_sessions;
	bool have_token_label;
	CK_UTF8CHAR token_label[32];
} token;

/* What the layer knows about one object: its friendly label, or that it
 * keeps its own. */
typedef struct {
	bool named;
	bool is_cert; /* one of the token's certificates (else a key or other) */
	size_t label_len;
	char label[];
} obj_rec;

/* A session's find by friendly label, which the layer answers itself; made
 * on the session's first such find, dropped when the session closes. */
typedef struct {
	CK_SLOT_ID slot; /* never changes */
	/* A find under way; read without the lock, changed under it. */
	bool finding;
	CK_OBJECT_HANDLE *found; /* under the lock */
	CK_ULONG n_found, next;
} find_rec;

/* ---- layer.c: the state ------------------------------------------------- */

/* labels, label-language, label-template, token-label
 * (common/settings/labels.c), as start() found them. */
extern hkp11_labels_settings labels_now;
extern CK_FUNCTION_LIST_3_0 labels_below;

/* Guards every change to the tables below, and the certificate lists. */
extern pthread_mutex_t labels_lock;
extern token *labels_tokens;            /* read without the lock */
extern hkp11_handle_map labels_objects; /* (slot, handle) -> obj_rec */
extern hkp11_handle_map labels_finds;   /* (session, 0) -> find_rec */
/* Sessions whose find this layer answers: while there are none, every
 * other find passes by without even a lookup. */
extern unsigned long labels_n_finding;

/* ---- cache.c ------------------------------------------------------------- */

/* Whether a C_GetAttributeValue answer says something per attribute. */
bool per_attribute_rv (CK_RV rv);
void parsed_unref_unlocked (parsed_cert *p);
void certs_free_unlocked (cert_rec *certs, size_t n);
void find_rec_free (void *value);
/* Ends a change to the tables, and frees what readers can no longer see. */
void unlock_writer (void);
/* Under the lock, or in an epoch read section: tokens are only retired. */
token *token_find (CK_SLOT_ID slot);
token *token_get_unlocked (CK_SLOT_ID slot);
void set_stale_unlocked (token *t, bool stale);
void invalidate_unlocked (CK_SLOT_ID slot);
cert_rec *cert_find_unlocked (token *t, CK_OBJECT_HANDLE handle);
/* hkp11_handle_map_remove_if tests: ctx points to a slot. */
bool same_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx);
bool key_in_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx);
bool find_in_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx);
/* A find the layer answers starts or ends (the session may be closing). */
void set_finding_unlocked (find_rec *s, bool finding);
obj_rec *obj_rec_new (bool named, const char *label);
/* The token in slot with its certificates known, returned with the lock
 * held; NULL (lock not held) when they cannot be listed. */
token *ready_token_locked (CK_SLOT_ID slot, CK_SESSION_HANDLE caller, bool current);

/* ---- scan.c ------------------------------------------------------------- */

/* Runs a whole find on session; *found is malloc'd. */
CK_RV find_all (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
		CK_OBJECT_HANDLE **found, CK_ULONG *n_found);
/* Lists and parses the certificates on the token in slot, and installs
 * them; false when they cannot be listed. */
bool scan_token (CK_SLOT_ID slot, CK_SESSION_HANDLE caller, bool force);

/* ---- pairing.c ------------------------------------------------------------ */

/* The label of an object the cache does not know yet; NULL when the object
 * cannot be read (the backend will say why). */
obj_rec *classify (CK_SESSION_HANDLE session, CK_SLOT_ID slot, CK_OBJECT_HANDLE object);

/* ---- attributes.c --------------------------------------------------------- */

/* The friendly label of object, copied into buf (HKP11_LABEL_SIZE bytes).
 * Returns false when the object keeps the label the token gave it. */
bool friendly_label (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, char *buf, size_t *len);

/* ---- token-label.c -------------------------------------------------------- */

/* Names the token after its main certificate, when token-label asks for
 * it; the certificates are named already. */
void name_token (const cert_rec *certs, size_t n, token *named_token);

/* ---- the wrappers ---------------------------------------------------------- */

#define LABELS_DECLARE(kind, name, params, args) CK_RV labels_##name params;
HKP11_FUNCTIONS_2_40 (LABELS_DECLARE)
HKP11_FUNCTIONS_3_0 (LABELS_DECLARE)
#undef LABELS_DECLARE

#endif
