/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sign and verify: RSA PKCS#1 v1.5 with SHA-256 (single and multi-part, and
 * raw over a DigestInfo), RSA-PSS, ECDSA over P-256, HMAC-SHA256 with the
 * RFC 4231 vectors, and the errors of the sign operation.
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

static const char message[] = "Hongkong Post e-Cert conformance message, signed in parts";

/* Signs message with mech in one call, with a size query and a short buffer first. */
static CK_ULONG
sign_once (CK_SESSION_HANDLE s, CK_MECHANISM *mech, CK_OBJECT_HANDLE key, const void *data,
	   CK_ULONG data_len, CK_BYTE *sig, CK_ULONG sig_max)
{
	CK_ULONG len = 0, needed;
	CALL (CKR_OK, C_SignInit, s, mech, key);
	CALL (CKR_OK, C_Sign, s, (CK_BYTE_PTR)data, data_len, NULL, &len);
	OUT ("size query=%lu", (unsigned long)len);
	needed = len;
	len = 1;
	CALL (CKR_BUFFER_TOO_SMALL, C_Sign, s, (CK_BYTE_PTR)data, data_len, sig, &len);
	OUT_EQ ("needed", len, needed);
	len = sig_max;
	CALL (CKR_OK, C_Sign, s, (CK_BYTE_PTR)data, data_len, sig, &len);
	OUT ("signature length=%lu", (unsigned long)len);
	/* The operation ends with the signature. */
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Sign, s, (CK_BYTE_PTR)data, data_len, sig, &len);
	return len;
}

/* Signs message in three parts. */
static CK_ULONG
sign_parts (CK_SESSION_HANDLE s, CK_MECHANISM *mech, CK_OBJECT_HANDLE key, CK_BYTE *sig,
	    CK_ULONG sig_max)
{
	CK_ULONG len = 0, n = sizeof message - 1;
	CALL (CKR_OK, C_SignInit, s, mech, key);
	CALL (CKR_OK, C_SignUpdate, s, (CK_BYTE_PTR)message, 10);
	CALL (CKR_OK, C_SignUpdate, s, (CK_BYTE_PTR)message + 10, 0);
	CALL (CKR_OK, C_SignUpdate, s, (CK_BYTE_PTR)message + 10, n - 10);
	CALL (CKR_OK, C_SignFinal, s, NULL, &len);
	OUT ("final size query=%lu", (unsigned long)len);
	len = 1;
	CALL (CKR_BUFFER_TOO_SMALL, C_SignFinal, s, sig, &len);
	OUT ("final needed=%lu", (unsigned long)len);
	len = sig_max;
	CALL (CKR_OK, C_SignFinal, s, sig, &len);
	OUT ("final signature length=%lu", (unsigned long)len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_SignFinal, s, sig, &len);
	return len;
}

/* Verifies in one call and in parts; a flipped bit must fail both. */
static void
verify_both_ways (CK_SESSION_HANDLE s, CK_MECHANISM *mech, CK_OBJECT_HANDLE key, const void *data,
		  CK_ULONG data_len, CK_BYTE *sig, CK_ULONG sig_len, bool parts)
{
	CALL (CKR_OK, C_VerifyInit, s, mech, key);
	CALL (CKR_OK, C_Verify, s, (CK_BYTE_PTR)data, data_len, sig, sig_len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Verify, s, (CK_BYTE_PTR)data, data_len, sig,
	      sig_len);
	sig[sig_len / 2] ^= 0x01;
	CALL (CKR_OK, C_VerifyInit, s, mech, key);
	CALL (CKR_SIGNATURE_INVALID, C_Verify, s, (CK_BYTE_PTR)data, data_len, sig, sig_len);
	sig[sig_len / 2] ^= 0x01;
	CALL (CKR_OK, C_VerifyInit, s, mech, key);
	CALL (CKR_SIGNATURE_LEN_RANGE, C_Verify, s, (CK_BYTE_PTR)data, data_len, sig, sig_len - 1);
	if (!parts)
		return;
	CALL (CKR_OK, C_VerifyInit, s, mech, key);
	CALL (CKR_OK, C_VerifyUpdate, s, (CK_BYTE_PTR)data, 7);
	CALL (CKR_OK, C_VerifyUpdate, s, (CK_BYTE_PTR)data + 7, data_len - 7);
	CALL (CKR_OK, C_VerifyFinal, s, sig, sig_len);
	sig[0] ^= 0x80;
	CALL (CKR_OK, C_VerifyInit, s, mech, key);
	CALL (CKR_OK, C_VerifyUpdate, s, (CK_BYTE_PTR)data, data_len);
	CALL (CKR_SIGNATURE_INVALID, C_VerifyFinal, s, sig, sig_len);
	sig[0] ^= 0x80;
}

