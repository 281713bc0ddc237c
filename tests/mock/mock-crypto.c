/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's make-believe cryptography: mechanisms, a keyed hash for
 * signatures and digests, operation state, sign and verify, digest.
 *
 * A signature is the keyed hash (key: CKA_MODULUS, else CKA_VALUE, else
 * CKA_ID, else the handle; then the mechanism) of the data, stretched to
 * the mechanism's length: 256 bytes for the RSA mechanisms, as for an RSA
 * 2048 key, 32 for HMAC.  A key pair shares its modulus, so what the
 * private key signs the public key verifies.  None of it is secure.
 */
#include "config.h"
#include "mock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The PKCS#11 3.0 mechanism flags, absent from 2.40 headers. */
#ifndef CKF_MESSAGE_ENCRYPT
#define CKF_MESSAGE_ENCRYPT 0x00000002UL
#define CKF_MESSAGE_DECRYPT 0x00000004UL
#define CKF_MESSAGE_SIGN 0x00000008UL
#define CKF_MESSAGE_VERIFY 0x00000010UL
#endif

#define RSA_FLAGS (CKF_HW | CKF_SIGN | CKF_VERIFY)
#define MSG_SIGN_FLAGS (CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY)

static const CK_MECHANISM_TYPE op_flags[MOCK_N_OPS] = {
	[MOCK_OP_SIGN] = CKF_SIGN,
	[MOCK_OP_VERIFY] = CKF_VERIFY,
	[MOCK_OP_ENCRYPT] = CKF_ENCRYPT,
	[MOCK_OP_DECRYPT] = CKF_DECRYPT,
	[MOCK_OP_DIGEST] = CKF_DIGEST,
	[MOCK_OP_MSG_SIGN] = CKF_MESSAGE_SIGN,
	[MOCK_OP_MSG_VERIFY] = CKF_MESSAGE_VERIFY,
	[MOCK_OP_MSG_ENCRYPT] = CKF_MESSAGE_ENCRYPT,
	[MOCK_OP_MSG_DECRYPT] = CKF_MESSAGE_DECRYPT,
};

static const struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} mechanisms[] = {
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, { 1024, 4096, CKF_HW | CKF_GENERATE_KEY_PAIR } },
	{ CKM_RSA_PKCS, { 1024, 4096, RSA_FLAGS } },
	{ CKM_SHA1_RSA_PKCS, { 1024, 4096, RSA_FLAGS } },
	{ CKM_SHA256_RSA_PKCS, { 1024, 4096, RSA_FLAGS | MSG_SIGN_FLAGS } },
	{ CKM_SHA384_RSA_PKCS, { 1024, 4096, RSA_FLAGS } },
	{ CKM_SHA512_RSA_PKCS, { 1024, 4096, RSA_FLAGS } },
	{ CKM_RSA_PKCS_PSS, { 1024, 4096, RSA_FLAGS } },
	{ CKM_SHA256_RSA_PKCS_PSS, { 1024, 4096, RSA_FLAGS } },
	/* Not SHA: a client comparing with the real thing would see a wrong digest. */
	{ MOCK_P11_CKM_DIGEST, { 0, 0, CKF_HW | CKF_DIGEST } },
	{ CKM_SHA256_HMAC, { 16, 64, CKF_HW | CKF_SIGN | CKF_VERIFY | MSG_SIGN_FLAGS } },
	{ CKM_AES_KEY_GEN, { 16, 32, CKF_HW | CKF_GENERATE } },
	{ CKM_AES_CBC, { 16, 32, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT } },
	{ CKM_AES_CTR, { 16, 32, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT } },
	{ CKM_AES_GCM,
	  { 16, 32,
	    CKF_HW | CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT } },
};
#define N_MECHANISMS (sizeof mechanisms / sizeof mechanisms[0])

static const CK_MECHANISM_INFO *
mechanism_info (CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < N_MECHANISMS; i++) {
		if (mechanisms[i].type == type)
			return &mechanisms[i].info;
	}
	return NULL;
}

CK_ULONG
mock_output_len (CK_MECHANISM_TYPE mechanism)
{
	switch (mechanism) {
	case MOCK_P11_CKM_DIGEST:
	case CKM_SHA256_HMAC:
		return 32;
	}
	return MOCK_P11_SIGNATURE_LEN;
}

