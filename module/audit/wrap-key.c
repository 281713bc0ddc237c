/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wrappers by hand: keys.  Generating, wrapping, unwrapping and deriving a
 * key are security records naming the keys by class, label and id.
 */
#include "config.h"
#include "internal.h"

CK_RV
audit_C_DigestInit (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_DigestInit, SEC_NONE))
		PASS (C_DigestInit, (hSession, pMechanism));
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	CK_RV rv = audit_below.C_DigestInit (hSession, pMechanism);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_DigestKey (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_DigestKey, SEC_NONE))
		PASS (C_DigestKey, (hSession, hKey));
	call_session (&c, hSession);
	arg_num (&c, "key", HKP11_ARG_ULONG, hKey);
	CK_RV rv = audit_below.C_DigestKey (hSession, hKey);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_Verify (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
		CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_Verify, SEC_NONE))
		PASS (C_Verify, (hSession, pData, ulDataLen, pSignature, ulSignatureLen));
	call_session (&c, hSession);
	arg_num (&c, "data_len", HKP11_ARG_ULONG, ulDataLen);
	arg_num (&c, "signature_len", HKP11_ARG_ULONG, ulSignatureLen);
	CK_RV rv = audit_below.C_Verify (hSession, pData, ulDataLen, pSignature, ulSignatureLen);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GenerateKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	call c;
	object_info oi;
	call_begin (&c, HKP11_FN_C_GenerateKey, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	object_from_template (pTemplate, ulCount, &oi);
	arg_object (&c, &oi, &OBJECT);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_GenerateKey (hSession, pMechanism, pTemplate, ulCount, phKey);
	if (rv == CKR_OK && phKey != NULL)
		arg_num (&c, "new_key", HKP11_ARG_ULONG, *phKey);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GenerateKeyPair (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
			 CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
			 CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	call c;
	object_info pub, priv;
	call_begin (&c, HKP11_FN_C_GenerateKeyPair, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	/* The private key's label and id, else the public key's. */
	object_from_template (pPrivateKeyTemplate, ulPrivateKeyAttributeCount, &priv);
	object_from_template (pPublicKeyTemplate, ulPublicKeyAttributeCount, &pub);
	if (priv.label == NULL) {
		priv.label = pub.label;
		priv.label_len = pub.label_len;
	}
	if (priv.id == NULL) {
		priv.id = pub.id;
		priv.id_len = pub.id_len;
	}
	arg_object (&c, &priv, &OBJECT);
	arg_template (&c, "public_template", pPublicKeyTemplate, ulPublicKeyAttributeCount);
	arg_template (&c, "private_template", pPrivateKeyTemplate, ulPrivateKeyAttributeCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_GenerateKeyPair (
			hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
			pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
	if (rv == CKR_OK && phPublicKey != NULL && phPrivateKey != NULL) {
		arg_num (&c, "public_key", HKP11_ARG_ULONG, *phPublicKey);
		arg_num (&c, "private_key", HKP11_ARG_ULONG, *phPrivateKey);
	}
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_WrapKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		 CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey,
		 CK_ULONG_PTR pulWrappedKeyLen)
{
	call c;
	object_info key;
	/* Wrapping takes a key off the token: recorded like a use of it. */
	int sec = pWrappedKey != NULL ? SEC_GUARD : SEC_NONE;
	if (!call_begin (&c, HKP11_FN_C_WrapKey, sec))
		PASS (C_WrapKey,
		      (hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen));
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	arg_num (&c, "wrapping_key", HKP11_ARG_ULONG, hWrappingKey);
	arg_num (&c, "key", HKP11_ARG_ULONG, hKey);
	if (sec) {
		object_read (hSession, hKey, &key);
		arg_object (&c, &key, &KEY);
	}
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_WrapKey (hSession, pMechanism, hWrappingKey, hKey, pWrappedKey,
					    pulWrappedKeyLen);
	arg_out_len (&c, "wrapped_len", pulWrappedKeyLen, rv);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_UnwrapKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		   CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
		   CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
		   CK_OBJECT_HANDLE_PTR phKey)
{
	call c;
	object_info key, oi;
	call_begin (&c, HKP11_FN_C_UnwrapKey, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	arg_num (&c, "key", HKP11_ARG_ULONG, hUnwrappingKey);
	object_read (hSession, hUnwrappingKey, &key);
	arg_object (&c, &key, &KEY);
	arg_num (&c, "wrapped_len", HKP11_ARG_ULONG, ulWrappedKeyLen);
	object_from_template (pTemplate, ulAttributeCount, &oi);
	arg_object (&c, &oi, &NEW);
	arg_template (&c, "template", pTemplate, ulAttributeCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_UnwrapKey (hSession, pMechanism, hUnwrappingKey, pWrappedKey,
					      ulWrappedKeyLen, pTemplate, ulAttributeCount, phKey);
	if (rv == CKR_OK && phKey != NULL)
		arg_num (&c, "new_key", HKP11_ARG_ULONG, *phKey);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_DeriveKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		   CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
		   CK_OBJECT_HANDLE_PTR phKey)
{
	call c;
	object_info key, oi;
	call_begin (&c, HKP11_FN_C_DeriveKey, SEC_GUARD);
	call_session (&c, hSession);
	arg_mechanism (&c, pMechanism);
	arg_num (&c, "key", HKP11_ARG_ULONG, hBaseKey);
	object_read (hSession, hBaseKey, &key);
	arg_object (&c, &key, &KEY);
	object_from_template (pTemplate, ulAttributeCount, &oi);
	arg_object (&c, &oi, &NEW);
	arg_template (&c, "template", pTemplate, ulAttributeCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_DeriveKey (hSession, pMechanism, hBaseKey, pTemplate,
					      ulAttributeCount, phKey);
	if (rv == CKR_OK && phKey != NULL)
		arg_num (&c, "new_key", HKP11_ARG_ULONG, *phKey);
	call_end (&c, rv);
	return rv;
}