CONF_TEST (test_sign_rsa_pkcs)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM sha256_rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[512], sig_parts[512], sig_raw[512], info[19 + 32];
	CK_ULONG len, len_parts, len_raw, info_len;
	static const char digest_info_sha256[] = "3031300d060960864801650304020105000420";

	conf_rsa_pair (s, &pub, &priv);
	len = sign_once (s, &sha256_rsa, priv, message, sizeof message - 1, sig, sizeof sig);
	ck_assert_uint_eq (len, 256);
	verify_both_ways (s, &sha256_rsa, pub, message, sizeof message - 1, sig, len, true);

	/* PKCS#1 v1.5 is deterministic: the parts give the same signature. */
	len_parts = sign_parts (s, &sha256_rsa, priv, sig_parts, sizeof sig_parts);
	ck_assert_uint_eq (len_parts, len);
	ck_assert (memcmp (sig, sig_parts, len) == 0);

	/* And so does raw CKM_RSA_PKCS over the DigestInfo. */
	info_len = conf_unhex (digest_info_sha256, info);
	conf_sha256 (s, message, sizeof message - 1, info + info_len);
	info_len += 32;
	len_raw = sign_once (s, &rsa, priv, info, info_len, sig_raw, sizeof sig_raw);
	ck_assert_uint_eq (len_raw, len);
	ck_assert (memcmp (sig, sig_raw, len) == 0);
	verify_both_ways (s, &rsa, pub, info, info_len, sig_raw, len_raw, false);
	/* Raw RSA cannot be fed in parts: SoftHSM ends the operation. */
	CALL (CKR_OK, C_SignInit, s, &rsa, priv);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_SignUpdate, s, info, info_len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_SignFinal, s, sig, &len);
}

CONF_TEST (test_sign_rsa_pss)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE pub, priv;
	CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_RSA_PKCS_PSS_PARAMS mismatched = { CKM_SHA256, CKG_MGF1_SHA1, 32 };
	CK_MECHANISM sha256_pss = { CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params };
	CK_MECHANISM pss = { CKM_RSA_PKCS_PSS, &params, sizeof params };
	CK_MECHANISM no_params = { CKM_SHA256_RSA_PKCS_PSS, NULL, 0 };
	CK_MECHANISM bad_params = { CKM_RSA_PKCS_PSS, &mismatched, sizeof mismatched };
	CK_BYTE sig[512], sig2[512], digest[32];
	CK_ULONG len, len2 = sizeof sig2;

	conf_rsa_pair (s, &pub, &priv);
	len = sign_once (s, &sha256_pss, priv, message, sizeof message - 1, sig, sizeof sig);
	ck_assert_uint_eq (len, 256);
	verify_both_ways (s, &sha256_pss, pub, message, sizeof message - 1, sig, len, true);

	/* PSS is randomised: a second signature differs, and verifies. */
	CALL (CKR_OK, C_SignInit, s, &sha256_pss, priv);
	CALL (CKR_OK, C_Sign, s, (CK_BYTE_PTR)message, sizeof message - 1, sig2, &len2);
	ck_assert_uint_eq (len2, len);
	ck_assert (memcmp (sig, sig2, len) != 0);
	len = sign_parts (s, &sha256_pss, priv, sig2, sizeof sig2);
	verify_both_ways (s, &sha256_pss, pub, message, sizeof message - 1, sig2, len, true);

	/* Raw PSS over a digest of the right length. */
	conf_sha256 (s, message, sizeof message - 1, digest);
	len = sign_once (s, &pss, priv, digest, sizeof digest, sig, sizeof sig);
	verify_both_ways (s, &pss, pub, digest, sizeof digest, sig, len, false);
	CALL (CKR_OK, C_SignInit, s, &pss, priv);
	len = sizeof sig;
	/* SoftHSM answers a digest of the wrong length with CKR_GENERAL_ERROR. */
	CALL (CKR_GENERAL_ERROR, C_Sign, s, digest, sizeof digest - 1, sig, &len);

	CALL (CKR_ARGUMENTS_BAD, C_SignInit, s, &no_params, priv);
	CALL (CKR_ARGUMENTS_BAD, C_SignInit, s, &bad_params, priv);
}