static uint64_t
mix (uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
mock_hash_init (mock_hash *h, const void *key, size_t key_len)
{
	h->h[0] = 0x6a09e667f3bcc908ULL;
	h->h[1] = 0xbb67ae8584caa73bULL;
	h->h[2] = 0x3c6ef372fe94f82bULL;
	h->h[3] = 0xa54ff53a5f1d36f1ULL;
	h->n = 0;
	mock_hash_update (h, key, key_len);
}

void
mock_hash_update (mock_hash *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; p != NULL && i < len; i++) {
		uint64_t *lane = &h->h[h->n & 3];
		*lane = mix (*lane ^ (p[i] + (h->n << 8)));
		h->h[(h->n + 1) & 3] += *lane;
		h->n++;
	}
}

void
mock_hash_final (const mock_hash *h, unsigned char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = mix (h->h[i & 3] ^ mix (h->n + i / 4 + 1));
		out[i] = (unsigned char)(x >> (8 * (i & 7)));
	}
}

void
mock_random (unsigned char *out, size_t len)
{
	static uint64_t state;
	if (state == 0)
		state = mix ((uint64_t)time (NULL) ^ ((uint64_t)getpid () << 32));
	for (size_t i = 0; i < len; i++) {
		state = mix (state + 0x9e3779b97f4a7c15ULL);
		out[i] = (unsigned char)state;
	}
}

CK_RV
mock_op_begin (CK_SESSION_HANDLE h, int op, const CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key,
	       CK_ATTRIBUTE_TYPE usage, mock_session **session)
{
	static const CK_ATTRIBUTE_TYPE material[] = { CKA_MODULUS, CKA_VALUE, CKA_ID };
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	const CK_MECHANISM_INFO *info;
	mock_op *o;

	if (s == NULL)
		return rv;
	*session = s;
	if (mechanism == NULL)
		return CKR_ARGUMENTS_BAD;
	if (s->ops[op].active)
		return CKR_OPERATION_ACTIVE;
	info = mechanism_info (mechanism->mechanism);
	if (info == NULL || !(info->flags & op_flags[op]))
		return CKR_MECHANISM_INVALID;
	o = &s->ops[op];
	memset (o, 0, sizeof *o);
	mock_hash_init (&o->key_hash, NULL, 0);
	if (op != MOCK_OP_DIGEST) {
		const mock_object *k = mock_object_get (s, key);
		const mock_attr *a = NULL;
		if (k == NULL)
			return CKR_KEY_HANDLE_INVALID;
		if (!mock_attr_bool (k, usage, true))
			return CKR_KEY_FUNCTION_NOT_PERMITTED;
		for (size_t i = 0; a == NULL && i < sizeof material / sizeof material[0]; i++)
			a = mock_attr_find (k, material[i]);
		if (a != NULL)
			mock_hash_update (&o->key_hash, a->value, a->len);
		else
			mock_hash_update (&o->key_hash, &key, sizeof key);
	}
	mock_hash_update (&o->key_hash, &mechanism->mechanism, sizeof mechanism->mechanism);
	o->hash = o->key_hash;
	o->mechanism = mechanism->mechanism;
	o->key = key;
	o->active = true;
	return CKR_OK;
}

mock_op *
mock_op_get (CK_SESSION_HANDLE h, int op, CK_RV *rv)
{
	mock_session *s = mock_session_get (h, rv);
	if (s == NULL)
		return NULL;
	if (!s->ops[op].active) {
		*rv = CKR_OPERATION_NOT_INITIALIZED;
		return NULL;
	}
	return &s->ops[op];
}

CK_RV
mock_output (const void *out, CK_ULONG_PTR out_len, CK_ULONG need, bool *done)
{
	*done = false;
	if (out_len == NULL)
		return CKR_ARGUMENTS_BAD;
	if (out == NULL) {
		*out_len = mock_size_answer (need);
		return CKR_OK;
	}
	if (*out_len < need) {
		*out_len = need;
		return CKR_BUFFER_TOO_SMALL;
	}
	*out_len = need;
	*done = true;
	return CKR_OK;
}

/* An operation ends with its result or an error; a length query or a
 * buffer too small leaves it going. */
static CK_RV
finish (mock_op *o, CK_RV rv, bool done)
{
	if (done || (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL))
		memset (o, 0, sizeof *o);
	return rv;
}

CK_RV
mock_impl_C_GetMechanismList (CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv;
	if (mock_token_get (slot, &rv) == NULL)
		return rv;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list != NULL && *count < N_MECHANISMS)
		rv = CKR_BUFFER_TOO_SMALL;
	else
		for (size_t i = 0; list != NULL && i < N_MECHANISMS; i++)
			list[i] = mechanisms[i].type;
	*count = list == NULL ? mock_size_answer (N_MECHANISMS) : N_MECHANISMS;
	return rv;
}

