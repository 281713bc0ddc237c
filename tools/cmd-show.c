/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 show [LABEL | --all]: the e-Cert on the token, as the guide's
 * "Advanced View" shows it: holder, kind, SRN, organisation, issuer,
 * serial, validity with the days left (a warning under 30), key usage,
 * SHA-256 fingerprint, mutual recognition, the friendly label beside the
 * label the token itself holds, and the PKCS#11 URIs that name it.
 *
 * The token's own labels come from a first pass through the module with
 * the labels layer switched off for that run (pReserved "labels: off");
 * everything else is what applications see.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "certs.h"
#include "base/compat.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 show [LABEL | --all] [--token LABEL|SERIAL] [--json]\n"
		    "\n"
		    "Shows the Hongkong Post e-Certs on the token: holder, kind, Subscriber\n"
		    "Reference Number, organisation, issuer, serial number, validity with the\n"
		    "days left, key usage, SHA-256 fingerprint and mutual-recognition status,\n"
		    "with the name applications show, the label the token holds, and the\n"
		    "PKCS#11 URIs that name the certificate and its key (OpenSSL, curl).\n"
		    "\n"
		    "  LABEL       only the certificates whose label contains LABEL\n"
		    "  --all       every certificate on the token, not only e-Certs\n"
		    "  --token X   only the token with this label or serial number\n"
		    "  --json      the same as JSON, for scripts\n"
		    "\n"
		    "No password is needed: certificates are public.\n"
		    "Exit status: 0 shown; 3 no token, or no certificate matches.\n"));
	return status;
}

/* ---- the token's own labels ------------------------------------------------------- */

typedef struct {
	CK_SLOT_ID slot;
	cli_cert *certs;
	size_t n;
} slot_certs;

static void
read_original_labels (const cli_globals *g, slot_certs **out, size_t *n_out)
{
	cli_module m;
	CK_SLOT_ID slots[64];
	CK_ULONG n = sizeof slots / sizeof slots[0];
	slot_certs *list = NULL;
	size_t count = 0;

	*out = NULL;
	*n_out = 0;
	cli_module_locate (&m, g->module_option);
	if (cli_module_open (&m, "labels: off", true) != CLI_OK ||
	    m.f->C_GetSlotList (CK_TRUE, slots, &n) != CKR_OK)
		goto out;
	list = calloc (n ? n : 1, sizeof *list);
	if (list == NULL)
		goto out;
	for (CK_ULONG i = 0; i < n; i++) {
		list[count].slot = slots[i];
		if (cli_certs_read (m.f, slots[i], &list[count].certs, &list[count].n) == CKR_OK)
			count++;
	}
	*out = list;
	*n_out = count;
out:
	cli_module_close (&m);
}

static void
match_original (cli_cert *c, CK_SLOT_ID slot, const slot_certs *orig, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (orig[i].slot != slot)
			continue;
		for (size_t k = 0; k < orig[i].n; k++) {
			const cli_cert *o = &orig[i].certs[k];
			if (o->der_len == c->der_len && memcmp (o->der, c->der, c->der_len) == 0 &&
			    o->id_len == c->id_len && memcmp (o->id, c->id, c->id_len) == 0) {
				hkp11_strlcpy (c->original_label, o->label,
					       sizeof c->original_label);
				c->have_original = true;
				return;
			}
		}
	}
}

/* ---- what OpenSSL reads beyond common/ecert/ecert.c ------------------------------------ */

typedef struct {
	char not_before[32], not_after[32];         /* for people */
	char not_before_iso[32], not_after_iso[32]; /* ISO 8601, for --json */
	char fingerprint[32 * 3];
	char key_usage[512];
	char ext_key_usage[512];
	const char *ku_names[16];
	size_t n_ku;
	const char *eku_names[16];
	size_t n_eku;
} cert_extra;

static void
asn1_time_text (const ASN1_TIME *t, bool iso, char *buf, size_t len)
{
	struct tm tm;
	size_t n = 0;
	if (t != NULL && ASN1_TIME_to_tm (t, &tm) == 1)
		n = iso ? strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)
			: strftime (buf, len, "%Y-%m-%d %H:%M UTC", &tm);
	if (n == 0)
		hkp11_strlcpy (buf, "?", len);
}

static void
append_name (char *buf, size_t len, const char *name)
{
	size_t used = strlen (buf);
	snprintf (buf + used, len - used, "%s%s", used ? _ (", ") : "", name);
}

