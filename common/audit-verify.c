/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit-verify.h"
#include "audit-chain.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEX_LEN (2 * HKP11_SHA256_LEN)

typedef struct {
	uint32_t chain;
	uint32_t file;
	uint64_t line;
	uint64_t seq;
	uint64_t order; /* position in the input */
	char hash[HEX_LEN];
	char prev[HEX_LEN];
} record;

typedef struct {
	char **names;
	size_t n, cap;
	/* Open addressing over indexes + 1; 0 is empty. */
	uint32_t *slots;
	size_t n_slots;
} chain_set;

typedef struct {
	const hkp11_audit_verify_options *opts;
	hkp11_audit_verify_result *res;
	const char *const *paths;
	record *recs;
	size_t n, cap;
	chain_set chains;
	bool oom;
} verifier;

static uint64_t
hash_name (const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static bool
chain_set_grow (chain_set *cs)
{
	size_t n_slots = cs->n_slots ? cs->n_slots * 2 : 64;
	uint32_t *slots = calloc (n_slots, sizeof *slots);
	if (slots == NULL)
		return false;
	for (size_t i = 0; i < cs->n; i++) {
		size_t j = hash_name (cs->names[i], strlen (cs->names[i])) & (n_slots - 1);
		while (slots[j])
			j = (j + 1) & (n_slots - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free (cs->slots);
	cs->slots = slots;
	cs->n_slots = n_slots;
	return true;
}

/* The index of a chain name, added when new; -1 when out of memory. */
static long
chain_index (chain_set *cs, const char *name, size_t len)
{
	if ((cs->n + 1) * 2 > cs->n_slots && !chain_set_grow (cs))
		return -1;
	size_t j = hash_name (name, len) & (cs->n_slots - 1);
	while (cs->slots[j]) {
		const char *other = cs->names[cs->slots[j] - 1];
		/* A name read from a file may hold a NUL: other, copied up to it,
		 * is then shorter than len and must not be read at other[len]. */
		if (strnlen (other, len + 1) == len && memcmp (other, name, len) == 0)
			return cs->slots[j] - 1;
		j = (j + 1) & (cs->n_slots - 1);
	}
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		char **names = realloc (cs->names, cap * sizeof *names);
		if (names == NULL)
			return -1;
		cs->names = names;
		cs->cap = cap;
	}
	char *copy = strndup (name, len);
	if (copy == NULL)
		return -1;
	cs->names[cs->n] = copy;
	cs->slots[j] = (uint32_t)cs->n + 1;
	return (long)cs->n++;
}

static bool
is_hex (const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	}
	return true;
}

/* "2024-05-01T10:00:00.123456Z" */
static bool
is_timestamp (const char *p, const char *end)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	if (end - p < (long)sizeof shape - 1)
		return false;
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? !isdigit ((unsigned char)p[i]) : p[i] != shape[i])
			return false;
	}
	return true;
}

