/* SPDX-License-Identifier: BSD-3-Clause */
/* SHA256_Init and friends are deprecated in OpenSSL 3 but still there, and
 * they cost a third less per record than EVP, which allocates per digest:
 * records at the calls level are hashed on every call. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "config.h"
#include "audit/chain.h"

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

/* "000102...ff": two digits per byte, once per record on the hot path. */
static const char hex_pairs[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
				"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
				"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
				"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
				"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
				"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
				"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
				"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void
to_hex (const unsigned char *md, char hex[2 * HKP11_SHA256_LEN + 1])
{
	for (int i = 0; i < HKP11_SHA256_LEN; i++)
		memcpy (hex + 2 * i, hex_pairs + 2 * md[i], 2);
	hex[2 * HKP11_SHA256_LEN] = '\0';
}

bool
hkp11_audit_chain_init (hkp11_audit_chain *chain, const char *host, long pid, uint64_t start_us)
{
	memset (chain, 0, sizeof *chain);
	/* Fetched once: a fetch per record would cost more than the hash. */
	chain->md = EVP_MD_fetch (NULL, "SHA256", NULL);
	chain->ctx = EVP_MD_CTX_new ();
	if (chain->md == NULL || chain->ctx == NULL) {
		hkp11_audit_chain_free (chain);
		return false;
	}

	char safe_host[64];
	size_t i;
	for (i = 0; host[i] && i < sizeof safe_host - 1; i++) {
		char c = host[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
		safe_host[i] = ok ? c : '_';
	}
	safe_host[i] = '\0';
	snprintf (chain->name, sizeof chain->name, "%s/%ld/%llu", i ? safe_host : "unknown", pid,
		  (unsigned long long)start_us);
	memset (chain->prev_hex, '0', 2 * HKP11_SHA256_LEN);
	chain->prev_hex[2 * HKP11_SHA256_LEN] = '\0';
	chain->seq = 0;
	return true;
}

void
hkp11_audit_chain_free (hkp11_audit_chain *chain)
{
	EVP_MD_CTX_free (chain->ctx);
	EVP_MD_free (chain->md);
	chain->ctx = NULL;
	chain->md = NULL;
}

void
hkp11_audit_chain_add (hkp11_audit_chain *chain, const void *line, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	chain->seq++;
#if OPENSSL_VERSION_MAJOR < 4
	SHA256_CTX ctx;
	if (SHA256_Init (&ctx) == 1 && SHA256_Update (&ctx, line, len) == 1 &&
	    SHA256_Final (md, &ctx) == 1) {
		to_hex (md, chain->prev_hex);
		return;
	}
#endif
	if (EVP_DigestInit_ex2 (chain->ctx, chain->md, NULL) == 1 &&
	    EVP_DigestUpdate (chain->ctx, line, len) == 1 &&
	    EVP_DigestFinal_ex (chain->ctx, md, &md_len) == 1 && md_len == HKP11_SHA256_LEN) {
		to_hex (md, chain->prev_hex);
	} else {
		/* Cannot happen with a fetched SHA-256; a visibly wrong hash
		 * makes the verifier say so rather than hide it. */
		memset (chain->prev_hex, 'x', 2 * HKP11_SHA256_LEN);
	}
}

bool
hkp11_sha256_hex (const void *data, size_t len, char hex[2 * HKP11_SHA256_LEN + 1])
{
	static EVP_MD *md;
	EVP_MD *m = __atomic_load_n (&md, __ATOMIC_ACQUIRE);
	if (m == NULL) {
		m = EVP_MD_fetch (NULL, "SHA256", NULL);
		if (m == NULL)
			return false;
		EVP_MD *expected = NULL;
		if (!__atomic_compare_exchange_n (&md, &expected, m, false, __ATOMIC_ACQ_REL,
						  __ATOMIC_ACQUIRE)) {
			EVP_MD_free (m);
			m = expected;
		}
	}
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int out_len = 0;
	if (EVP_Digest (data, len, out, &out_len, m, NULL) != 1 || out_len != HKP11_SHA256_LEN)
		return false;
	to_hex (out, hex);
	return true;
}