static void
read_extra (const cli_cert *c, cert_extra *x)
{
	const unsigned char *p = c->der;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	memset (x, 0, sizeof *x);
	if (EVP_Digest (c->der, c->der_len, md, &md_len, EVP_sha256 (), NULL) == 1) {
		size_t k = 0;
		for (unsigned int i = 0; i < md_len && i < 32; i++)
			k += (size_t)snprintf (x->fingerprint + k, sizeof x->fingerprint - k,
					       "%s%02X", i ? ":" : "", md[i]);
	}

	X509 *cert = d2i_X509 (NULL, &p, (long)c->der_len);
	if (cert == NULL)
		return;
	const ASN1_TIME *nb = X509_get0_notBefore (cert), *na = X509_get0_notAfter (cert);
	asn1_time_text (nb, false, x->not_before, sizeof x->not_before);
	asn1_time_text (na, false, x->not_after, sizeof x->not_after);
	asn1_time_text (nb, true, x->not_before_iso, sizeof x->not_before_iso);
	asn1_time_text (na, true, x->not_after_iso, sizeof x->not_after_iso);

	static const struct {
		uint32_t bit;
		const char *name;
		const char *json;
	} ku[] = {
		{ KU_DIGITAL_SIGNATURE, N_("digital signature"), "digitalSignature" },
		{ KU_NON_REPUDIATION, N_("non-repudiation"), "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, N_("key encipherment"), "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, N_("data encipherment"), "dataEncipherment" },
		{ KU_KEY_AGREEMENT, N_("key agreement"), "keyAgreement" },
		{ KU_KEY_CERT_SIGN, N_("certificate signing"), "keyCertSign" },
		{ KU_CRL_SIGN, N_("CRL signing"), "cRLSign" },
	}, eku[] = {
		{ XKU_SSL_CLIENT, N_("client authentication"), "clientAuth" },
		{ XKU_SSL_SERVER, N_("server authentication"), "serverAuth" },
		{ XKU_SMIME, N_("email protection"), "emailProtection" },
		{ XKU_CODE_SIGN, N_("code signing"), "codeSigning" },
		{ XKU_TIMESTAMP, N_("time stamping"), "timeStamping" },
		{ XKU_OCSP_SIGN, N_("OCSP signing"), "OCSPSigning" },
	};
	uint32_t kbits = X509_get_key_usage (cert);
	if (kbits != UINT32_MAX) {
		for (size_t i = 0; i < sizeof ku / sizeof ku[0]; i++) {
			if (kbits & ku[i].bit) {
				append_name (x->key_usage, sizeof x->key_usage, _ (ku[i].name));
				x->ku_names[x->n_ku++] = ku[i].json;
			}
		}
	}
	uint32_t ebits = X509_get_extended_key_usage (cert);
	if (ebits != UINT32_MAX) {
		for (size_t i = 0; i < sizeof eku / sizeof eku[0]; i++) {
			if (ebits & eku[i].bit) {
				append_name (x->ext_key_usage, sizeof x->ext_key_usage,
					     _ (eku[i].name));
				x->eku_names[x->n_eku++] = eku[i].json;
			}
		}
	}
	X509_free (cert);
}

static const char *
kind_text (const hkp11_ecert *e)
{
	switch (e->kind) {
	case HKP11_ECERT_PERSONAL:
		return _ ("Personal");
	case HKP11_ECERT_MINOR:
		return _ ("Personal (minor)");
	case HKP11_ECERT_ORGANISATIONAL:
		return _ ("Organisational");
	case HKP11_ECERT_ENCIPHERMENT:
		return _ ("Encipherment");
	case HKP11_ECERT_SERVER:
		return _ ("Server");
	case HKP11_ECERT_OTHER:
		return _ ("Hongkong Post, of a kind not known here");
	case HKP11_ECERT_NONE:
		break;
	}
	return _ ("not a Hongkong Post e-Cert");
}

static const char *
kind_json (hkp11_ecert_kind k)
{
	static const char *const names[] = { "none",         "personal", "minor", "organisational",
					     "encipherment", "server",   "other" };
	return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "other";
}

static void
hex (const unsigned char *p, size_t n, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf (buf + 2 * i, len - 2 * i, "%02x", p[i]);
}

/* ---- PKCS#11 URIs (RFC 7512) ------------------------------------------------------ */

