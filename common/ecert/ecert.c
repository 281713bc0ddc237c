/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recognising Hongkong Post e-Certs and building their labels.  The X.509
 * decoding is OpenSSL's; this file only reads the decoded fields.
 */
#include "config.h"
#include "ecert/ecert.h"
#include "base/debug.h"
#include "base/text.h"
#include "base/compat.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#else
#include <openssl/rsa.h>
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ARC_HKPOST "1.3.6.1.4.1.16030"
#define ARC_HKPOST_SERVER "1.3.6.1.4.1.16030.1.7"
#define ARC_MUTUAL_RECOGNITION "2.16.344.8.2.2008.810.2"

#define ISSUER_ECERT "Hongkong Post e-Cert "
#define ISSUER_TRIAL "Hongkong Post Trial e-Cert "
#define SUBJECT_O "Hongkong Post e-Cert ("

/* ---- UTF-8 hygiene ------------------------------------------------------ */

/* Labels and fields show only what is text (base/text.h): invalid UTF-8
 * becomes U+FFFD and a control character a space; a format character (a
 * bidirectional override, a zero-width space ...) goes, so that a name
 * shows as the characters it is made of and nothing reorders the text
 * around it.  A label's ':' becomes a full-width colon. */
size_t
hkp11_label_sanitise (const char *in, size_t in_len, char *buf, size_t buf_len)
{
	return hkp11_text_sanitise (in, in_len, buf, buf_len, &hkp11_sanitise_label);
}

/* Copies an ASN.1 string as UTF-8 (whatever its own encoding) into buf. */
static void
asn1_to_text (const ASN1_STRING *str, char *buf, size_t buf_len)
{
	unsigned char *utf8 = NULL;
	int len = ASN1_STRING_to_UTF8 (&utf8, str);
	buf[0] = '\0';
	if (len < 0)
		return;
	/* Fields keep their ':'; only labels lose it. */
	hkp11_text_sanitise ((const char *)utf8, (size_t)len, buf, buf_len, &hkp11_sanitise_field);
	OPENSSL_free (utf8);
}

/* ---- decoding ----------------------------------------------------------- */

static bool
has_prefix_ci (const char *s, const char *prefix)
{
	return strncasecmp (s, prefix, strlen (prefix)) == 0;
}

/* Whether oid is arc or lies below it. */
static bool
oid_under (const char *oid, const char *arc)
{
	size_t n = strlen (arc);
	return strncmp (oid, arc, n) == 0 && (oid[n] == '\0' || oid[n] == '.');
}

/* An OU that is an identifier (SRN, BR or CR number) rather than a name. */
static bool
is_identifier (const char *s)
{
	int digits = 0;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '-'))
			return false;
	}
	return digits >= 4;
}

static void
append (char *buf, size_t buf_len, const char *sep, const char *text)
{
	size_t used = strlen (buf);
	if (used > 0 && used < buf_len)
		used += hkp11_strlcpy (buf + used, sep, buf_len - used);
	if (used < buf_len)
		hkp11_strlcpy (buf + used, text, buf_len - used);
}

/* A name as OpenSSL writes it in RFC 2253 order ("CN=...,O=...,C=HK"),
 * UTF-8 kept: for a subject or an issuer that has no CN. */
static void
whole_name (const X509_NAME *name, char *buf, size_t buf_len)
{
	char text[512];
	BIO *bio = BIO_new (BIO_s_mem ());
	buf[0] = '\0';
	if (bio == NULL)
		return;
	X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	int len = BIO_read (bio, text, sizeof text - 1);
	if (len > 0)
		hkp11_text_sanitise (text, (size_t)len, buf, buf_len, &hkp11_sanitise_field);
	BIO_free (bio);
}

