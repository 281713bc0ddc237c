/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digest (known answers for "abc", single and multi-part, C_DigestKey),
 * random numbers, and the operation-state functions.
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

static const struct {
	CK_MECHANISM_TYPE mech;
	const char *abc; /* digest of "abc" (FIPS 180-4 examples, RFC 1321) */
} digests[] = {
	{ CKM_MD5, "900150983cd24fb0d6963f7d28e17f72" },
	{ CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7" },
	{ CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ CKM_SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
		      "8086072ba1e7cc2358baeca134c825a7" },
	{ CKM_SHA512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
};

static const char sha256_empty[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

CONF_TEST (test_digest)
{
	CK_SESSION_HANDLE s = conf_session (false, false);
	CK_BYTE out[64], expected[64];
	CK_ULONG len, expected_len;

	for (size_t i = 0; i < N_ELEMENTS (digests); i++) {
		CK_MECHANISM mech = { digests[i].mech, NULL, 0 };
		expected_len = conf_unhex (digests[i].abc, expected);

		CALL (CKR_OK, C_DigestInit, s, &mech);
		CALL (CKR_OK, C_Digest, s, (CK_BYTE_PTR) "abc", 3, NULL, &len);
		OUT_EQ ("size query", len, expected_len);
		len = sizeof out;
		CALL (CKR_OK, C_Digest, s, (CK_BYTE_PTR) "abc", 3, out, &len);
		OUT ("0x%lx abc=%s", (unsigned long)digests[i].mech, conf_hex (out, len));
		ck_assert (len == expected_len && memcmp (out, expected, len) == 0);

		/* In parts, with an empty part among them. */
		CALL (CKR_OK, C_DigestInit, s, &mech);
		CALL (CKR_OK, C_DigestUpdate, s, (CK_BYTE_PTR) "a", 1);
		CALL (CKR_OK, C_DigestUpdate, s, (CK_BYTE_PTR) "", 0);
		CALL (CKR_OK, C_DigestUpdate, s, (CK_BYTE_PTR) "bc", 2);
		len = sizeof out;
		CALL (CKR_OK, C_DigestFinal, s, out, &len);
		ck_assert (len == expected_len && memcmp (out, expected, len) == 0);
	}

	/* The empty message. */
	CK_MECHANISM sha256 = { CKM_SHA256, NULL, 0 };
	conf_unhex (sha256_empty, expected);
	CALL (CKR_OK, C_DigestInit, s, &sha256);
	len = sizeof out;
	CALL (CKR_OK, C_Digest, s, (CK_BYTE_PTR) "", 0, out, &len);
	OUT ("empty=%s", conf_hex (out, len));
	ck_assert (len == 32 && memcmp (out, expected, 32) == 0);

	/* A short buffer keeps the operation; the next call may finish it. */
	CALL (CKR_OK, C_DigestInit, s, &sha256);
	len = 31;
	CALL (CKR_BUFFER_TOO_SMALL, C_Digest, s, (CK_BYTE_PTR) "abc", 3, out, &len);
	OUT_EQ ("needed", len, 32);
	CALL (CKR_OK, C_Digest, s, (CK_BYTE_PTR) "abc", 3, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Digest, s, (CK_BYTE_PTR) "abc", 3, out, &len);

	CALL (CKR_OK, C_DigestInit, s, &sha256);
	CALL (CKR_OPERATION_ACTIVE, C_DigestInit, s, &sha256);
	CALL (CKR_OK, C_DigestUpdate, s, (CK_BYTE_PTR) "abc", 3);
	len = 1;
	CALL (CKR_BUFFER_TOO_SMALL, C_DigestFinal, s, out, &len);
	OUT_EQ ("final needed", len, 32);
	CALL (CKR_OK, C_DigestFinal, s, NULL, &len);
	OUT_EQ ("final size query", len, 32);
	CALL (CKR_OK, C_DigestFinal, s, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_DigestFinal, s, out, &len);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_DigestUpdate, s, (CK_BYTE_PTR) "abc", 3);

	CK_MECHANISM not_a_digest = { CKM_AES_CBC, NULL, 0 };
	CALL (CKR_MECHANISM_INVALID, C_DigestInit, s, &not_a_digest);
	CALL (CKR_ARGUMENTS_BAD, C_DigestInit, s, NULL);
	CALL (CKR_SESSION_HANDLE_INVALID, C_DigestInit, CONF_BAD_HANDLE, &sha256);
}

CONF_TEST (test_digest_key)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[32], joined[40], out[32], expected[32];
	CK_OBJECT_HANDLE key, pub, priv;
	CK_MECHANISM sha256 = { CKM_SHA256, NULL, 0 };
	CK_ULONG len = sizeof out;

	for (size_t i = 0; i < sizeof key_value; i++)
		key_value[i] = (CK_BYTE)(i * 7 + 1);
	key = conf_secret_key (s, CKK_GENERIC_SECRET, key_value, sizeof key_value, false, true);

	/* SHA-256 of "prefix=" followed by the key's value. */
	memcpy (joined, "prefix=", 7);
	memcpy (joined + 7, key_value, sizeof key_value);
	conf_sha256 (s, joined, 7 + sizeof key_value, expected);

	CALL (CKR_OK, C_DigestInit, s, &sha256);
	CALL (CKR_OK, C_DigestUpdate, s, (CK_BYTE_PTR) "prefix=", 7);
	CALL (CKR_OK, C_DigestKey, s, key);
	CALL (CKR_OK, C_DigestFinal, s, out, &len);
	OUT_EQ ("digest length", len, 32);
	ck_assert (memcmp (out, expected, 32) == 0);

	CALL (CKR_OPERATION_NOT_INITIALIZED, C_DigestKey, s, key);
	CALL (CKR_OK, C_DigestInit, s, &sha256);
	/* An unknown handle leaves the operation active. */
	CALL (CKR_KEY_HANDLE_INVALID, C_DigestKey, s, CONF_BAD_HANDLE);

	/* The spec has C_DigestKey for secret keys (else CKR_KEY_INDIGESTIBLE);
	 * SoftHSM 2.6 digests a sensitive private key too.  The shim answers
	 * as its backend does. */
	conf_ec_pair (s, &pub, &priv);
	CALL (CKR_OK, C_DigestKey, s, priv);
	len = sizeof out;
	CALL (CKR_OK, C_DigestFinal, s, out, &len);
	OUT_EQ ("digest length", len, 32);
}

CONF_TEST (test_random)
{
	CK_SESSION_HANDLE s = conf_session (false, false);
	CK_BYTE a[32], b[32], big[4096], seed[16];

	memset (a, 0, sizeof a);
	memset (b, 0, sizeof b);
	CALL (CKR_OK, C_GenerateRandom, s, a, sizeof a);
	CALL (CKR_OK, C_GenerateRandom, s, b, sizeof b);
	/* Never recorded: only that two draws differ. */
	ck_assert (memcmp (a, b, sizeof a) != 0);
	CALL (CKR_OK, C_GenerateRandom, s, big, sizeof big);
	CALL (CKR_OK, C_GenerateRandom, s, a, 0);

	memset (seed, 0x5a, sizeof seed);
	CALL (CKR_OK, C_SeedRandom, s, seed, sizeof seed);
	CALL (CKR_OK, C_GenerateRandom, s, a, sizeof a);
	ck_assert (memcmp (a, b, sizeof a) != 0);

	CALL (CKR_ARGUMENTS_BAD, C_GenerateRandom, s, NULL, 16);
	CALL (CKR_ARGUMENTS_BAD, C_SeedRandom, s, NULL, 16);
	CALL (CKR_SESSION_HANDLE_INVALID, C_GenerateRandom, CONF_BAD_HANDLE, a, sizeof a);
	CALL (CKR_SESSION_HANDLE_INVALID, C_SeedRandom, CONF_BAD_HANDLE, seed, sizeof seed);
}

CONF_TEST (test_operation_state)
{
	CK_SESSION_HANDLE s = conf_session (false, false);
	CK_MECHANISM sha256 = { CKM_SHA256, NULL, 0 };
	CK_BYTE state[1024], out[32];
	CK_ULONG len = sizeof state;

	CALL (CKR_OK, C_DigestInit, s, &sha256);
	CALL (CKR_OK, C_DigestUpdate, s, (CK_BYTE_PTR) "abc", 3);
	/* SoftHSM saves no operation state; the operation goes on. */
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_GetOperationState, s, NULL, &len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_GetOperationState, s, state, &len);
	CALL (CKR_FUNCTION_NOT_SUPPORTED, C_SetOperationState, s, state, 16, CK_INVALID_HANDLE,
	      CK_INVALID_HANDLE);
	len = sizeof out;
	CALL (CKR_OK, C_DigestFinal, s, out, &len);
	OUT ("abc=%s", conf_hex (out, len));
}

TCase *
conf_tcase_digest (void)
{
	TCase *tc = conf_tcase_new ("digest");
	tcase_add_test (tc, test_digest);
	tcase_add_test (tc, test_digest_key);
	tcase_add_test (tc, test_random);
	tcase_add_test (tc, test_operation_state);
	return tc;
}