/* Appends ";" (unless first) "key=" and value, percent-encoded but for
 * the characters that read well and need no quoting in a shell. */
static void
uri_attr (char *buf, size_t len, const char *key, const unsigned char *value, size_t n,
	  bool all_hex)
{
	static const char plain[] = "-._~(),";
	size_t used = strlen (buf);
	used += (size_t)snprintf (buf + used, len - used,
				  "%s%s=", used > 0 && buf[used - 1] == ':' ? "" : ";", key);
	if (used >= len) {
		buf[len - 1] = '\0';
		return;
	}
	for (size_t i = 0; i < n && used + 4 < len; i++) {
		unsigned char ch = value[i];
		if (!all_hex && ch < 0x80 &&
		    ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || (ch != '\0' && strchr (plain, ch) != NULL)))
			buf[used++] = (char)ch;
		else
			used += (size_t)snprintf (buf + used, len - used, "%%%02X", ch);
		buf[used] = '\0';
	}
}

/* The URI by the labels applications see through hkpost-p11, and the one
 * by the token's serial number and the CKA_ID, which hkpost-p11 leaves as
 * they are: it names the same objects with and without hkpost-p11. */
static void
cert_uris (const cli_token *t, const cli_cert *c, char *by_label, char *by_id, size_t len)
{
	hkp11_strlcpy (by_label, "pkcs11:", len);
	uri_attr (by_label, len, "token", (const unsigned char *)t->label, strlen (t->label),
		  false);
	uri_attr (by_label, len, "object", (const unsigned char *)c->label, strlen (c->label),
		  false);

	by_id[0] = '\0';
	if (c->id_len == 0)
		return;
	hkp11_strlcpy (by_id, "pkcs11:", len);
	if (t->serial[0])
		uri_attr (by_id, len, "serial", (const unsigned char *)t->serial,
			  strlen (t->serial), false);
	else
		uri_attr (by_id, len, "token", (const unsigned char *)t->label, strlen (t->label),
			  false);
	uri_attr (by_id, len, "id", c->id, c->id_len, true);
}

/* ---- output -------------------------------------------------------------------- */

static void
print_cert (const cli_token *t, const cli_cert *c, const cert_extra *x)
{
	const int w = 22;
	const hkp11_ecert *e = &c->info;
	char buf[512];

	if (e->recognised)
		printf (_ ("e-Cert \"%s\" on token \"%s\"\n"), c->label, t->label);
	else
		printf (_ ("Certificate \"%s\" on token \"%s\"\n"), c->label, t->label);
	cli_field (stdout, 2, w, _ ("Holder"), "%s", e->holder);
	if (e->recognised)
		cli_field (stdout, 2, w, _ ("Kind"), _ ("%s e-Cert%s"), kind_text (e),
			   e->trial ? _ (" (trial)") : "");
	else
		cli_field (stdout, 2, w, _ ("Kind"), "%s", kind_text (e));
	if (e->srn[0])
		cli_field (stdout, 2, w, _ ("SRN"), "%s", e->srn);
	if (e->organisation[0])
		cli_field (stdout, 2, w, _ ("Organisation"), "%s", e->organisation);
	cli_field (stdout, 2, w, _ ("Issuer"), "%s", e->issuer);
	cli_field (stdout, 2, w, _ ("Serial number"), "%s", e->serial);
	cli_field (stdout, 2, w, _ ("Valid"), _ ("from %s to %s"), x->not_before, x->not_after);
	if (c->have_days) {
		if (c->days_left < 0)
			cli_field (
				stdout, 2, w, "",
				P_ ("EXPIRED %ld day ago: apply to Hongkong Post for a new e-Cert",
				    "EXPIRED %ld days ago: apply to Hongkong Post for a new e-Cert",
				    -c->days_left),
				-c->days_left);
		else if (c->days_left < CLI_EXPIRY_WARNING_DAYS)
			cli_field (stdout, 2, w, "",
				   P_ ("WARNING: %ld day left: renew it with Hongkong Post now",
				       "WARNING: %ld days left: renew it with Hongkong Post now",
				       c->days_left),
				   c->days_left);
		else
			cli_field (stdout, 2, w, "",
				   P_ ("%ld day left", "%ld days left", c->days_left),
				   c->days_left);
	}
	if (x->ext_key_usage[0])
		snprintf (buf, sizeof buf, _ ("%s; %s"),
			  x->key_usage[0] ? x->key_usage : _ ("not stated"), x->ext_key_usage);
	else
		snprintf (buf, sizeof buf, "%s", x->key_usage[0] ? x->key_usage : _ ("not stated"));
	cli_field (stdout, 2, w, _ ("Key usage"), "%s", buf);
	cli_field (stdout, 2, w, _ ("SHA-256 fingerprint"), "%s", x->fingerprint);
	if (e->recognised)
		cli_field (stdout, 2, w, _ ("Mutual recognition"), "%s",
			   e->mutual_recognition
				   ? _ ("yes: recognised in Guangdong under the mutual-recognition "
					"arrangement")
				   : _ ("no"));
	cli_field (stdout, 2, w, _ ("Label"), "%s", c->label);
	if (c->have_original)
		cli_field (stdout, 2, w, _ ("Label on the token"), "%s",
			   c->original_label[0] ? c->original_label : _ ("(none)"));
	hex (c->id, c->id_len, buf, sizeof buf);
	cli_field (stdout, 2, w, _ ("ID"), "%s", buf[0] ? buf : _ ("(none)"));
	char by_label[1024], by_id[1024];
	cert_uris (t, c, by_label, by_id, sizeof by_label);
	cli_field (stdout, 2, w, _ ("PKCS#11 URI"), "%s", by_label);
	if (by_id[0])
		cli_field (stdout, 2, w, _ ("URI by ID"), _ ("%s (also without hkpost-p11)"),
			   by_id);
}

