/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hongkong Post e-Certs: recognition and friendly labels.
 *
 * Pure functions over a certificate's DER, decoded with OpenSSL's libcrypto.
 * A certificate comes from a device and may be anything: whatever fails to
 * decode is simply "not recognised", never a crash.
 *
 * Evidence that a certificate is a Hongkong Post e-Cert (doc/domain.md has
 * Hongkong Post's CAs, policy arcs and subject shapes):
 *   - an issuer CN of a Hongkong Post e-Cert CA or Trial e-Cert CA;
 *   - a policy OID under 1.3.6.1.4.1.16030 or the mutual-recognition arc
 *     2.16.344.8.2.2008.810.2;
 *   - a subject O "Hongkong Post e-Cert (<kind>)", which names the kind.
 * A certificate is recognised when the issuer or a policy says Hongkong
 * Post: a subject O alone is something anyone can write.
 */
#ifndef HKP11_ECERT_H
#define HKP11_ECERT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	HKP11_ECERT_NONE = 0, /* not a Hongkong Post e-Cert */
	HKP11_ECERT_PERSONAL,
	HKP11_ECERT_MINOR, /* Personal/Minor */
	HKP11_ECERT_ORGANISATIONAL,
	HKP11_ECERT_ENCIPHERMENT,
	HKP11_ECERT_SERVER,
	HKP11_ECERT_OTHER, /* Hongkong Post, but a kind we do not know */
} hkp11_ecert_kind;

typedef enum {
	HKP11_LANG_EN = 0,
	HKP11_LANG_ZH_HANT,
} hkp11_label_language;

/* Longest label built, in bytes, before a suffix that tells twins apart. */
#define HKP11_LABEL_MAX 256
/* Room for a label with its suffix and the terminating NUL. */
#define HKP11_LABEL_SIZE (HKP11_LABEL_MAX + 64)

/* Longest public key material kept for pairing keys (RSA 8192). */
#define HKP11_KEY_MATERIAL_MAX 1024
/* Bytes of a digest of key material (SHA-256). */
#define HKP11_KEY_DIGEST_LEN 32

typedef enum {
	HKP11_KEY_NONE = 0,
	HKP11_KEY_RSA, /* material: the modulus, big-endian, no leading zeros */
	HKP11_KEY_EC,  /* material: the encoded point, without an OCTET STRING */
} hkp11_key_type;

/*
 * What a certificate says about itself.  Every string is valid UTF-8 with
 * control characters replaced and format characters left out (as
 * hkp11_label_sanitise does, ':' kept); none is ever NULL.
 */
typedef struct {
	bool parsed;     /* the DER decoded as one X.509 certificate */
	bool recognised; /* a Hongkong Post e-Cert */
	hkp11_ecert_kind kind;
	bool trial;              /* issued by a Trial e-Cert CA */
	bool mutual_recognition; /* carries a mutual-recognition policy */
	char kind_text[64];      /* the "(...)" of the subject O, as written */
	char holder[256];        /* subject CN, else the whole subject */
	char organisation[512];  /* OUs naming the organisation (and branch);
				    for certificates of others, the subject O */
	char srn[64];            /* Subscriber Reference Number (first OU) */
	char expiry[16];         /* notAfter as YYYY-MM-DD */
	char issuer[256];        /* issuer CN, else the whole issuer name */
	char serial[80];         /* serial number, upper-case hex */
	hkp11_key_type key_type;
	unsigned char key_material[HKP11_KEY_MATERIAL_MAX];
	size_t key_material_len;
} hkp11_ecert;

/*
 * Decodes der and fills info.  Returns info->recognised.  On malformed input
 * info->parsed is false and every field is empty.
 */
bool hkp11_ecert_parse (const unsigned char *der, size_t der_len, hkp11_ecert *info);

/*
 * The SHA-256 of key material in the form hkp11_ecert keeps it (an RSA
 * modulus without leading zeros, a bare EC point): a cache pairs keys with
 * certificates by digest and need not keep the material.  Returns false
 * when it cannot be computed.
 */
bool hkp11_key_digest (const unsigned char *material, size_t len,
		       unsigned char digest[HKP11_KEY_DIGEST_LEN]);

/* The name of a kind: "Personal", "個人", ... */
const char *hkp11_ecert_kind_name (hkp11_ecert_kind kind, hkp11_label_language lang);

/*
 * The default templates.  {kind} already carries "Trial" for Trial
 * e-Certs.  Text between [ and ] appears only when every field inside it
 * is non-empty.
 */
const char *hkp11_label_default_template (hkp11_label_language lang);

/* The template for certificates that are not e-Certs, under `labels: all`. */
const char *hkp11_label_subject_template (hkp11_label_language lang);

/*
 * Checks a label template: fields {holder} {kind} {organisation} {srn}
 * {expiry} {issuer} {mutual-recognition} {serial}, optional sections
 * [ ... ] (not nested), and {{ }} [[ ]] for literal braces and brackets.
 * On failure describes the fault in why.
 */
bool hkp11_label_template_check (const char *tmpl, char *why, size_t why_len);

/*
 * Builds the label of info from tmpl into buf (HKP11_LABEL_SIZE bytes or
 * more).  The label is valid UTF-8, never contains ':' (NSS splits
 * nicknames there; a full-width colon stands in) nor control characters,
 * has no leading or trailing blanks, and is at most HKP11_LABEL_MAX bytes.
 * Returns its length, or 0 when the template is bad or the label empty.
 */
size_t hkp11_label_build (const hkp11_ecert *info, const char *tmpl, hkp11_label_language lang,
			  char *buf, size_t buf_len);

/*
 * Makes labels unique within one token.  Each entry is a label buffer of
 * HKP11_LABEL_SIZE bytes and the certificate it names.  Every label that
 * two or more certificates share gets " (SRN ...)" appended; if that still
 * leaves twins, " #SERIAL"; if still (copies of one certificate), " (n)" in
 * the order given.  Returns false only when out of memory.
 */
typedef struct {
	char *label; /* in/out, HKP11_LABEL_SIZE bytes */
	const hkp11_ecert *info;
	/* Without info (a caller that keeps only these): SRN and serial. */
	const char *srn, *serial;
} hkp11_label_entry;

bool hkp11_label_make_unique (hkp11_label_entry *entries, size_t n);

/*
 * Copies in into buf without what a label must not hold: invalid UTF-8
 * becomes U+FFFD, control characters a space, ':' a full-width colon, and
 * format characters (bidirectional controls, zero-width characters, the
 * BOM: hkp11_unicode_is_format) are left out.  Output needs up to 3x the
 * input; buf_len bounds it.  Returns the length.
 */
size_t hkp11_label_sanitise (const char *in, size_t in_len, char *buf, size_t buf_len);

#endif