static bool
skip_literal (const char **p, const char *end, const char *lit)
{
	size_t n = strlen (lit);
	if ((size_t)(end - *p) < n || memcmp (*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

static bool
parse_seq (const char **p, const char *end, uint64_t *seq)
{
	const char *q = *p;
	uint64_t v = 0;
	while (q < end && isdigit ((unsigned char)*q) && q - *p < 20)
		v = v * 10 + (uint64_t)(*q++ - '0');
	if (q == *p)
		return false;
	*seq = v;
	*p = q;
	return true;
}

/*
 * Finds the chain fields of the record in [start, end): seq, chain name and
 * prev.  Text: "TS seq=N chain=NAME prev=HEX ..."; JSON:
 * {"ts":"TS","seq":N,"chain":"NAME","prev":"HEX",...}.
 */
static bool
parse_chain_fields (const char *start, const char *end, bool json, uint64_t *seq,
		    const char **name, size_t *name_len, const char **prev)
{
	const char *p = start;
	const char *name_end;
	if (json) {
		if (!skip_literal (&p, end, "{\"ts\":\"") || !is_timestamp (p, end))
			return false;
		p += 27;
		if (!skip_literal (&p, end, "\",\"seq\":") || !parse_seq (&p, end, seq) ||
		    !skip_literal (&p, end, ",\"chain\":\""))
			return false;
		*name = p;
		name_end = memchr (p, '"', (size_t)(end - p));
		if (name_end == NULL)
			return false;
		*name_len = (size_t)(name_end - p);
		p = name_end;
		if (!skip_literal (&p, end, "\",\"prev\":\"") || end - p < HEX_LEN + 1 ||
		    !is_hex (p, HEX_LEN) || p[HEX_LEN] != '"')
			return false;
	} else {
		if (!is_timestamp (p, end))
			return false;
		p += 27;
		if (!skip_literal (&p, end, " seq=") || !parse_seq (&p, end, seq) ||
		    !skip_literal (&p, end, " chain="))
			return false;
		*name = p;
		name_end = memchr (p, ' ', (size_t)(end - p));
		if (name_end == NULL)
			return false;
		*name_len = (size_t)(name_end - p);
		p = name_end;
		if (!skip_literal (&p, end, " prev=") || end - p < HEX_LEN || !is_hex (p, HEX_LEN) ||
		    (end - p > HEX_LEN && p[HEX_LEN] != ' '))
			return false;
	}
	*prev = p;
	return *name_len > 0 && *seq > 0;
}

/* Where the record starts in a line: at once, or after a syslog prefix. */
static const char *
find_record (const char *line, const char *end, bool *json)
{
	for (const char *p = line; p < end; p++) {
		if (*p == '{' && end - p > 7 && memcmp (p, "{\"ts\":\"", 7) == 0) {
			*json = true;
			return p;
		}
		if (isdigit ((unsigned char)*p) && is_timestamp (p, end) && end - p > 32 &&
		    memcmp (p + 27, " seq=", 5) == 0) {
			*json = false;
			return p;
		}
	}
	return NULL;
}

static void
report (verifier *v, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
report (verifier *v, const char *fmt, ...)
{
	if (v->opts->out == NULL)
		return;
	va_list ap;
	va_start (ap, fmt);
	vfprintf (v->opts->out, fmt, ap);
	va_end (ap);
	fputc ('\n', v->opts->out);
}

static bool
add_line (verifier *v, uint32_t file, uint64_t line_no, const char *line, size_t len)
{
	const char *end = line + len;
	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end == line)
		return true; /* an empty line is no record and no harm */

	bool json = false;
	uint64_t seq = 0;
	const char *name = NULL, *prev = NULL;
	size_t name_len = 0;
	const char *start = find_record (line, end, &json);
	if (start == NULL ||
	    !parse_chain_fields (start, end, json, &seq, &name, &name_len, &prev) ||
	    (json && end[-1] != '}')) {
		v->res->broken++;
		report (v, "%s:%llu: not a complete audit record", v->paths[file],
			(unsigned long long)line_no);
		return true;
	}

	long chain = chain_index (&v->chains, name, name_len);
	if (chain < 0)
		return false;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		record *recs = realloc (v->recs, cap * sizeof *recs);
		if (recs == NULL)
			return false;
		v->recs = recs;
		v->cap = cap;
	}
	record *r = &v->recs[v->n];
	r->chain = (uint32_t)chain;
	r->file = file;
	r->line = line_no;
	r->seq = seq;
	r->order = v->n;
	memcpy (r->prev, prev, HEX_LEN);
	char hex[HEX_LEN + 1];
	if (!hkp11_sha256_hex (start, (size_t)(end - start), hex))
		return false;
	memcpy (r->hash, hex, HEX_LEN);
	v->n++;
	v->res->records++;
	return true;
}

static int
by_chain_seq (const void *a, const void *b)
{
	const record *x = a, *y = b;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
by_chain_order (const void *a, const void *b)
{
	const record *x = a, *y = b;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

#define WHERE(r) v->paths[(r)->file], (unsigned long long)(r)->line

/* Records of one chain, in input order: anything that comes after a later one. */
static size_t
check_order (verifier *v, const record *r, size_t n, const char *name)
{
	size_t problems = 0;
	const record *latest = NULL;
	for (size_t i = 0; i < n; i++) {
		if (latest && r[i].seq < latest->seq) {
			report (v, "chain %s: seq %llu (%s:%llu) comes after seq %llu (%s:%llu): "
				   "records were reordered",
				name, (unsigned long long)r[i].seq, WHERE (&r[i]),
				(unsigned long long)latest->seq, WHERE (latest));
			v->res->reordered++;
			problems++;
		} else {
			latest = &r[i];
		}
	}
	return problems;
}

/* Records of one chain, by seq: gaps, repeats and broken links. */
static size_t
check_links (verifier *v, const record *r, size_t n, const char *name)
{
	size_t problems = 0;

	if (r[0].seq == 1) {
		/* prev is HEX_LEN digits without a terminator. */
		size_t zeros = 0;
		while (zeros < HEX_LEN && r[0].prev[zeros] == '0')
			zeros++;
		if (zeros < HEX_LEN) {
			report (v, "chain %s: seq 1 (%s:%llu) does not start a chain: it was edited",
				name, WHERE (&r[0]));
			v->res->edited++;
			problems++;
		}
	} else {
		v->res->partial++;
		report (v, "chain %s: starts at seq %llu (%s:%llu): %s", name,
			(unsigned long long)r[0].seq, WHERE (&r[0]),
			v->opts->strict ? "earlier records are missing"
					: "earlier records are in an older file, or missing");
		if (v->opts->strict)
			problems++;
	}

	for (size_t i = 1; i < n; i++) {
		const record *a = &r[i - 1], *b = &r[i];
		if (b->seq == a->seq) {
			report (v, "chain %s: seq %llu appears twice (%s:%llu and %s:%llu)", name,
				(unsigned long long)b->seq, WHERE (a), WHERE (b));
			v->res->duplicated++;
			problems++;
		} else if (b->seq > a->seq + 1) {
			unsigned long long first = a->seq + 1, last = b->seq - 1;
			if (first == last)
				report (v, "chain %s: seq %llu is missing (between %s:%llu and %s:%llu)",
					name, first, WHERE (a), WHERE (b));
			else
				report (v, "chain %s: seq %llu to %llu are missing (between %s:%llu and "
					   "%s:%llu)",
					name, first, last, WHERE (a), WHERE (b));
			v->res->missing += (size_t)(last - first + 1);
			problems++;
		} else if (memcmp (b->prev, a->hash, HEX_LEN) != 0) {
			report (v, "chain %s: seq %llu (%s:%llu) does not match the hash in seq %llu "
				   "(%s:%llu): a record was edited",
				name, (unsigned long long)a->seq, WHERE (a), (unsigned long long)b->seq,
				WHERE (b));
			v->res->edited++;
			problems++;
		}
	}
	return problems;
}

static bool
read_file (verifier *v, uint32_t index)
{
	const char *path = v->paths[index];
	FILE *f = strcmp (path, "-") == 0 ? stdin : fopen (path, "re");
	if (f == NULL) {
		report (v, "%s: cannot read: %s", path, strerror (errno));
		v->res->unreadable++;
		return true;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t line_no = 0;
	bool ok = true;
	while (ok && (len = getline (&line, &cap, f)) >= 0) {
		line_no++;
		v->res->lines++;
		ok = add_line (v, index, line_no, line, (size_t)len);
	}
	if (ok && ferror (f)) {
		report (v, "%s: read error: %s", path, strerror (errno));
		v->res->unreadable++;
	}
	free (line);
	if (f != stdin)
		fclose (f);
	return ok;
}

bool
hkp11_audit_verify_files (const char *const *paths, size_t n_paths,
			  const hkp11_audit_verify_options *opts, hkp11_audit_verify_result *result)
{
	static const hkp11_audit_verify_options defaults = { .out = NULL };
	verifier v = { .opts = opts ? opts : &defaults, .res = result, .paths = paths };
	memset (result, 0, sizeof *result);
	size_t problems = 0;

	for (size_t i = 0; i < n_paths && !v.oom; i++) {
		result->files++;
		if (!read_file (&v, (uint32_t)i))
			v.oom = true;
	}
	if (v.oom) {
		report (&v, "out of memory");
		problems++;
		goto out;
	}

	result->chains = v.chains.n;
	/* First in input order, for reordering; then by seq, for the links. */
	/* qsort's pointer must be valid even for no elements. */
	if (v.n > 0)
		qsort (v.recs, v.n, sizeof *v.recs, by_chain_order);
	for (size_t i = 0; i < v.n;) {
		size_t j = i;
		while (j < v.n && v.recs[j].chain == v.recs[i].chain)
			j++;
		problems += check_order (&v, v.recs + i, j - i, v.chains.names[v.recs[i].chain]);
		i = j;
	}
	if (v.n > 0)
		qsort (v.recs, v.n, sizeof *v.recs, by_chain_seq);
	for (size_t i = 0; i < v.n;) {
		size_t j = i;
		while (j < v.n && v.recs[j].chain == v.recs[i].chain)
			j++;
		const char *name = v.chains.names[v.recs[i].chain];
		size_t found = check_links (&v, v.recs + i, j - i, name);
		if (found == 0 && v.opts->verbose)
			report (&v, "chain %s: %zu records, seq %llu to %llu: intact", name, j - i,
				(unsigned long long)v.recs[i].seq, (unsigned long long)v.recs[j - 1].seq);
		problems += found;
		i = j;
	}
	problems += result->broken + result->unreadable;

	report (&v, "%zu records in %zu chains, %zu files: %s", result->records, result->chains,
		result->files, problems ? "PROBLEMS FOUND" : "all chains intact");
out:
	for (size_t i = 0; i < v.chains.n; i++)
		free (v.chains.names[i]);
	free (v.chains.names);
	free (v.chains.slots);
	free (v.recs);
	return problems == 0;
}