CONF_TEST (test_sign_ecdsa)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE digest[32], sig[128], sig2[128];
	CK_ULONG len, len2 = sizeof sig2;

	conf_ec_pair (s, &pub, &priv);
	conf_sha256 (s, message, sizeof message - 1, digest);
	len = sign_once (s, &ecdsa, priv, digest, sizeof digest, sig, sizeof sig);
	/* r and s, 32 bytes each. */
	ck_assert_uint_eq (len, 64);
	verify_both_ways (s, &ecdsa, pub, digest, sizeof digest, sig, len, false);

	/* ECDSA is randomised too. */
	CALL (CKR_OK, C_SignInit, s, &ecdsa, priv);
	CALL (CKR_OK, C_Sign, s, digest, sizeof digest, sig2, &len2);
	ck_assert (memcmp (sig, sig2, len) != 0);

	/* Raw ECDSA takes no parts; an EC key does no RSA. */
	CALL (CKR_OK, C_SignInit, s, &ecdsa, priv);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_SignUpdate, s, digest, sizeof digest);
	/* SoftHSM lets an EC key start an RSA operation, then fails it. */
	CALL (CKR_OK, C_SignInit, s, &rsa, priv);
	CALL (CKR_GENERAL_ERROR, C_Sign, s, digest, sizeof digest, sig2, &len2);
	CALL (CKR_OK, C_VerifyInit, s, &rsa, pub);
	CALL (CKR_SIGNATURE_LEN_RANGE, C_Verify, s, digest, sizeof digest, sig, len);
}

/* RFC 4231 test case 6: a 131-byte key. */
#define RFC4231_KEY6_LEN 131
static const char rfc4231_data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
static const char rfc4231_mac6[] =
	"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";

CONF_TEST (test_sign_hmac)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[RFC4231_KEY6_LEN], mac[64], expected[32];
	CK_OBJECT_HANDLE key, jefe;
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_ULONG len, n = sizeof rfc4231_data6 - 1;

	memset (key_value, 0xaa, sizeof key_value);
	conf_unhex (rfc4231_mac6, expected);
	key = conf_secret_key (s, CKK_GENERIC_SECRET, key_value, sizeof key_value, true, false);

	len = sign_once (s, &hmac, key, rfc4231_data6, n, mac, sizeof mac);
	ck_assert_uint_eq (len, 32);
	/* A known answer, the same through any module. */
	OUT ("mac=%s", conf_hex (mac, len));
	ck_assert (memcmp (mac, expected, 32) == 0);

	CALL (CKR_OK, C_SignInit, s, &hmac, key);
	CALL (CKR_OK, C_SignUpdate, s, (CK_BYTE_PTR)rfc4231_data6, 20);
	CALL (CKR_OK, C_SignUpdate, s, (CK_BYTE_PTR)rfc4231_data6 + 20, n - 20);
	len = sizeof mac;
	CALL (CKR_OK, C_SignFinal, s, mac, &len);
	OUT ("mac in parts=%s", conf_hex (mac, len));
	ck_assert (memcmp (mac, expected, 32) == 0);

	verify_both_ways (s, &hmac, key, rfc4231_data6, n, mac, len, true);

	/* RFC 4231 case 2's four-byte key "Jefe" is below SoftHSM's minimum. */
	jefe = conf_secret_key (s, CKK_GENERIC_SECRET, (const unsigned char *)"Jefe", 4, false,
				true);
	CALL (CKR_KEY_SIZE_RANGE, C_SignInit, s, &hmac, jefe);
}