static void
read_subject (X509 *x, hkp11_ecert *info, char *org, size_t org_len)
{
	const X509_NAME *name = X509_get_subject_name (x);
	char text[512];
	int n_ou = 0;

	for (int i = 0; i < X509_NAME_entry_count (name); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry (name, i);
		int nid = OBJ_obj2nid (X509_NAME_ENTRY_get_object (e));
		asn1_to_text (X509_NAME_ENTRY_get_data (e), text, sizeof text);
		switch (nid) {
		case NID_commonName:
			if (info->holder[0] == '\0')
				hkp11_strlcpy (info->holder, text, sizeof info->holder);
			break;
		case NID_organizationName:
			if (org[0] == '\0')
				hkp11_strlcpy (org, text, org_len);
			break;
		case NID_organizationalUnitName:
			/* The first OU is the SRN; the others that are not
			 * numbers name the organisation and its branch. */
			if (n_ou++ == 0 && is_identifier (text))
				hkp11_strlcpy (info->srn, text, sizeof info->srn);
			else if (!is_identifier (text) && text[0] != '\0')
				append (info->organisation, sizeof info->organisation, " / ", text);
			break;
		default:
			break;
		}
	}

	/* No CN: the whole subject names the holder. */
	if (info->holder[0] == '\0')
		whole_name (name, info->holder, sizeof info->holder);
}

/* The issuer's CN: the evidence of a Hongkong Post CA is there only. */
static void
read_issuer (X509 *x, hkp11_ecert *info)
{
	const X509_NAME *name = X509_get_issuer_name (x);
	int i = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
	if (i >= 0)
		asn1_to_text (X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, i)),
			      info->issuer, sizeof info->issuer);
}

/* Policy evidence: 1 for the Hongkong Post arc, 2 for its server arc. */
static int
read_policies (X509 *x, hkp11_ecert *info)
{
	CERTIFICATEPOLICIES *policies = X509_get_ext_d2i (x, NID_certificate_policies, NULL, NULL);
	int evidence = 0;
	char oid[128];

	if (policies == NULL)
		return 0;
	for (int i = 0; i < sk_POLICYINFO_num (policies); i++) {
		const POLICYINFO *p = sk_POLICYINFO_value (policies, i);
		if (p == NULL || p->policyid == NULL ||
		    OBJ_obj2txt (oid, sizeof oid, p->policyid, 1) <= 0)
			continue;
		if (oid_under (oid, ARC_MUTUAL_RECOGNITION))
			info->mutual_recognition = true;
		if (oid_under (oid, ARC_HKPOST_SERVER))
			evidence = 2;
		else if (oid_under (oid, ARC_HKPOST) && evidence == 0)
			evidence = 1;
	}
	CERTIFICATEPOLICIES_free (policies);
	return evidence;
}

static void
read_expiry (X509 *x, hkp11_ecert *info)
{
	struct tm tm;
	const ASN1_TIME *t = X509_get0_notAfter (x);
	memset (&tm, 0, sizeof tm);
	if (t != NULL && ASN1_TIME_to_tm (t, &tm) == 1)
		snprintf (info->expiry, sizeof info->expiry, "%04d-%02d-%02d",
			  (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
}

static void
read_serial (X509 *x, hkp11_ecert *info)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (x), NULL);
	char *hex = bn ? BN_bn2hex (bn) : NULL;
	if (hex != NULL)
		hkp11_strlcpy (info->serial, hex, sizeof info->serial);
	OPENSSL_free (hex);
	BN_free (bn);
}

/* The material keys are paired by: RSA modulus or EC point. */
static void
read_public_key (X509 *x, hkp11_ecert *info)
{
	EVP_PKEY *pkey = X509_get0_pubkey (x);
	if (pkey == NULL)
		return;

	if (EVP_PKEY_base_id (pkey) == EVP_PKEY_RSA) {
		BIGNUM *n = NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		if (!EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_N, &n))
			n = NULL;
#else
		const RSA *rsa = EVP_PKEY_get0_RSA (pkey);
		const BIGNUM *n0 = NULL;
		if (rsa != NULL)
			RSA_get0_key (rsa, &n0, NULL, NULL);
		n = n0 ? BN_dup (n0) : NULL;
#endif
		if (n != NULL && (size_t)BN_num_bytes (n) <= sizeof info->key_material) {
			info->key_material_len = (size_t)BN_bn2bin (n, info->key_material);
			info->key_type = HKP11_KEY_RSA;
		}
		BN_free (n);
	} else if (EVP_PKEY_base_id (pkey) == EVP_PKEY_EC) {
		/* The subjectPublicKey BIT STRING of an EC key is the point. */
		const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr (x);
		if (bits != NULL && bits->length > 0 &&
		    (size_t)bits->length <= sizeof info->key_material) {
			memcpy (info->key_material, bits->data, (size_t)bits->length);
			info->key_material_len = (size_t)bits->length;
			info->key_type = HKP11_KEY_EC;
		}
	}
}

