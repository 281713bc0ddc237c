/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wrappers of the shapes many functions share, one definition per
 * function of calls.h whose shape is not `own`.  Each shape says what its
 * record holds: handles, mechanisms, lengths, never the data.
 */
#include "config.h"
#include "internal.h"
#include "calls.h"

/* (hSession) */
#define WRAP_session(name, sec) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession)); \
		call_session (&c, hSession); \
		CK_RV rv = audit_below.name (hSession); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, pMechanism, hKey): the Init of an operation with a key.  For
 * the private and secret key families, the key's class, label and id. */
#define WRAP_mech_key(name, sec) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, \
			    CK_OBJECT_HANDLE hKey) \
	{ \
		call c; \
		object_info key; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pMechanism, hKey)); \
		call_session (&c, hSession); \
		arg_mechanism (&c, pMechanism); \
		arg_num (&c, "key", HKP11_ARG_ULONG, hKey); \
		if (sec) { \
			object_read (hSession, hKey, &key); \
			arg_object (&c, &key, &KEY); \
		} \
		CK_RV rv = call_permit (&c); \
		if (rv == CKR_OK) \
			rv = audit_below.name (hSession, pMechanism, hKey); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, in, in_len, out, out_len).  A completing call of a key
 * family (C_Sign, C_Decrypt) is a security record unless it only asks for
 * the output length. */
#define WRAP_in_out(name, in_key, out_key, completes) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen, \
			    CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pIn, ulInLen, pOut, pulOutLen)); \
		call_session (&c, hSession); \
		arg_num (&c, in_key, HKP11_ARG_ULONG, ulInLen); \
		CK_RV rv = audit_below.name (hSession, pIn, ulInLen, pOut, pulOutLen); \
		arg_out_len (&c, out_key, pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, out, out_len): the Final of an operation. */
#define WRAP_out(name, out_key, completes) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pOut, pulOutLen)); \
		call_session (&c, hSession); \
		CK_RV rv = audit_below.name (hSession, pOut, pulOutLen); \
		arg_out_len (&c, out_key, pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, in, in_len) */
#define WRAP_in(name, in_key) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pIn, ulInLen)); \
		call_session (&c, hSession); \
		arg_num (&c, in_key, HKP11_ARG_ULONG, ulInLen); \
		CK_RV rv = audit_below.name (hSession, pIn, ulInLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, aad, aad_len): a 3.0 message begins. */
#define WRAP_message_begin(name, unused) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
			    CK_ULONG ulAssociatedDataLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pAssociatedData, \
				     ulAssociatedDataLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "aad_len", HKP11_ARG_ULONG, ulAssociatedDataLen); \
		CK_RV rv = audit_below.name (hSession, pParameter, ulParameterLen, \
					     pAssociatedData, ulAssociatedDataLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, aad, aad_len, in, in_len, out, out_len) */
#define WRAP_message(name, completes) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, \
			    CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pIn, CK_ULONG ulInLen, \
			    CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pAssociatedData, \
				     ulAssociatedDataLen, pIn, ulInLen, pOut, pulOutLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "aad_len", HKP11_ARG_ULONG, ulAssociatedDataLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulInLen); \
		CK_RV rv = \
			audit_below.name (hSession, pParameter, ulParameterLen, pAssociatedData, \
					  ulAssociatedDataLen, pIn, ulInLen, pOut, pulOutLen); \
		arg_out_len (&c, "out_len", pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, in, in_len, out, out_len, flags): a part;
 * the last part (CKF_END_OF_MESSAGE) completes a decryption. */
#define WRAP_message_next(name, completes) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pIn, CK_ULONG ulInLen, \
			    CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen, CK_FLAGS flags) \
	{ \
		call c; \
		int sec = (completes) && pOut != NULL && (flags & CKF_END_OF_MESSAGE) ? SEC_RECORD \
										      : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pIn, ulInLen, pOut, \
				     pulOutLen, flags)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulInLen); \
		arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags); \
		CK_RV rv = audit_below.name (hSession, pParameter, ulParameterLen, pIn, ulInLen, \
					     pOut, pulOutLen, flags); \
		arg_out_len (&c, "out_len", pulOutLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len) */
#define WRAP_param(name, unused) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
			    CK_ULONG ulParameterLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pParameter, ulParameterLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		CK_RV rv = audit_below.name (hSession, pParameter, ulParameterLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, data, data_len, sig, sig_len) */
#define WRAP_verify_message(name, unused) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
			    CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) \
	{ \
		call c; \
		if (!call_begin (&c, HKP11_FN_##name, SEC_NONE)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pData, ulDataLen, \
				     pSignature, ulSignatureLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulDataLen); \
		arg_num (&c, "signature_len", HKP11_ARG_ULONG, ulSignatureLen); \
		CK_RV rv = audit_below.name (hSession, pParameter, ulParameterLen, pData, \
					     ulDataLen, pSignature, ulSignatureLen); \
		call_end (&c, rv); \
		return rv; \
	}

/* (hSession, param, param_len, data, data_len, sig, sig_len_ptr): signing a
 * message; C_SignMessageNext signs when given somewhere to put it. */
#define WRAP_sign_message(name, unused) \
	CK_RV audit_##name (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, \
			    CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, \
			    CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) \
	{ \
		call c; \
		int sec = pSignature != NULL && pulSignatureLen != NULL ? SEC_RECORD : SEC_NONE; \
		if (!call_begin (&c, HKP11_FN_##name, sec)) \
			PASS (name, (hSession, pParameter, ulParameterLen, pData, ulDataLen, \
				     pSignature, pulSignatureLen)); \
		call_session (&c, hSession); \
		arg_num (&c, "parameter_len", HKP11_ARG_ULONG, ulParameterLen); \
		arg_num (&c, "data_len", HKP11_ARG_ULONG, ulDataLen); \
		CK_RV rv = audit_below.name (hSession, pParameter, ulParameterLen, pData, \
					     ulDataLen, pSignature, pulSignatureLen); \
		arg_out_len (&c, "signature_len", pulSignatureLen, rv); \
		call_end (&c, rv); \
		return rv; \
	}

/* Hand-written: nothing to make here. */
#define WRAP_own(name, unused)

#define UNPAREN(...) __VA_ARGS__
#define DEFINE(level, name, shape, args) DEFINE_WITH (WRAP_##shape, name, UNPAREN args)
#define DEFINE_WITH(wrap, name, ...) wrap (name, __VA_ARGS__)
HKP11_AUDIT_CALLS (DEFINE)
