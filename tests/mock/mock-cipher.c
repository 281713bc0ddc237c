/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's make-believe encryption: a key stream drawn from the keyed
 * hash, XOR'ed with the data, so the ciphertext is as long as the plaintext
 * and decryption is the same operation.  Single-part, multi-part and the
 * PKCS#11 3.0 message-based calls (the message parameter enters the key
 * stream, so both sides must give the same one).
 */
#include "config.h"
#include "mock.h"

#include <string.h>

#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE 0x00000001UL
#endif

static void
keystream (const mock_hash *base, CK_ULONG *pos, const CK_BYTE *in, CK_ULONG len, CK_BYTE *out)
{
	unsigned char block[32];
	for (CK_ULONG i = 0; i < len; i++, (*pos)++) {
		if (i == 0 || *pos % sizeof block == 0) {
			mock_hash h = *base;
			uint64_t counter = *pos / sizeof block;
			mock_hash_update (&h, &counter, sizeof counter);
			mock_hash_final (&h, block, sizeof block);
		}
		out[i] = in[i] ^ block[*pos % sizeof block];
	}
}

/* One step of a single- or multi-part operation; `ends` for the call that
 * closes it (C_Encrypt, C_EncryptFinal). */
static CK_RV
cipher (CK_SESSION_HANDLE h, int op, const CK_BYTE *in, CK_ULONG len, CK_BYTE_PTR out,
	CK_ULONG_PTR out_len, bool ends)
{
	CK_RV rv;
	bool done = false;
	mock_op *o = mock_op_get (h, op, &rv);

	if (o == NULL)
		return rv;
	if (in == NULL && len > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = mock_output (out, out_len, len, &done);
	if (done)
		keystream (&o->key_hash, &o->pos, in, len, out);
	if ((done && ends) || (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL))
		memset (o, 0, sizeof *o);
	return rv;
}

CK_RV
mock_impl_C_EncryptInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_ENCRYPT, m, key, CKA_ENCRYPT, &s);
}

CK_RV
mock_impl_C_Encrypt (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
		     CK_ULONG_PTR out_len)
{
	return cipher (h, MOCK_OP_ENCRYPT, data, len, out, out_len, true);
}

CK_RV
mock_impl_C_EncryptUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len, CK_BYTE_PTR out,
			   CK_ULONG_PTR out_len)
{
	return cipher (h, MOCK_OP_ENCRYPT, part, len, out, out_len, false);
}

CK_RV
mock_impl_C_EncryptFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return cipher (h, MOCK_OP_ENCRYPT, NULL, 0, out, out_len, true);
}

CK_RV
mock_impl_C_DecryptInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_DECRYPT, m, key, CKA_DECRYPT, &s);
}

CK_RV
mock_impl_C_Decrypt (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
		     CK_ULONG_PTR out_len)
{
	return cipher (h, MOCK_OP_DECRYPT, data, len, out, out_len, true);
}

CK_RV
mock_impl_C_DecryptUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len, CK_BYTE_PTR out,
			   CK_ULONG_PTR out_len)
{
	return cipher (h, MOCK_OP_DECRYPT, part, len, out, out_len, false);
}

CK_RV
mock_impl_C_DecryptFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return cipher (h, MOCK_OP_DECRYPT, NULL, 0, out, out_len, true);
}

/* Message-based: the operation lasts until C_Message*Final; each message
 * starts its key stream afresh from the key and the message parameter. */