static hkp11_ecert_kind
kind_of_subject_o (const char *o, char *kind_text, size_t kind_text_len)
{
	static const struct {
		const char *text;
		hkp11_ecert_kind kind;
	} kinds[] = {
		{ "Personal", HKP11_ECERT_PERSONAL },
		{ "Personal/Minor", HKP11_ECERT_MINOR },
		{ "Organisational", HKP11_ECERT_ORGANISATIONAL },
		{ "Organizational", HKP11_ECERT_ORGANISATIONAL },
		{ "Encipherment", HKP11_ECERT_ENCIPHERMENT },
		{ "Server", HKP11_ECERT_SERVER },
	};
	size_t len = strlen (o), prefix = strlen (SUBJECT_O);

	if (len <= prefix + 1 || !has_prefix_ci (o, SUBJECT_O) || o[len - 1] != ')')
		return HKP11_ECERT_NONE;
	size_t inner = len - prefix - 1;
	if (inner >= kind_text_len)
		inner = kind_text_len - 1;
	memcpy (kind_text, o + prefix, inner);
	kind_text[inner] = '\0';
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcasecmp (kind_text, kinds[i].text) == 0)
			return kinds[i].kind;
	}
	return HKP11_ECERT_OTHER;
}

bool
hkp11_ecert_parse (const unsigned char *der, size_t der_len, hkp11_ecert *info)
{
	hkp11_return_val_if_fail (info != NULL, false);
	hkp11_return_val_if_fail (der != NULL || der_len == 0, false);
	char org[512] = "";
	const unsigned char *p = der;
	X509 *x = NULL;

	memset (info, 0, sizeof *info);
	if (der == NULL || der_len == 0 || der_len > (size_t)INT32_MAX)
		return false;
	x = d2i_X509 (NULL, &p, (long)der_len);
	/* Exactly one certificate, nothing trailing. */
	if (x == NULL || p != der + der_len) {
		X509_free (x);
		return false;
	}
	info->parsed = true;

	read_subject (x, info, org, sizeof org);
	read_issuer (x, info);
	read_expiry (x, info);
	read_serial (x, info);
	read_public_key (x, info);
	int policy = read_policies (x, info);

	bool by_ecert_ca = has_prefix_ci (info->issuer, ISSUER_ECERT);
	info->trial = has_prefix_ci (info->issuer, ISSUER_TRIAL);
	hkp11_ecert_kind kind = kind_of_subject_o (org, info->kind_text, sizeof info->kind_text);
	if (kind == HKP11_ECERT_NONE && (policy == 2 || strstr (info->issuer, " SSL CA") != NULL))
		kind = HKP11_ECERT_SERVER;

	info->recognised = by_ecert_ca || info->trial || policy != 0 || info->mutual_recognition;
	if (info->recognised) {
		info->kind = kind != HKP11_ECERT_NONE ? kind : HKP11_ECERT_OTHER;
		/* A person's certificate names no organisation. */
		if (info->kind == HKP11_ECERT_PERSONAL || info->kind == HKP11_ECERT_MINOR)
			info->organisation[0] = '\0';
	} else {
		/* Under `labels: all`, others are named by CN and O. */
		hkp11_strlcpy (info->organisation, org, sizeof info->organisation);
		info->srn[0] = '\0';
		info->trial = false;
		info->mutual_recognition = false;
	}
	/* Recognised or not, an issuer without a CN is named all the same. */
	if (info->issuer[0] == '\0')
		whole_name (X509_get_issuer_name (x), info->issuer, sizeof info->issuer);

	X509_free (x);
	return info->recognised;
}

