/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypt and decrypt: AES-CBC with the NIST SP 800-38A vectors, AES-CBC-PAD
 * single and multi-part, AES-GCM (a NIST vector), RSA-OAEP and RSA PKCS#1
 * v1.5, and the errors of the operation.
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

/* NIST SP 800-38A F.2.5, CBC-AES256.Encrypt, the first two blocks. */
static const char nist_key[] = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
static const char nist_iv[] = "000102030405060708090a0b0c0d0e0f";
static const char nist_plain[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51";
static const char nist_cipher[] =
	"f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d";

static const char plaintext[] = "thirty-eight bytes of e-Cert plaintext";

CONF_TEST (test_encrypt_aes_cbc_known)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[32], iv[16], plain[32], expected[32], out[64], back[64], zeros[16];
	CK_OBJECT_HANDLE key;
	CK_ULONG len, back_len;

	conf_unhex (nist_key, key_value);
	conf_unhex (nist_iv, iv);
	conf_unhex (nist_plain, plain);
	conf_unhex (nist_cipher, expected);
	CK_MECHANISM cbc = { CKM_AES_CBC, iv, sizeof iv };
	CK_MECHANISM cbc_pad = { CKM_AES_CBC_PAD, iv, sizeof iv };
	key = conf_secret_key (s, CKK_AES, key_value, sizeof key_value, true, false);

	CALL (CKR_OK, C_EncryptInit, s, &cbc, key);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, plain, sizeof plain, out, &len);
	OUT ("cbc=%s", conf_hex (out, len));
	ck_assert_uint_eq (len, 32);
	ck_assert (memcmp (out, expected, 32) == 0);
	CALL (CKR_OK, C_DecryptInit, s, &cbc, key);
	back_len = sizeof back;
	CALL (CKR_OK, C_Decrypt, s, out, len, back, &back_len);
	ck_assert_uint_eq (back_len, 32);
	ck_assert (memcmp (back, plain, 32) == 0);

	/* With padding: the same blocks and one block of padding. */
	CALL (CKR_OK, C_EncryptInit, s, &cbc_pad, key);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, plain, sizeof plain, out, &len);
	OUT ("cbc-pad=%s", conf_hex (out, len));
	ck_assert_uint_eq (len, 48);
	ck_assert (memcmp (out, expected, 32) == 0);

	/* A block of zeros ends in a zero byte, which is no valid padding. */
	memset (zeros, 0, sizeof zeros);
	CALL (CKR_OK, C_EncryptInit, s, &cbc, key);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, zeros, sizeof zeros, out, &len);
	CALL (CKR_OK, C_DecryptInit, s, &cbc_pad, key);
	back_len = sizeof back;
	/* The spec says CKR_ENCRYPTED_DATA_INVALID; SoftHSM, CKR_GENERAL_ERROR. */
	CALL (CKR_GENERAL_ERROR, C_Decrypt, s, out, len, back, &back_len);
}