static void
json_cert (cli_json *j, const cli_token *t, const cli_cert *c, const cert_extra *x)
{
	const hkp11_ecert *e = &c->info;
	char buf[512], by_label[1024], by_id[1024];

	cli_json_object (j, NULL);
	cli_json_string (j, "label", c->label);
	cli_json_string (j, "original_label", c->have_original ? c->original_label : NULL);
	hex (c->id, c->id_len, buf, sizeof buf);
	cli_json_string (j, "id", buf);
	cert_uris (t, c, by_label, by_id, sizeof by_label);
	cli_json_string (j, "uri", by_label);
	cli_json_string (j, "uri_by_id", by_id[0] ? by_id : NULL);
	cli_json_bool (j, "hkpost", e->recognised);
	cli_json_string (j, "kind", kind_json (e->kind));
	cli_json_string (j, "kind_text", e->kind_text);
	cli_json_bool (j, "trial", e->trial);
	cli_json_string (j, "holder", e->holder);
	cli_json_string (j, "srn", e->srn[0] ? e->srn : NULL);
	cli_json_string (j, "organisation", e->organisation[0] ? e->organisation : NULL);
	cli_json_string (j, "issuer", e->issuer);
	cli_json_string (j, "serial", e->serial);
	cli_json_string (j, "not_before", x->not_before_iso);
	cli_json_string (j, "not_after", x->not_after_iso);
	if (c->have_days)
		cli_json_int (j, "days_left", c->days_left);
	else
		cli_json_null (j, "days_left");
	cli_json_bool (j, "expired", c->have_days && c->days_left < 0);
	cli_json_bool (j, "expires_soon",
		       c->have_days && c->days_left >= 0 && c->days_left < CLI_EXPIRY_WARNING_DAYS);
	cli_json_array (j, "key_usage");
	for (size_t i = 0; i < x->n_ku; i++)
		cli_json_string (j, NULL, x->ku_names[i]);
	cli_json_end_array (j);
	cli_json_array (j, "extended_key_usage");
	for (size_t i = 0; i < x->n_eku; i++)
		cli_json_string (j, NULL, x->eku_names[i]);
	cli_json_end_array (j);
	cli_json_string (j, "sha256", x->fingerprint);
	cli_json_bool (j, "mutual_recognition", e->mutual_recognition);
	cli_json_end_object (j);
}

static bool
label_wanted (const cli_cert *c, const char *want, bool all)
{
	if (want == NULL)
		return all || c->info.recognised;
	return strcasestr (c->label, want) != NULL ||
	       (c->have_original && strcasestr (c->original_label, want) != NULL);
}