bool
hkp11_key_digest (const unsigned char *material, size_t len,
		  unsigned char digest[HKP11_KEY_DIGEST_LEN])
{
	unsigned int out_len = 0;
	return EVP_Digest (material, len, digest, &out_len, EVP_sha256 (), NULL) == 1 &&
	       out_len == HKP11_KEY_DIGEST_LEN;
}

/* ---- labels ------------------------------------------------------------- */

const char *
hkp11_ecert_kind_name (hkp11_ecert_kind kind, hkp11_label_language lang)
{
	static const char *const en[] = {
		"",       "Personal", "Personal/Minor", "Organisational", "Encipherment",
		"Server", "Other"
	};
	/* Hongkong Post's own Chinese names: 個人電子證書, 機構電子證書, ... */
	static const char *const zh[] = { "",     "個人",   "個人/未成年人", "機構",
					  "加密", "伺服器", "其他" };
	if ((int)kind < 0 || (size_t)kind >= sizeof en / sizeof en[0])
		return "";
	return lang == HKP11_LANG_ZH_HANT ? zh[kind] : en[kind];
}

const char *
hkp11_label_default_template (hkp11_label_language lang)
{
	/* Firefox's chooser shows the label first: who, what, until when. */
	if (lang == HKP11_LANG_ZH_HANT)
		return "{holder}（{kind}電子證書[，{organisation}][，{mutual-recognition}]，"
		       "{expiry}到期）";
	return "{holder} ({kind} e-Cert[, {organisation}][, {mutual-recognition}], "
	       "expires {expiry})";
}

const char *
hkp11_label_subject_template (hkp11_label_language lang)
{
	if (lang == HKP11_LANG_ZH_HANT)
		return "{holder}[（{organisation}）]";
	return "{holder}[ ({organisation})]";
}

typedef enum {
	FIELD_HOLDER,
	FIELD_KIND,
	FIELD_ORGANISATION,
	FIELD_SRN,
	FIELD_EXPIRY,
	FIELD_ISSUER,
	FIELD_MUTUAL_RECOGNITION,
	FIELD_SERIAL,
	FIELD_UNKNOWN,
} field_id;

static field_id
field_lookup (const char *name, size_t len)
{
	static const char *const names[] = { "holder", "kind",   "organisation",       "srn",
					     "expiry", "issuer", "mutual-recognition", "serial" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen (names[i]) == len && strncmp (names[i], name, len) == 0)
			return (field_id)i;
	}
	/* The American spelling is accepted too. */
	if (len == 12 && strncmp (name, "organization", len) == 0)
		return FIELD_ORGANISATION;
	return FIELD_UNKNOWN;
}

static void
field_value (const hkp11_ecert *info, field_id id, hkp11_label_language lang, char *buf,
	     size_t buf_len)
{
	buf[0] = '\0';
	switch (id) {
	case FIELD_HOLDER:
		hkp11_strlcpy (buf, info->holder, buf_len);
		break;
	case FIELD_KIND:
		if (info->trial)
			hkp11_strlcpy (buf, lang == HKP11_LANG_ZH_HANT ? "測試" : "Trial ",
				       buf_len);
		append (buf, buf_len, "", hkp11_ecert_kind_name (info->kind, lang));
		break;
	case FIELD_ORGANISATION:
		hkp11_strlcpy (buf, info->organisation, buf_len);
		break;
	case FIELD_SRN:
		hkp11_strlcpy (buf, info->srn, buf_len);
		break;
	case FIELD_EXPIRY:
		hkp11_strlcpy (buf, info->expiry, buf_len);
		break;
	case FIELD_ISSUER:
		hkp11_strlcpy (buf, info->issuer, buf_len);
		break;
	case FIELD_MUTUAL_RECOGNITION:
		if (info->mutual_recognition)
			hkp11_strlcpy (
				buf, lang == HKP11_LANG_ZH_HANT ? "粵港互認" : "mutual recognition",
				buf_len);
		break;
	case FIELD_SERIAL:
		hkp11_strlcpy (buf, info->serial, buf_len);
		break;
	case FIELD_UNKNOWN:
		break;
	}
}