static CK_RV
message_one (CK_SESSION_HANDLE h, int op, const void *param, CK_ULONG param_len, const CK_BYTE *in,
	     CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	CK_RV rv;
	bool done = false;
	mock_op *o = mock_op_get (h, op, &rv);

	if (o == NULL)
		return rv;
	if (o->in_message)
		return CKR_OPERATION_ACTIVE;
	if ((param == NULL && param_len > 0) || (in == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	rv = mock_output (out, out_len, len, &done);
	if (done) {
		mock_hash base = o->key_hash;
		CK_ULONG pos = 0;
		mock_hash_update (&base, param, param_len);
		keystream (&base, &pos, in, len, out);
	}
	return rv;
}

static CK_RV
message_begin (CK_SESSION_HANDLE h, int op, const void *param, CK_ULONG param_len)
{
	CK_RV rv;
	mock_op *o = mock_op_get (h, op, &rv);

	if (o == NULL)
		return rv;
	if (o->in_message)
		return CKR_OPERATION_ACTIVE;
	if (param == NULL && param_len > 0)
		return CKR_ARGUMENTS_BAD;
	o->hash = o->key_hash;
	mock_hash_update (&o->hash, param, param_len);
	o->pos = 0;
	o->in_message = true;
	return CKR_OK;
}

static CK_RV
message_next (CK_SESSION_HANDLE h, int op, const CK_BYTE *in, CK_ULONG len, CK_BYTE_PTR out,
	      CK_ULONG_PTR out_len, CK_FLAGS flags)
{
	CK_RV rv;
	bool done = false;
	mock_op *o = mock_op_get (h, op, &rv);

	if (o == NULL)
		return rv;
	if (!o->in_message)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (in == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	rv = mock_output (out, out_len, len, &done);
	if (done) {
		keystream (&o->hash, &o->pos, in, len, out);
		if (flags & CKF_END_OF_MESSAGE)
			o->in_message = false;
	}
	return rv;
}

CK_RV
mock_message_final (CK_SESSION_HANDLE h, int op)
{
	CK_RV rv;
	mock_op *o = mock_op_get (h, op, &rv);
	if (o == NULL)
		return rv;
	memset (o, 0, sizeof *o);
	return CKR_OK;
}

CK_RV
mock_impl_C_MessageEncryptInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_MSG_ENCRYPT, m, key, CKA_ENCRYPT, &s);
}

CK_RV
mock_impl_C_EncryptMessage (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
			    CK_BYTE_PTR aad, CK_ULONG aad_len, CK_BYTE_PTR in, CK_ULONG len,
			    CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return message_one (h, MOCK_OP_MSG_ENCRYPT, param, param_len, in, len, out, out_len);
}

CK_RV
mock_impl_C_EncryptMessageBegin (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
				 CK_BYTE_PTR aad, CK_ULONG aad_len)
{
	return message_begin (h, MOCK_OP_MSG_ENCRYPT, param, param_len);
}

CK_RV
mock_impl_C_EncryptMessageNext (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
				CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR out_len,
				CK_FLAGS flags)
{
	return message_next (h, MOCK_OP_MSG_ENCRYPT, in, len, out, out_len, flags);
}

CK_RV
mock_impl_C_MessageEncryptFinal (CK_SESSION_HANDLE h)
{
	return mock_message_final (h, MOCK_OP_MSG_ENCRYPT);
}

CK_RV
mock_impl_C_MessageDecryptInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_MSG_DECRYPT, m, key, CKA_DECRYPT, &s);
}

CK_RV
mock_impl_C_DecryptMessage (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
			    CK_BYTE_PTR aad, CK_ULONG aad_len, CK_BYTE_PTR in, CK_ULONG len,
			    CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return message_one (h, MOCK_OP_MSG_DECRYPT, param, param_len, in, len, out, out_len);
}

CK_RV
mock_impl_C_DecryptMessageBegin (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
				 CK_BYTE_PTR aad, CK_ULONG aad_len)
{
	return message_begin (h, MOCK_OP_MSG_DECRYPT, param, param_len);
}

CK_RV
mock_impl_C_DecryptMessageNext (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
				CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR out_len,
				CK_FLAGS flags)
{
	return message_next (h, MOCK_OP_MSG_DECRYPT, in, len, out, out_len, flags);
}

CK_RV
mock_impl_C_MessageDecryptFinal (CK_SESSION_HANDLE h)
{
	return mock_message_final (h, MOCK_OP_MSG_DECRYPT);
}