CK_RV
mock_impl_C_GetMechanismInfo (CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv;
	const CK_MECHANISM_INFO *found;
	if (mock_token_get (slot, &rv) == NULL)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	found = mechanism_info (type);
	if (found == NULL)
		return CKR_MECHANISM_INVALID;
	*info = *found;
	/* A 2.x library knows no message-based flags. */
	if (mock.set.version.major < 3)
		info->flags &=
			~(CK_FLAGS)(CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | MSG_SIGN_FLAGS);
	return CKR_OK;
}

/* Sign, digest: one-shot, update, final. */

static CK_RV
produce (CK_SESSION_HANDLE h, int op, const void *data, CK_ULONG len, CK_BYTE_PTR out,
	 CK_ULONG_PTR out_len)
{
	CK_RV rv;
	bool done = false;
	mock_op *o = mock_op_get (h, op, &rv);
	if (o == NULL)
		return rv;
	if (data == NULL && len > 0)
		return finish (o, CKR_ARGUMENTS_BAD, false);
	rv = mock_output (out, out_len, mock_output_len (o->mechanism), &done);
	if (done) {
		mock_hash copy = o->hash;
		mock_hash_update (&copy, data, len);
		mock_hash_final (&copy, out, *out_len);
	}
	return finish (o, rv, done);
}

static CK_RV
absorb (CK_SESSION_HANDLE h, int op, const void *part, CK_ULONG len)
{
	CK_RV rv;
	mock_op *o = mock_op_get (h, op, &rv);
	if (o == NULL)
		return rv;
	if (part == NULL && len > 0)
		return finish (o, CKR_ARGUMENTS_BAD, false);
	mock_hash_update (&o->hash, part, len);
	o->multi = true;
	return CKR_OK;
}

/* Verify: compare with what signing would give; always ends the operation. */
static CK_RV
check (CK_SESSION_HANDLE h, int op, const void *data, CK_ULONG len, const CK_BYTE *sig,
       CK_ULONG sig_len)
{
	CK_RV rv;
	mock_op *o = mock_op_get (h, op, &rv);
	unsigned char expected[MOCK_P11_SIGNATURE_LEN];
	CK_ULONG need;
	if (o == NULL)
		return rv;
	need = mock_output_len (o->mechanism);
	if ((data == NULL && len > 0) || (sig == NULL && sig_len > 0))
		return finish (o, CKR_ARGUMENTS_BAD, true);
	if (sig_len != need)
		return finish (o, CKR_SIGNATURE_LEN_RANGE, true);
	mock_hash copy = o->hash;
	mock_hash_update (&copy, data, len);
	mock_hash_final (&copy, expected, need);
	rv = memcmp (expected, sig, need) == 0 ? CKR_OK : CKR_SIGNATURE_INVALID;
	return finish (o, rv, true);
}

CK_RV
mock_impl_C_SignInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_SIGN, m, key, CKA_SIGN, &s);
}

CK_RV
mock_impl_C_Sign (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
		  CK_ULONG_PTR sig_len)
{
	return produce (h, MOCK_OP_SIGN, data, len, sig, sig_len);
}

CK_RV
mock_impl_C_SignUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return absorb (h, MOCK_OP_SIGN, part, len);
}

CK_RV
mock_impl_C_SignFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	return produce (h, MOCK_OP_SIGN, NULL, 0, sig, sig_len);
}

CK_RV
mock_impl_C_VerifyInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_VERIFY, m, key, CKA_VERIFY, &s);
}

CK_RV
mock_impl_C_Verify (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
		    CK_ULONG sig_len)
{
	return check (h, MOCK_OP_VERIFY, data, len, sig, sig_len);
}

CK_RV
mock_impl_C_VerifyUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return absorb (h, MOCK_OP_VERIFY, part, len);
}

CK_RV
mock_impl_C_VerifyFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	return check (h, MOCK_OP_VERIFY, NULL, 0, sig, sig_len);
}

CK_RV
mock_impl_C_DigestInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_DIGEST, m, 0, 0, &s);
}

CK_RV
mock_impl_C_Digest (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
		    CK_ULONG_PTR out_len)
{
	return produce (h, MOCK_OP_DIGEST, data, len, out, out_len);
}

CK_RV
mock_impl_C_DigestUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return absorb (h, MOCK_OP_DIGEST, part, len);
}

CK_RV
mock_impl_C_DigestFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return produce (h, MOCK_OP_DIGEST, NULL, 0, out, out_len);
}