/*
 * Walks a template.  With info NULL it only checks it; otherwise it
 * expands into out (raw, sanitised later by the caller).
 */
static bool
expand (const char *tmpl, const hkp11_ecert *info, hkp11_label_language lang, char *out,
	size_t out_len, char *why, size_t why_len)
{
	size_t used = 0, section_start = 0;
	bool in_section = false, section_ok = true;
	char value[1024];

#define EMIT(text, len) \
	do { \
		size_t n_ = (len); \
		if (out != NULL && used + n_ < out_len) { \
			memcpy (out + used, (text), n_); \
			used += n_; \
		} \
	} while (0)

	for (const char *p = tmpl; *p;) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}') ||
		    (p[0] == '[' && p[1] == '[') || (p[0] == ']' && p[1] == ']')) {
			EMIT (p, 1);
			p += 2;
		} else if (*p == '{') {
			const char *end = strchr (p + 1, '}');
			if (end == NULL) {
				snprintf (why, why_len, "'{' without '}'");
				return false;
			}
			field_id id = field_lookup (p + 1, (size_t)(end - p - 1));
			if (id == FIELD_UNKNOWN) {
				snprintf (why, why_len,
					  "unknown field {%.*s}; fields are {holder} {kind} "
					  "{organisation} {srn} {expiry} {issuer} "
					  "{mutual-recognition} {serial}",
					  (int)(end - p - 1 > 40 ? 40 : end - p - 1), p + 1);
				return false;
			}
			if (info != NULL) {
				field_value (info, id, lang, value, sizeof value);
				if (value[0] == '\0')
					section_ok = false;
				EMIT (value, strlen (value));
			}
			p = end + 1;
		} else if (*p == '}') {
			snprintf (why, why_len, "'}' without '{' (write '}}' for a brace)");
			return false;
		} else if (*p == '[') {
			if (in_section) {
				snprintf (why, why_len, "optional sections [...] do not nest");
				return false;
			}
			in_section = true;
			section_ok = true;
			section_start = used;
			p++;
		} else if (*p == ']') {
			if (!in_section) {
				snprintf (why, why_len,
					  "']' without '[' (write ']]' for a bracket)");
				return false;
			}
			/* A section with an empty field disappears whole. */
			if (!section_ok)
				used = section_start;
			in_section = false;
			section_ok = true;
			p++;
		} else {
			EMIT (p, 1);
			p++;
		}
	}
#undef EMIT
	if (in_section) {
		snprintf (why, why_len, "'[' without ']'");
		return false;
	}
	if (out != NULL)
		out[used] = '\0';
	return true;
}

bool
hkp11_label_template_check (const char *tmpl, char *why, size_t why_len)
{
	if (tmpl == NULL || tmpl[0] == '\0') {
		snprintf (why, why_len, "the template is empty");
		return false;
	}
	return expand (tmpl, NULL, HKP11_LANG_EN, NULL, 0, why, why_len);
}

/* Cuts s to at most max bytes on a character boundary, then trims blanks. */
static size_t
clip (char *s, size_t len, size_t max)
{
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	while (len > 0 && s[len - 1] == ' ')
		len--;
	s[len] = '\0';
	size_t lead = 0;
	while (lead < len && s[lead] == ' ')
		lead++;
	memmove (s, s + lead, len - lead + 1);
	return len - lead;
}