CONF_TEST (test_encrypt_aes_cbc_pad)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE key = conf_aes_key (s, 32, false);
	CK_BYTE iv[16], out[128], back[128];
	CK_ULONG n = sizeof plaintext - 1, len, total, back_len, needed;

	memset (iv, 0x42, sizeof iv);
	CK_MECHANISM mech = { CKM_AES_CBC_PAD, iv, sizeof iv };

	CALL (CKR_OK, C_EncryptInit, s, &mech, key);
	CALL (CKR_OK, C_Encrypt, s, (CK_BYTE_PTR)plaintext, n, NULL, &len);
	OUT ("size query=%lu", (unsigned long)len);
	needed = len;
	len = 16;
	CALL (CKR_BUFFER_TOO_SMALL, C_Encrypt, s, (CK_BYTE_PTR)plaintext, n, out, &len);
	OUT_EQ ("needed", len, needed);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, (CK_BYTE_PTR)plaintext, n, out, &len);
	OUT_EQ ("ciphertext length", len, 48);

	CALL (CKR_OK, C_DecryptInit, s, &mech, key);
	CALL (CKR_OK, C_Decrypt, s, out, len, NULL, &back_len);
	OUT ("decrypt size query=%lu", (unsigned long)back_len);
	back_len = sizeof back;
	CALL (CKR_OK, C_Decrypt, s, out, len, back, &back_len);
	OUT_EQ ("plaintext length", back_len, n);
	ck_assert (memcmp (back, plaintext, n) == 0);

	/* In parts: output comes a block at a time, the padding at the end. */
	CALL (CKR_OK, C_EncryptInit, s, &mech, key);
	total = 0;
	len = sizeof out;
	CALL (CKR_OK, C_EncryptUpdate, s, (CK_BYTE_PTR)plaintext, 10, out, &len);
	OUT ("update 10 -> %lu", (unsigned long)len);
	total += len;
	len = sizeof out - total;
	CALL (CKR_OK, C_EncryptUpdate, s, (CK_BYTE_PTR)plaintext + 10, 20, out + total, &len);
	OUT ("update 20 -> %lu", (unsigned long)len);
	total += len;
	len = sizeof out - total;
	CALL (CKR_OK, C_EncryptUpdate, s, (CK_BYTE_PTR)plaintext + 30, n - 30, out + total, &len);
	OUT ("update %lu -> %lu", (unsigned long)(n - 30), (unsigned long)len);
	total += len;
	len = sizeof out - total;
	CALL (CKR_OK, C_EncryptFinal, s, out + total, &len);
	OUT ("final -> %lu", (unsigned long)len);
	total += len;
	OUT_EQ ("total", total, 48);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_EncryptFinal, s, out, &len);

	CALL (CKR_OK, C_DecryptInit, s, &mech, key);
	back_len = 0;
	len = sizeof back;
	CALL (CKR_OK, C_DecryptUpdate, s, out, 20, back, &len);
	OUT ("decrypt update 20 -> %lu", (unsigned long)len);
	back_len += len;
	len = sizeof back - back_len;
	CALL (CKR_OK, C_DecryptUpdate, s, out + 20, total - 20, back + back_len, &len);
	OUT ("decrypt update %lu -> %lu", (unsigned long)(total - 20), (unsigned long)len);
	back_len += len;
	len = sizeof back - back_len;
	CALL (CKR_OK, C_DecryptFinal, s, back + back_len, &len);
	OUT ("decrypt final -> %lu", (unsigned long)len);
	back_len += len;
	OUT_EQ ("plaintext length", back_len, n);
	ck_assert (memcmp (back, plaintext, n) == 0);

	/* Ciphertext that is not whole blocks. */
	CALL (CKR_OK, C_DecryptInit, s, &mech, key);
	back_len = sizeof back;
	CALL (CKR_ENCRYPTED_DATA_LEN_RANGE, C_Decrypt, s, out, 47, back, &back_len);
}

/* NIST GCM test case 14: AES-256, zero key, zero IV, one zero block. */
static const char gcm_cipher[] = "cea7403d4d606b6e074ec5d3baf39d18";
static const char gcm_tag[] = "d0d1c8a799996bf0265b98b5d48ab919";

