/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SafeNet eToken vendor extensions to PKCS#11, the few hkpost-p11 reads.
 *
 * SafeNet Authentication Client describes token properties as hardware
 * feature objects (CKO_HW_FEATURE) with vendor attribute types.  The values
 * are those of SafeNet's eTPkcs11.h (doc/domain.md says what they are for).
 * The lockout and policy layers read them from a real token; the test mock
 * serves them.
 */
#ifndef HKP11_ETOKEN_H
#define HKP11_ETOKEN_H

/* CKA_HW_FEATURE_TYPE values of the two feature objects. */
#define ETCKH_TOKEN_OBJECT 0x80005002UL /* token properties, retry counters */
#define ETCKH_PIN_POLICY 0x80005003UL   /* the token's own password policy */

/* On the ETCKH_TOKEN_OBJECT object; each a CK_ULONG. */
#define ETCKA_RETRY_USER 0x80001110UL     /* user PIN tries left */
#define ETCKA_RETRY_SO 0x80001111UL       /* SO PIN tries left */
#define ETCKA_RETRY_USER_MAX 0x80001112UL /* user PIN tries when reset */
#define ETCKA_RETRY_SO_MAX 0x80001113UL   /* SO PIN tries when reset */
#define ETCKA_USER_PIN_AGE 0x8000112bUL

/* On the ETCKH_PIN_POLICY object. */
#define ETCKA_PIN_POLICY_TYPE 0x80001201UL  /* CK_ULONG: ETCKPT_GENERAL_PIN_POLICY */
#define ETCKA_PIN_MIN_LEN 0x80001202UL      /* CK_ULONG */
#define ETCKA_PIN_MIX_CHARS 0x80001203UL    /* CK_BBOOL */
#define ETCKA_PIN_MAX_AGE 0x80001204UL      /* CK_ULONG, days; 0 none */
#define ETCKA_PIN_HISTORY_SIZE 0x80001207UL /* CK_ULONG */
#define ETCKA_PIN_MAX_REPEATED 0x80001209UL /* CK_ULONG; 0 no limit */
#define ETCKA_PIN_NUMBERS 0x8000120aUL      /* CK_ULONG: ETCK_PIN_DONTCARE... */
#define ETCKA_PIN_UPPER_CASE 0x8000120bUL   /* CK_ULONG */
#define ETCKA_PIN_LOWER_CASE 0x8000120cUL   /* CK_ULONG */
#define ETCKA_PIN_SPECIAL 0x8000120dUL      /* CK_ULONG */
#define ETCKA_PIN_MAX_LEN 0x8000120fUL      /* CK_ULONG */

#define ETCKPT_GENERAL_PIN_POLICY 0x00000001UL

/* Values of ETCKA_PIN_NUMBERS, _UPPER_CASE, _LOWER_CASE and _SPECIAL. */
#define ETCK_PIN_DONTCARE 0UL
#define ETCK_PIN_FORBIDDEN 1UL
#define ETCK_PIN_ENFORCE 2UL

/* On RSA keys: the CAPI key container name SAC generates (UTF-8). */
#define ETCKA_CAPI_KEY_CONTAINER 0x80001301UL

/* How the SafeNet library and its tokens name themselves. */
#define ETOKEN_LIBRARY_DESCRIPTION "SafeNet eToken PKCS#11"
#define ETOKEN_MANUFACTURER "SafeNet, Inc."
#define ETOKEN_MODEL "eToken"
#define ETOKEN_DEFAULT_LABEL "eToken"

/* Wrong user PINs a Hongkong Post eToken accepts before it locks. */
#define ETOKEN_USER_RETRY_MAX 15

#endif /* HKP11_ETOKEN_H */