int
cli_show_main (const cli_globals *g, int argc, char **argv)
{
	const char *want = NULL, *token = NULL;
	bool all = false, json = false;
	cli_settings s;
	cli_module m;
	cli_token *tokens = NULL;
	size_t n_tokens = 0, shown = 0, present = 0, others = 0;
	slot_certs *orig = NULL;
	size_t n_orig = 0;
	char why[2048];
	cli_json j;
	int status;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp (argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp (argv[i], "--token") == 0 && i + 1 < argc) {
			token = argv[++i];
		} else if (argv[i][0] != '-' && want == NULL) {
			want = argv[i];
		} else {
			cli_error (_ ("Run 'hkpost-p11 show --help'."), _ ("unknown argument '%s'"),
				   argv[i]);
			return CLI_USAGE;
		}
	}
	if (!cli_settings_load (&s, why, sizeof why)) {
		cli_error (_ ("Correct the configuration file."), "%s", why);
		return CLI_SETUP;
	}
	if (s.labels->mode != HKP11_LABELS_OFF)
		read_original_labels (g, &orig, &n_orig);

	cli_module_locate (&m, g->module_option);
	status = cli_module_open (&m, NULL, false);
	if (status == CLI_OK)
		status = cli_tokens_list (&m, &s, &tokens, &n_tokens);
	if (status == CLI_OK)
		status = cli_tokens_need_library (&s, n_tokens);
	if (status != CLI_OK)
		goto out;

	if (json) {
		cli_json_init (&j, stdout);
		cli_json_object (&j, NULL);
		cli_json_array (&j, "tokens");
	}
	for (size_t i = 0; i < n_tokens; i++) {
		cli_token *t = &tokens[i];
		cli_cert *certs = NULL;
		size_t n = 0;
		if (!t->present || !t->initialized)
			continue;
		if (token != NULL && strcmp (t->label, token) != 0 &&
		    strcmp (t->serial, token) != 0 &&
		    !(strncmp (t->label, token, strlen (token)) == 0 &&
		      strncmp (t->label + strlen (token), " (", 2) == 0))
			continue;
		present++;
		CK_RV rv = cli_certs_read (m.f, t->slot, &certs, &n);
		if (rv != CKR_OK)
			cli_warning (_ ("cannot read the certificates of token '%s' (0x%08lx)"),
				     t->label, (unsigned long)rv);
		if (json) {
			cli_json_object (&j, NULL);
			cli_json_int (&j, "slot", (long long)t->slot);
			cli_json_string (&j, "label", t->label);
			cli_json_string (&j, "serial", t->serial);
			cli_json_array (&j, "certificates");
		}
		for (size_t c = 0; c < n; c++) {
			cert_extra x;
			if (orig != NULL)
				match_original (&certs[c], t->slot, orig, n_orig);
			if (!label_wanted (&certs[c], want, all)) {
				others++;
				continue;
			}
			read_extra (&certs[c], &x);
			if (json) {
				json_cert (&j, t, &certs[c], &x);
			} else {
				if (shown > 0)
					putchar ('\n');
				print_cert (t, &certs[c], &x);
			}
			shown++;
		}
		if (json) {
			cli_json_end_array (&j);
			cli_json_end_object (&j);
		}
		cli_certs_free (certs, n);
	}
	if (json) {
		cli_json_end_array (&j);
		cli_json_end_object (&j);
		cli_json_finish (&j);
	}

	if (present == 0) {
		if (token != NULL)
			cli_error (_ ("Run 'hkpost-p11 status' to see the tokens."),
				   _ ("no token has the label or serial number '%s'"), token);
		else
			cli_error (_ ("Insert the e-Cert token and try again."),
				   _ ("no token is inserted"));
		status = CLI_NO_TOKEN;
	} else if (shown == 0) {
		if (want != NULL)
			cli_error (_ ("Run 'hkpost-p11 show --all' to see every certificate and "
				      "its label."),
				   _ ("no certificate label contains '%s'"), want);
		else if (others > 0)
			cli_error (_ ("Run 'hkpost-p11 show --all' to see them."),
				   P_ ("no Hongkong Post e-Cert on the token, only %zu other "
				       "certificate",
				       "no Hongkong Post e-Cert on the token, only %zu other "
				       "certificates",
				       others),
				   others);
		else
			cli_error (_ ("Import the e-Cert onto the token with the vendor's "
				      "software, as "
				      "the Hongkong Post guide describes."),
				   _ ("there is no certificate on the token"));
		status = CLI_NO_TOKEN;
	}

out:
	cli_module_close (&m);
	for (size_t i = 0; i < n_orig; i++)
		cli_certs_free (orig[i].certs, orig[i].n);
	free (orig);
	free (tokens);
	cli_settings_free (&s);
	return status;
}