CONF_TEST (test_encrypt_aes_gcm)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[32], iv[12], plain[16], out[64], back[64], expected[32];
	CK_OBJECT_HANDLE key;
	CK_ULONG len, back_len;
	CK_GCM_PARAMS params;

	if (!conf_has_mechanism (CKM_AES_GCM)) {
		OUT ("AES-GCM not offered: skipped");
		return;
	}
	memset (key_value, 0, sizeof key_value);
	memset (iv, 0, sizeof iv);
	memset (plain, 0, sizeof plain);
	conf_unhex (gcm_cipher, expected);
	conf_unhex (gcm_tag, expected + 16);
	memset (&params, 0, sizeof params);
	params.pIv = iv;
	params.ulIvLen = sizeof iv;
	params.ulIvBits = sizeof iv * 8;
	params.ulTagBits = 128;
	CK_MECHANISM gcm = { CKM_AES_GCM, &params, sizeof params };
	key = conf_secret_key (s, CKK_AES, key_value, sizeof key_value, true, false);

	CALL (CKR_OK, C_EncryptInit, s, &gcm, key);
	CALL (CKR_OK, C_Encrypt, s, plain, sizeof plain, NULL, &len);
	OUT ("size query=%lu", (unsigned long)len);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, plain, sizeof plain, out, &len);
	/* Ciphertext, then the tag. */
	OUT ("gcm=%s", conf_hex (out, len));
	ck_assert_uint_eq (len, 32);
	ck_assert (memcmp (out, expected, 32) == 0);

	CALL (CKR_OK, C_DecryptInit, s, &gcm, key);
	back_len = sizeof back;
	CALL (CKR_OK, C_Decrypt, s, out, len, back, &back_len);
	OUT_EQ ("plaintext length", back_len, 16);
	ck_assert (memcmp (back, plain, 16) == 0);

	/* A changed tag fails authentication (SoftHSM: CKR_GENERAL_ERROR). */
	out[31] ^= 0x01;
	CALL (CKR_OK, C_DecryptInit, s, &gcm, key);
	back_len = sizeof back;
	CALL (CKR_GENERAL_ERROR, C_Decrypt, s, out, len, back, &back_len);

	/* Additional data changes the tag, not the ciphertext. */
	params.pAAD = (CK_BYTE_PTR) "header";
	params.ulAADLen = 6;
	out[31] ^= 0x01;
	CALL (CKR_OK, C_EncryptInit, s, &gcm, key);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, plain, sizeof plain, back, &len);
	ck_assert_uint_eq (len, 32);
	ck_assert (memcmp (back, out, 16) == 0);
	ck_assert (memcmp (back + 16, out + 16, 16) != 0);
	OUT ("gcm with aad=%s", conf_hex (back, len));
}

CONF_TEST (test_encrypt_rsa)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE pub, priv;
	CK_RSA_PKCS_OAEP_PARAMS sha1 = { CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_RSA_PKCS_OAEP_PARAMS sha256 = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL,
					   0 };
	CK_MECHANISM oaep = { CKM_RSA_PKCS_OAEP, &sha1, sizeof sha1 };
	CK_MECHANISM oaep256 = { CKM_RSA_PKCS_OAEP, &sha256, sizeof sha256 };
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE out[512], back[512], big[256];
	CK_ULONG len, back_len;
	CK_RV rv;

	conf_rsa_pair (s, &pub, &priv);

	CALL (CKR_OK, C_EncryptInit, s, &oaep, pub);
	CALL (CKR_OK, C_Encrypt, s, (CK_BYTE_PTR)plaintext, 32, NULL, &len);
	OUT_EQ ("size query", len, 256);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, (CK_BYTE_PTR)plaintext, 32, out, &len);
	OUT_EQ ("ciphertext length", len, 256);
	CALL (CKR_OK, C_DecryptInit, s, &oaep, priv);
	CALL (CKR_OK, C_Decrypt, s, out, len, NULL, &back_len);
	OUT ("decrypt size query=%lu", (unsigned long)back_len);
	back_len = sizeof back;
	CALL (CKR_OK, C_Decrypt, s, out, len, back, &back_len);
	OUT_EQ ("plaintext length", back_len, 32);
	ck_assert (memcmp (back, plaintext, 32) == 0);

	out[100] ^= 0x01;
	CALL (CKR_OK, C_DecryptInit, s, &oaep, priv);
	back_len = sizeof back;
	rv = RV (C_Decrypt, s, out, len, back, &back_len);
	ck_assert_msg (rv != CKR_OK, "a changed OAEP ciphertext decrypted");

	/* OAEP with SHA-1 carries at most 256 - 2 * 20 - 2 bytes; SoftHSM
	 * answers more with CKR_GENERAL_ERROR. */
	memset (big, 0x33, sizeof big);
	CALL (CKR_OK, C_EncryptInit, s, &oaep, pub);
	len = sizeof out;
	CALL (CKR_GENERAL_ERROR, C_Encrypt, s, big, 215, out, &len);

	/* SHA-256 OAEP, where the backend offers it. */
	rv = RV (C_EncryptInit, s, &oaep256, pub);
	if (rv == CKR_OK) {
		len = sizeof out;
		CALL (CKR_OK, C_Encrypt, s, (CK_BYTE_PTR)plaintext, 32, out, &len);
		CALL (CKR_OK, C_DecryptInit, s, &oaep256, priv);
		back_len = sizeof back;
		CALL (CKR_OK, C_Decrypt, s, out, len, back, &back_len);
		ck_assert (back_len == 32 && memcmp (back, plaintext, 32) == 0);
	}

	/* PKCS#1 v1.5 encryption. */
	CALL (CKR_OK, C_EncryptInit, s, &pkcs, pub);
	len = sizeof out;
	CALL (CKR_OK, C_Encrypt, s, (CK_BYTE_PTR)plaintext, 16, out, &len);
	OUT_EQ ("v1.5 ciphertext length", len, 256);
	CALL (CKR_OK, C_DecryptInit, s, &pkcs, priv);
	back_len = sizeof back;
	CALL (CKR_OK, C_Decrypt, s, out, len, back, &back_len);
	OUT_EQ ("v1.5 plaintext length", back_len, 16);
	ck_assert (memcmp (back, plaintext, 16) == 0);
	CALL (CKR_KEY_FUNCTION_NOT_PERMITTED, C_EncryptInit, s, &pkcs, priv);
}