size_t
hkp11_label_build (const hkp11_ecert *info, const char *tmpl, hkp11_label_language lang, char *buf,
		   size_t buf_len)
{
	hkp11_return_val_if_fail (info != NULL && tmpl != NULL, 0);
	hkp11_return_val_if_fail (buf != NULL && buf_len > 0, 0);
	char raw[4096], why[256];
	size_t len;

	if (buf_len == 0)
		return 0;
	buf[0] = '\0';
	if (info == NULL || tmpl == NULL ||
	    !expand (tmpl, info, lang, raw, sizeof raw, why, sizeof why))
		return 0;
	len = hkp11_label_sanitise (raw, strlen (raw), buf, buf_len);
	return clip (buf, len, buf_len - 1 < HKP11_LABEL_MAX ? buf_len - 1 : HKP11_LABEL_MAX);
}

/* ---- uniqueness --------------------------------------------------------- */

static int
compare_labels (const void *a, const void *b)
{
	const hkp11_label_entry *const *x = a, *const *y = b;
	int c = strcmp ((*x)->label, (*y)->label);
	/* Twins stay in the order they were given. */
	if (c == 0)
		c = (*x < *y) ? -1 : (*x > *y);
	return c;
}

/*
 * One pass: every label shared by two or more entries gets a suffix from
 * `suffix`.  Returns false when out of memory; *twins tells whether any
 * label was shared.
 */
static bool
disambiguate (hkp11_label_entry *entries, size_t n, bool *twins,
	      void (*suffix) (hkp11_label_entry *e, size_t rank, char *buf, size_t len))
{
	hkp11_label_entry **sorted = calloc (n, sizeof *sorted);
	if (sorted == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &entries[i];
	qsort (sorted, n, sizeof *sorted, compare_labels);

	/* Mark first, rewrite after: a rewritten label must not change the
	 * grouping of the ones still to come. */
	size_t *rank = calloc (n, sizeof *rank);
	bool *dup = calloc (n, sizeof *dup);
	if (rank == NULL || dup == NULL) {
		free (sorted), free (rank), free (dup);
		return false;
	}
	*twins = false;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && strcmp (sorted[i]->label, sorted[j]->label) == 0)
			j++;
		if (j - i > 1) {
			*twins = true;
			for (size_t k = i; k < j; k++) {
				size_t idx = (size_t)(sorted[k] - entries);
				dup[idx] = true;
				rank[idx] = k - i;
			}
		}
		i = j;
	}
	for (size_t i = 0; i < n; i++) {
		if (!dup[i])
			continue;
		char extra[64];
		extra[0] = '\0';
		suffix (&entries[i], rank[i], extra, sizeof extra);
		/* The suffix always fits whole: the label gives way, on a
		 * character boundary. */
		size_t len = strlen (entries[i].label),
		       room = HKP11_LABEL_SIZE - 1 - strlen (extra);
		if (len > room) {
			while (room > 0 && ((unsigned char)entries[i].label[room] & 0xc0) == 0x80)
				room--;
			entries[i].label[room] = '\0';
		}
		append (entries[i].label, HKP11_LABEL_SIZE, "", extra);
	}
	free (sorted), free (rank), free (dup);
	return true;
}

static void
suffix_srn (hkp11_label_entry *e, size_t rank, char *buf, size_t len)
{
	const char *srn = e->info != NULL ? e->info->srn : e->srn;
	if (srn != NULL && srn[0] != '\0')
		snprintf (buf, len, " (SRN %.40s)", srn);
}

static void
suffix_serial (hkp11_label_entry *e, size_t rank, char *buf, size_t len)
{
	const char *serial = e->info != NULL ? e->info->serial : e->serial;
	if (serial != NULL && serial[0] != '\0')
		snprintf (buf, len, " #%.40s", serial);
}

static void
suffix_rank (hkp11_label_entry *e, size_t rank, char *buf, size_t len)
{
	if (rank > 0)
		snprintf (buf, len, " (%zu)", rank + 1);
}

bool
hkp11_label_make_unique (hkp11_label_entry *entries, size_t n)
{
	bool twins = false;
	if (n < 2)
		return true;
	if (!disambiguate (entries, n, &twins, suffix_srn))
		return false;
	if (twins && !disambiguate (entries, n, &twins, suffix_serial))
		return false;
	if (twins && !disambiguate (entries, n, &twins, suffix_rank))
		return false;
	return true;
}
