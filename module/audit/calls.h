/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every function the audit layer wraps, once: at which level, and how its
 * record is made.  layer.c expands this table into the two wrap tables,
 * wrap-shapes.c into the wrappers of the shared shapes; a function of
 * shape `own` has a wrapper written by hand in a wrap-*.c file.  A function
 * of the API missing here does not compile (layer.c checks).
 *
 * X(level, name, shape, (shape arguments)) where level is
 *   security  wrapped at audit: security and audit: calls: the
 *             security-relevant calls, and those whose bookkeeping the
 *             records need (sessions);
 *   calls     wrapped at audit: calls only;
 *   none      never wrapped (the shim's own entry points);
 * and shape (wrap-shapes.c says what each records) is one of
 *   session (sec)                      (hSession)
 *   mech_key (sec)                     an Init with a mechanism and a key
 *   in_out (in_key, out_key, completes) (hSession, in, len, out, out_len)
 *   out (out_key, completes)           (hSession, out, out_len): a Final
 *   in (in_key)                        (hSession, in, len)
 *   message_begin ()                   a 3.0 message begins
 *   message (completes)                a whole 3.0 message
 *   message_next (completes)           a part of a 3.0 message
 *   param ()                           (hSession, param, param_len)
 *   verify_message ()                  a 3.0 signature to check
 *   sign_message ()                    a 3.0 message to sign
 *   own ()                             written by hand
 * sec is SEC_NONE, SEC_RECORD or SEC_GUARD (internal.h); completes says
 * that the call finishes a use of a private or secret key, which is then
 * a security record unless the call only asks for the output's length.
 */
#ifndef HKP11_AUDIT_CALLS_H
#define HKP11_AUDIT_CALLS_H

/* clang-format off */
#define HKP11_AUDIT_CALLS(X) \
	X (none, C_Initialize, own, ()) \
	X (none, C_Finalize, own, ()) \
	X (calls, C_GetInfo, own, ()) \
	X (none, C_GetFunctionList, own, ()) \
	X (calls, C_GetSlotList, own, ()) \
	X (calls, C_GetSlotInfo, own, ()) \
	X (calls, C_GetTokenInfo, own, ()) \
	X (calls, C_GetMechanismList, own, ()) \
	X (calls, C_GetMechanismInfo, own, ()) \
	X (security, C_InitToken, own, ()) \
	X (security, C_InitPIN, own, ()) \
	X (security, C_SetPIN, own, ()) \
	X (security, C_OpenSession, own, ()) \
	X (security, C_CloseSession, own, ()) \
	X (security, C_CloseAllSessions, own, ()) \
	X (calls, C_GetSessionInfo, own, ()) \
	X (calls, C_GetOperationState, out, ("state_len", false)) \
	X (calls, C_SetOperationState, own, ()) \
	X (security, C_Login, own, ()) \
	X (security, C_Logout, own, ()) \
	X (security, C_CreateObject, own, ()) \
	X (security, C_CopyObject, own, ()) \
	X (security, C_DestroyObject, own, ()) \
	X (calls, C_GetObjectSize, own, ()) \
	X (calls, C_GetAttributeValue, own, ()) \
	X (security, C_SetAttributeValue, own, ()) \
	X (calls, C_FindObjectsInit, own, ()) \
	X (calls, C_FindObjects, own, ()) \
	X (calls, C_FindObjectsFinal, session, (SEC_NONE)) \
	X (calls, C_EncryptInit, mech_key, (SEC_NONE)) \
	X (calls, C_Encrypt, in_out, ("data_len", "out_len", false)) \
	X (calls, C_EncryptUpdate, in_out, ("data_len", "out_len", false)) \
	X (calls, C_EncryptFinal, out, ("out_len", false)) \
	X (security, C_DecryptInit, mech_key, (SEC_GUARD)) \
	X (security, C_Decrypt, in_out, ("data_len", "out_len", true)) \
	X (calls, C_DecryptUpdate, in_out, ("data_len", "out_len", false)) \
	X (security, C_DecryptFinal, out, ("out_len", true)) \
	X (calls, C_DigestInit, own, ()) \
	X (calls, C_Digest, in_out, ("data_len", "digest_len", false)) \
	X (calls, C_DigestUpdate, in, ("data_len")) \
	X (calls, C_DigestKey, own, ()) \
	X (calls, C_DigestFinal, out, ("digest_len", false)) \
	X (security, C_SignInit, mech_key, (SEC_GUARD)) \
	X (security, C_Sign, in_out, ("data_len", "signature_len", true)) \
	X (calls, C_SignUpdate, in, ("data_len")) \
	X (security, C_SignFinal, out, ("signature_len", true)) \
	X (security, C_SignRecoverInit, mech_key, (SEC_GUARD)) \
	X (security, C_SignRecover, in_out, ("data_len", "signature_len", true)) \
	X (calls, C_VerifyInit, mech_key, (SEC_NONE)) \
	X (calls, C_Verify, own, ()) \
	X (calls, C_VerifyUpdate, in, ("data_len")) \
	X (calls, C_VerifyFinal, in, ("signature_len")) \
	X (calls, C_VerifyRecoverInit, mech_key, (SEC_NONE)) \
	X (calls, C_VerifyRecover, in_out, ("signature_len", "data_len", false)) \
	X (calls, C_DigestEncryptUpdate, in_out, ("data_len", "out_len", false)) \
	X (calls, C_DecryptDigestUpdate, in_out, ("data_len", "out_len", false)) \
	X (calls, C_SignEncryptUpdate, in_out, ("data_len", "out_len", false)) \
	X (calls, C_DecryptVerifyUpdate, in_out, ("data_len", "out_len", false)) \
	X (security, C_GenerateKey, own, ()) \
	X (security, C_GenerateKeyPair, own, ()) \
	X (security, C_WrapKey, own, ()) \
	X (security, C_UnwrapKey, own, ()) \
	X (security, C_DeriveKey, own, ()) \
	X (calls, C_SeedRandom, in, ("seed_len")) \
	X (calls, C_GenerateRandom, in, ("random_len")) \
	X (calls, C_GetFunctionStatus, session, (SEC_NONE)) \
	X (calls, C_CancelFunction, session, (SEC_NONE)) \
	X (calls, C_WaitForSlotEvent, own, ()) \
	X (none, C_GetInterfaceList, own, ()) \
	X (none, C_GetInterface, own, ()) \
	X (security, C_LoginUser, own, ()) \
	X (calls, C_SessionCancel, own, ()) \
	X (calls, C_MessageEncryptInit, mech_key, (SEC_NONE)) \
	X (calls, C_EncryptMessage, message, (false)) \
	X (calls, C_EncryptMessageBegin, message_begin, ()) \
	X (calls, C_EncryptMessageNext, message_next, (false)) \
	X (calls, C_MessageEncryptFinal, session, (SEC_NONE)) \
	X (security, C_MessageDecryptInit, mech_key, (SEC_GUARD)) \
	X (security, C_DecryptMessage, message, (true)) \
	X (calls, C_DecryptMessageBegin, message_begin, ()) \
	X (security, C_DecryptMessageNext, message_next, (true)) \
	X (calls, C_MessageDecryptFinal, session, (SEC_NONE)) \
	X (security, C_MessageSignInit, mech_key, (SEC_GUARD)) \
	X (security, C_SignMessage, sign_message, ()) \
	X (calls, C_SignMessageBegin, param, ()) \
	X (security, C_SignMessageNext, sign_message, ()) \
	X (calls, C_MessageSignFinal, session, (SEC_NONE)) \
	X (calls, C_MessageVerifyInit, mech_key, (SEC_NONE)) \
	X (calls, C_VerifyMessage, verify_message, ()) \
	X (calls, C_VerifyMessageBegin, param, ()) \
	X (calls, C_VerifyMessageNext, verify_message, ()) \
	X (calls, C_MessageVerifyFinal, session, (SEC_NONE))
/* clang-format on */

#endif
