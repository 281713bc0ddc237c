/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock backend's insides, shared by its files (never by the tests,
 * which see only mock-p11.h).
 *
 * One lock guards everything: each entry point takes it in mock-p11.c,
 * records its arguments and calls mock_impl_<function> with the lock held.
 * Only C_WaitForSlotEvent lets go of it while it waits.
 */
#ifndef MOCK_H
#define MOCK_H

#include "mock-p11.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One number per PKCS#11 function, in the order of p11-api.h. */
#define MOCK_ENUM(kind, name, params, args) MOCK_FN_##name,
enum { HKP11_FUNCTIONS_2_40 (MOCK_ENUM) HKP11_FUNCTIONS_3_0 (MOCK_ENUM) MOCK_FN_COUNT };
#undef MOCK_ENUM

/* What each function does, with the lock held.  Every one has a weak
 * default in mock-p11.c answering CKR_FUNCTION_NOT_SUPPORTED. */
#define MOCK_IMPL_DECL(kind, name, params, args) CK_RV mock_impl_##name params;
HKP11_FUNCTIONS_2_40 (MOCK_IMPL_DECL)
HKP11_FUNCTIONS_3_0 (MOCK_IMPL_DECL)
#undef MOCK_IMPL_DECL

/* The symbols of mock-p11.h; everything else stays hidden. */
#define MOCK_EXPORT __attribute__ ((visibility ("default")))

#define MOCK_N_SLOTS 2
#define MOCK_MAX_SESSIONS 64
#define MOCK_MAX_OBJECTS 256
#define MOCK_MAX_OBJ_ATTRS 40
#define MOCK_MAX_PIN 64
#define MOCK_MIN_PIN 4
#define MOCK_NO_LOGIN ((CK_ULONG)-1)

/* Handles are odd-looking on purpose, so a layer that renumbers them shows. */
#define MOCK_SESSION_BASE 0x5e550001UL
#define MOCK_OBJECT_BASE 0x0b1e0001UL

typedef struct {
	CK_ATTRIBUTE_TYPE type;
	CK_ULONG len;
	unsigned char *value; /* malloc'ed, len bytes (NULL when 0) */
} mock_attr;

typedef struct {
	bool used;
	CK_OBJECT_HANDLE handle;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session; /* owner of a session object; 0 for token objects */
	bool builtin;              /* a feature object of the eToken: read-only */
	size_t n_attrs;
	mock_attr attrs[MOCK_MAX_OBJ_ATTRS];
} mock_object;

/* A deterministic keyed hash standing in for every cryptographic operation. */
typedef struct {
	uint64_t h[4];
	uint64_t n;
} mock_hash;

typedef struct {
	bool active;
	bool multi;      /* an Update was seen: the one-shot call is no longer allowed */
	bool in_message; /* between C_*MessageBegin and the last C_*MessageNext */
	CK_MECHANISM_TYPE mechanism;
	CK_OBJECT_HANDLE key;
	mock_hash key_hash; /* the key and mechanism absorbed: where each message starts */
	mock_hash hash;     /* the running hash of the data so far */
	CK_ULONG pos;       /* bytes enciphered so far (the key stream position) */
} mock_op;

enum {
	MOCK_OP_SIGN,
	MOCK_OP_VERIFY,
	MOCK_OP_ENCRYPT,
	MOCK_OP_DECRYPT,
	MOCK_OP_DIGEST,
	MOCK_OP_MSG_SIGN,
	MOCK_OP_MSG_VERIFY,
	MOCK_OP_MSG_ENCRYPT,
	MOCK_OP_MSG_DECRYPT,
	MOCK_N_OPS
};

typedef struct {
	bool used;
	bool removed; /* its token was taken out: every call answers CKR_DEVICE_REMOVED */
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	CK_FLAGS flags;
	bool finding;
	size_t n_found, found_pos;
	CK_OBJECT_HANDLE found[MOCK_MAX_OBJECTS];
	mock_op ops[MOCK_N_OPS];
} mock_session;

typedef struct {
	CK_SLOT_ID slot;
	bool present;
	bool initialized;        /* CKF_TOKEN_INITIALIZED */
	bool user_pin_set;       /* CKF_USER_PIN_INITIALIZED */
	unsigned char label[32]; /* blank-padded */
	char serial[17];
	char user_pin[MOCK_MAX_PIN + 1];
	char so_pin[MOCK_MAX_PIN + 1];
	unsigned long user_tries, user_max; /* left, and when reset */
	unsigned long so_tries, so_max;
	CK_ULONG login; /* CKU_USER, CKU_SO or MOCK_NO_LOGIN */
} mock_token;