CONF_TEST (test_encrypt_errors)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[16], iv[16], out[64];
	CK_OBJECT_HANDLE key, no_encrypt;
	CK_ULONG len = sizeof out;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE forbid = { CKA_ENCRYPT, &no, sizeof no };

	memset (key_value, 0x11, sizeof key_value);
	memset (iv, 0, sizeof iv);
	CK_MECHANISM cbc = { CKM_AES_CBC, iv, sizeof iv };
	CK_MECHANISM short_iv = { CKM_AES_CBC, iv, 8 };
	key = conf_secret_key (s, CKK_AES, key_value, sizeof key_value, true, false);

	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Encrypt, s, key_value, 16, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_EncryptUpdate, s, key_value, 16, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_EncryptFinal, s, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Decrypt, s, key_value, 16, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_DecryptUpdate, s, key_value, 16, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_DecryptFinal, s, out, &len);

	CALL (CKR_OK, C_CopyObject, s, key, &forbid, 1, &no_encrypt);
	CALL (CKR_KEY_FUNCTION_NOT_PERMITTED, C_EncryptInit, s, &cbc, no_encrypt);
	/* SoftHSM calls a short IV an invalid mechanism. */
	CALL (CKR_MECHANISM_INVALID, C_EncryptInit, s, &short_iv, key);

	CALL (CKR_OK, C_EncryptInit, s, &cbc, key);
	CALL (CKR_OPERATION_ACTIVE, C_EncryptInit, s, &cbc, key);
	/* Unpadded CBC takes whole blocks only. */
	CALL (CKR_DATA_LEN_RANGE, C_Encrypt, s, key_value, 15, out, &len);
	CALL (CKR_OK, C_EncryptInit, s, &cbc, key);
	CALL (CKR_ARGUMENTS_BAD, C_Encrypt, s, key_value, 16, out, NULL);
	CALL (CKR_ARGUMENTS_BAD, C_EncryptInit, s, NULL, key);
	CALL (CKR_ARGUMENTS_BAD, C_DecryptInit, s, NULL, key);
	CALL (CKR_SESSION_HANDLE_INVALID, C_EncryptInit, CONF_BAD_HANDLE, &cbc, key);
}

TCase *
conf_tcase_encrypt (void)
{
	TCase *tc = conf_tcase_new ("encrypt");
	tcase_add_test (tc, test_encrypt_aes_cbc_known);
	tcase_add_test (tc, test_encrypt_aes_cbc_pad);
	tcase_add_test (tc, test_encrypt_aes_gcm);
	tcase_add_test (tc, test_encrypt_rsa);
	tcase_add_test (tc, test_encrypt_errors);
	return tc;
}