CONF_TEST (test_sign_errors)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[32], sig[64];
	CK_OBJECT_HANDLE key, data;
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_MECHANISM rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM unknown = { CKM_VENDOR_DEFINED | 0x4242, NULL, 0 };
	CK_MECHANISM digest_only = { CKM_SHA256, NULL, 0 };
	CK_ULONG len = sizeof sig;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE no_sign = { CKA_SIGN, &no, sizeof no };
	CK_OBJECT_HANDLE cannot_sign;

	memset (key_value, 0x5c, sizeof key_value);
	key = conf_secret_key (s, CKK_GENERIC_SECRET, key_value, sizeof key_value, true, false);
	data = conf_data_object (s, "not a key", false, false);

	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Sign, s, key_value, 4, sig, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_SignUpdate, s, key_value, 4);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_SignFinal, s, sig, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Verify, s, key_value, 4, sig, 32);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_VerifyFinal, s, sig, 32);
	CALL (CKR_MECHANISM_INVALID, C_SignInit, s, &unknown, key);
	CALL (CKR_MECHANISM_INVALID, C_SignInit, s, &digest_only, key);
	/* SoftHSM takes an RSA mechanism with a secret key, then fails the signature. */
	CALL (CKR_OK, C_SignInit, s, &rsa, key);
	CALL (CKR_GENERAL_ERROR, C_Sign, s, key_value, 4, sig, &len);
	len = sizeof sig;
	/* SoftHSM: an unknown handle is an invalid object, a data object no signing key. */
	CALL (CKR_OBJECT_HANDLE_INVALID, C_SignInit, s, &hmac, CONF_BAD_HANDLE);
	CALL (CKR_KEY_FUNCTION_NOT_PERMITTED, C_SignInit, s, &hmac, data);

	CALL (CKR_OK, C_CopyObject, s, key, &no_sign, 1, &cannot_sign);
	CALL (CKR_KEY_FUNCTION_NOT_PERMITTED, C_SignInit, s, &hmac, cannot_sign);

	CALL (CKR_OK, C_SignInit, s, &hmac, key);
	CALL (CKR_OPERATION_ACTIVE, C_SignInit, s, &hmac, key);
	CALL (CKR_ARGUMENTS_BAD, C_Sign, s, key_value, 4, sig, NULL);
	/* SoftHSM checks arguments before the operation, which stays active. */
	CALL (CKR_OK, C_SignFinal, s, sig, &len);
	OUT ("mac length=%lu", (unsigned long)len);
	CALL (CKR_ARGUMENTS_BAD, C_SignInit, s, NULL, key);
	CALL (CKR_ARGUMENTS_BAD, C_VerifyInit, s, NULL, key);
	CALL (CKR_OK, C_VerifyInit, s, &hmac, key);
	CALL (CKR_ARGUMENTS_BAD, C_Verify, s, key_value, 4, NULL, 32);
	CALL (CKR_SESSION_HANDLE_INVALID, C_SignInit, CONF_BAD_HANDLE, &hmac, key);
}

TCase *
conf_tcase_sign (void)
{
	TCase *tc = conf_tcase_new ("sign");
	tcase_add_test (tc, test_sign_rsa_pkcs);
	tcase_add_test (tc, test_sign_rsa_pss);
	tcase_add_test (tc, test_sign_ecdsa);
	tcase_add_test (tc, test_sign_hmac);
	tcase_add_test (tc, test_sign_errors);
	return tc;
}