/* The knobs, read from the environment by C_Initialize (mock-env.c). */
typedef struct {
	CK_VERSION version;
	bool etoken;
	bool hide_retry;
	unsigned long user_tries;   /* wrong user PINs that lock a fresh token */
	bool pin_pad;               /* CKF_PROTECTED_AUTHENTICATION_PATH: a NULL PIN logs in */
	char model[17];             /* "" unless MOCK_P11_MODEL names the tokens' model */
	int n_tokens;               /* 1: slot 7 only; 2: slots 7 and 12 */
	unsigned long remove_after; /* 0: never */
	bool odd_length;            /* size queries answer odd_len instead of the truth */
	CK_ULONG odd_len;
	char user_pin[MOCK_MAX_PIN + 1];
	char so_pin[MOCK_MAX_PIN + 1];
	char state_path[4096];
	char present_path[4096]; /* "": the token of slot 7 stays */
	bool pin_policy;         /* an ETCKH_PIN_POLICY object */
	unsigned long policy_min_len, policy_max_len, policy_mix, policy_history;
	unsigned long policy_max_repeated, policy_numbers, policy_upper, policy_lower,
		policy_special, policy_max_age;
} mock_settings;

typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t event; /* signalled on a slot event and by C_Finalize */
	bool initialized;
	pid_t init_pid;
	unsigned long generation; /* bumped by C_Finalize to release waiters */
	unsigned long calls;      /* since C_Initialize, for remove_after */
	mock_settings set;
	mock_token tokens[MOCK_N_SLOTS];
	mock_session sessions[MOCK_MAX_SESSIONS];
	mock_object objects[MOCK_MAX_OBJECTS];
	CK_SLOT_ID events[8];
	size_t n_events;
	CK_RV fail[MOCK_FN_COUNT]; /* non-zero: the function answers this */
	bool fail_set[MOCK_FN_COUNT];
} mock_state;

extern mock_state mock;

/* mock-record.c: walking one call's arguments into its record. */
typedef struct {
	int index;
	mock_p11_call rec;
	const void *pending_buf; /* a byte or void pointer that may take a length */
	bool pending_is_bytes;
	bool have_pending;
	const CK_ATTRIBUTE *pending_attrs;
	bool have_attrs, attrs_done;
} mock_rec_walk;

void mock_rec_begin (mock_rec_walk *w, int index); /* takes the lock */
void mock_rec_args_done (mock_rec_walk *w);
CK_RV mock_rec_end (mock_rec_walk *w, CK_RV rv); /* lets go of the lock */
void mock_rec_scalar (mock_rec_walk *w, const char *name, CK_ULONG value);
void mock_rec_pointer (mock_rec_walk *w, const char *name, const void *p);
void mock_rec_bbool (mock_rec_walk *w, const char *name, CK_BBOOL value);
void mock_rec_bytes (mock_rec_walk *w, const char *name, const unsigned char *p);
void mock_rec_void (mock_rec_walk *w, const char *name, const void *p);
void mock_rec_ulong_ptr (mock_rec_walk *w, const char *name, const CK_ULONG *p);
void mock_rec_attrs (mock_rec_walk *w, const char *name, const CK_ATTRIBUTE *p);
void mock_rec_mechanism (mock_rec_walk *w, const char *name, const CK_MECHANISM *p);
void mock_rec_notify (mock_rec_walk *w, const char *name, CK_NOTIFY p);

