/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PKCS#11 3.0 message-based signatures and C_SessionCancel.
 *
 * A message signature is the keyed hash of the message parameter and the
 * data, so C_SignMessage and C_VerifyMessage agree when given the same
 * parameter.  The operation lasts until C_MessageSignFinal.
 */
#include "config.h"
#include "mock.h"

#include <string.h>

static CK_RV
sign_one (CK_SESSION_HANDLE h, int op, const void *param, CK_ULONG param_len, const CK_BYTE *data,
	  CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len, bool verify)
{
	unsigned char expected[MOCK_P11_SIGNATURE_LEN];
	CK_RV rv;
	bool done = false;
	mock_op *o = mock_op_get (h, op, &rv);
	CK_ULONG need;

	if (o == NULL)
		return rv;
	if (o->in_message)
		return CKR_OPERATION_ACTIVE;
	if ((param == NULL && param_len > 0) || (data == NULL && len > 0))
		return CKR_ARGUMENTS_BAD;
	need = mock_output_len (o->mechanism);
	mock_hash hash = o->key_hash;
	mock_hash_update (&hash, param, param_len);
	mock_hash_update (&hash, data, len);
	if (verify) {
		if (sig == NULL || sig_len == NULL)
			return CKR_ARGUMENTS_BAD;
		if (*sig_len != need)
			return CKR_SIGNATURE_LEN_RANGE;
		mock_hash_final (&hash, expected, need);
		return memcmp (expected, sig, need) == 0 ? CKR_OK : CKR_SIGNATURE_INVALID;
	}
	rv = mock_output (sig, sig_len, need, &done);
	if (done)
		mock_hash_final (&hash, sig, need);
	return rv;
}

static CK_RV
sign_begin (CK_SESSION_HANDLE h, int op, const void *param, CK_ULONG param_len)
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
	o->in_message = true;
	return CKR_OK;
}

/* A part of a message; the last part is the one given a signature (or,
 * when signing, somewhere to put it). */
static CK_RV
sign_next (CK_SESSION_HANDLE h, int op, const CK_BYTE *data, CK_ULONG len, CK_BYTE_PTR sig,
	   CK_ULONG_PTR sig_len, bool last, bool verify)
{
	unsigned char expected[MOCK_P11_SIGNATURE_LEN];
	CK_RV rv;
	bool done = false;
	mock_op *o = mock_op_get (h, op, &rv);
	CK_ULONG need;

	if (o == NULL)
		return rv;
	if (!o->in_message)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (data == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	if (!last) {
		mock_hash_update (&o->hash, data, len);
		return CKR_OK;
	}
	need = mock_output_len (o->mechanism);
	mock_hash hash = o->hash;
	mock_hash_update (&hash, data, len);
	if (verify) {
		o->in_message = false;
		if (*sig_len != need)
			return CKR_SIGNATURE_LEN_RANGE;
		mock_hash_final (&hash, expected, need);
		return memcmp (expected, sig, need) == 0 ? CKR_OK : CKR_SIGNATURE_INVALID;
	}
	rv = mock_output (sig, sig_len, need, &done);
	if (done) {
		mock_hash_final (&hash, sig, need);
		o->in_message = false;
	}
	return rv;
}

CK_RV
mock_impl_C_MessageSignInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_MSG_SIGN, m, key, CKA_SIGN, &s);
}

CK_RV
mock_impl_C_SignMessage (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
			 CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	return sign_one (h, MOCK_OP_MSG_SIGN, param, param_len, data, len, sig, sig_len, false);
}

CK_RV
mock_impl_C_SignMessageBegin (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len)
{
	return sign_begin (h, MOCK_OP_MSG_SIGN, param, param_len);
}

CK_RV
mock_impl_C_SignMessageNext (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
			     CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	/* pulSignatureLen NULL: not the last part. */
	return sign_next (h, MOCK_OP_MSG_SIGN, data, len, sig, sig_len, sig_len != NULL, false);
}

CK_RV
mock_impl_C_MessageSignFinal (CK_SESSION_HANDLE h)
{
	return mock_message_final (h, MOCK_OP_MSG_SIGN);
}

CK_RV
mock_impl_C_MessageVerifyInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	mock_session *s;
	return mock_op_begin (h, MOCK_OP_MSG_VERIFY, m, key, CKA_VERIFY, &s);
}

CK_RV
mock_impl_C_VerifyMessage (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
			   CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	return sign_one (h, MOCK_OP_MSG_VERIFY, param, param_len, data, len, sig, &sig_len, true);
}

CK_RV
mock_impl_C_VerifyMessageBegin (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len)
{
	return sign_begin (h, MOCK_OP_MSG_VERIFY, param, param_len);
}

CK_RV
mock_impl_C_VerifyMessageNext (CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
			       CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	/* pSignature NULL: not the last part. */
	return sign_next (h, MOCK_OP_MSG_VERIFY, data, len, sig, &sig_len, sig != NULL, true);
}

CK_RV
mock_impl_C_MessageVerifyFinal (CK_SESSION_HANDLE h)
{
	return mock_message_final (h, MOCK_OP_MSG_VERIFY);
}

CK_RV
mock_impl_C_SessionCancel (CK_SESSION_HANDLE h, CK_FLAGS flags)
{
	static const struct {
		CK_FLAGS flag;
		int op;
	} ops[] = {
		{ CKF_SIGN, MOCK_OP_SIGN },
		{ CKF_VERIFY, MOCK_OP_VERIFY },
		{ CKF_ENCRYPT, MOCK_OP_ENCRYPT },
		{ CKF_DECRYPT, MOCK_OP_DECRYPT },
		{ CKF_DIGEST, MOCK_OP_DIGEST },
		/* CKF_MESSAGE_SIGN, _VERIFY, _ENCRYPT, _DECRYPT of PKCS#11 3.0 */
		{ 0x08, MOCK_OP_MSG_SIGN },
		{ 0x10, MOCK_OP_MSG_VERIFY },
		{ 0x02, MOCK_OP_MSG_ENCRYPT },
		{ 0x04, MOCK_OP_MSG_DECRYPT },
	};
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (flags & ops[i].flag)
			memset (&s->ops[ops[i].op], 0, sizeof s->ops[ops[i].op]);
	}
	/* CKF_FIND_OBJECTS (0x40) ends a search. */
	if (flags & 0x40UL)
		s->finding = false;
	return CKR_OK;
}
