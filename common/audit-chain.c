#include "config.h"
#include "audit-chain.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

static void
to_hex (const unsigned char *md, char hex[2 * HKP11_SHA256_LEN + 1])
{
	for (int i = 0; i < HKP11_SHA256_LEN; i++) {
		hex[2 * i] = hex_digits[md[i] >> 4];
		hex[2 * i + 1] = hex_digits[md[i] & 0xf];
	}
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
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '-' || c == '_';
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