/* One argument x of the call being recorded into walk_. */
#define MOCK_REC_ARG(x) \
	_Generic((x), CK_ULONG \
		 : mock_rec_scalar, CK_BBOOL \
		 : mock_rec_bbool, CK_BYTE_PTR \
		 : mock_rec_bytes, CK_VOID_PTR \
		 : mock_rec_void, CK_ULONG_PTR \
		 : mock_rec_ulong_ptr, CK_ATTRIBUTE_PTR \
		 : mock_rec_attrs, CK_MECHANISM_PTR \
		 : mock_rec_mechanism, CK_NOTIFY \
		 : mock_rec_notify, default \
		 : mock_rec_pointer) (&walk_, #x, x);

/* mock-p11.c */
int mock_function_index (const char *name); /* -1 when unknown */
const char *mock_function_name (int index);
CK_VERSION mock_version_from_env (void);
/* What a size query answers: real, or the odd length a test asked for. */
CK_ULONG mock_size_answer (CK_ULONG real);

/* mock-env.c */
void mock_settings_read (mock_settings *set);
bool mock_rv_parse (const char *text, CK_RV *rv);
bool mock_length_parse (const char *text, CK_ULONG *len); /* 0, 1, huge, unavailable, N */
void mock_fail_parse (const char *spec);                  /* MOCK_P11_FAIL */

/* mock-token.c */
mock_token *mock_token_get (CK_SLOT_ID slot, CK_RV *rv); /* present tokens only */
mock_token *mock_token_any (CK_SLOT_ID slot);            /* present or not */
mock_session *mock_session_get (CK_SESSION_HANDLE h, CK_RV *rv);
mock_token *mock_session_token (const mock_session *s);
void mock_token_remove (mock_token *t);
void mock_token_insert (mock_token *t);
void mock_slot_event (CK_SLOT_ID slot);
/* MOCK_P11_PRESENT_FILE: slot 7's token follows whether the file exists. */
void mock_present_sync (void);
void mock_pad (unsigned char *dst, size_t size, const char *src);
CK_FLAGS mock_token_pin_flags (const mock_token *t);
/* Open sessions of slot that have every flag in need. */
size_t mock_count_sessions (CK_SLOT_ID slot, CK_FLAGS need);

/* mock-login.c */
void mock_logout_token (mock_token *t);

/* mock-objects.c */
mock_object *mock_object_new (CK_SLOT_ID slot, CK_SESSION_HANDLE session);
mock_object *mock_object_get (const mock_session *s, CK_OBJECT_HANDLE h); /* visible only */
void mock_object_free (mock_object *o);
void mock_objects_clear_session (CK_SESSION_HANDLE session);
/* Token objects of slot (every object of every slot when slot is 0);
 * the eToken's feature objects only when builtin_too. */
void mock_objects_clear_token (CK_SLOT_ID slot, bool builtin_too);
const mock_attr *mock_attr_find (const mock_object *o, CK_ATTRIBUTE_TYPE type);
bool mock_attr_set (mock_object *o, CK_ATTRIBUTE_TYPE type, const void *value, CK_ULONG len);
bool mock_attr_set_ulong (mock_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG value);
bool mock_attr_bool (const mock_object *o, CK_ATTRIBUTE_TYPE type, bool fallback);
CK_ULONG mock_attr_ulong (const mock_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG fallback);
bool mock_attr_sensitive (const mock_object *o, CK_ATTRIBUTE_TYPE type);
CK_RV mock_template_apply (mock_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG count, bool creating);
CK_RV mock_object_check_access (const mock_session *s, const mock_object *o);
/* Defaults (CKA_TOKEN, CKA_PRIVATE...) and access checks of a new object. */
CK_RV mock_object_finish (const mock_session *s, mock_object *o);

/* mock-crypto.c */
void mock_hash_init (mock_hash *h, const void *key, size_t key_len);
void mock_hash_update (mock_hash *h, const void *data, size_t len);
void mock_hash_final (const mock_hash *h, unsigned char *out, size_t len);
void mock_random (unsigned char *out, size_t len);
/* Starts operation op on session h with key (ignored for digests),
 * checking the key's usage attribute; sets *session. */
CK_RV mock_op_begin (CK_SESSION_HANDLE h, int op, const CK_MECHANISM *mechanism,
		     CK_OBJECT_HANDLE key, CK_ATTRIBUTE_TYPE usage, mock_session **session);
/* The active operation op of session h, or NULL with *rv set. */
mock_op *mock_op_get (CK_SESSION_HANDLE h, int op, CK_RV *rv);
/* The spec's output rule: NULL buffer asks the length, a small one gets
 * CKR_BUFFER_TOO_SMALL; *done tells that out received need bytes. */
CK_RV mock_output (const void *out, CK_ULONG_PTR out_len, CK_ULONG need, bool *done);
CK_ULONG mock_output_len (CK_MECHANISM_TYPE mechanism);

/* mock-cipher.c: ends a message-based operation (C_Message*Final). */
CK_RV mock_message_final (CK_SESSION_HANDLE h, int op);

/* mock-etoken.c */
void mock_etoken_setup (mock_token *t);  /* label, serial and feature objects */
void mock_etoken_update (mock_token *t); /* ETCKA_RETRY_* follow the counters */
CK_RV mock_etoken_check_new_pin (const char *pin, size_t len);
void mock_state_load (mock_token *t);
void mock_state_save (const mock_token *t);
/* Holds other processes sharing the token off while one checks a PIN, as
 * a real token serialises its counter; -1 when nothing is shared. */
int mock_state_lock (const mock_token *t);
void mock_state_unlock (int fd);

#endif /* MOCK_H */
