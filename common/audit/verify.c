/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "audit/verify.h"
#include "audit/parse.h"
#include "audit/chain.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEX_LEN HKP11_AUDIT_PREV_LEN

typedef struct {
	uint32_t chain;
	uint32_t file;
	uint64_t line;
	uint64_t seq;
	uint64_t order; /* position in the input */
	/* Cut short as it was written: there is no hash of the whole line to
	 * compare, and prev may be cut too. */
	bool torn;
	bool has_prev;
	char hash[HEX_LEN];
	char prev[HEX_LEN];
} record;

/* Records of a chain that their writer said it could not write
 * (audit-log-gap): seq first to last. */
typedef struct {
	uint32_t chain;
	uint64_t first, last;
} lost_range;

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
	lost_range *gaps;
	size_t n_gaps, cap_gaps;
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

/* Whether a text record's fields after prev are all there: each one whole,
 * and the identity, kind and event that every record has. */
static bool
text_whole (const char *p, const char *end)
{
	static const hkp11_audit_field always[] = {
		HKP11_AUDIT_F_HOST,    HKP11_AUDIT_F_PID,  HKP11_AUDIT_F_UID,
		HKP11_AUDIT_F_PROGRAM, HKP11_AUDIT_F_KIND, HKP11_AUDIT_F_EVENT,
	};
	unsigned int seen = 0;
	const char *key, *value;
	size_t key_len, value_len;
	hkp11_audit_cursor c;
	int got;
	hkp11_audit_cursor_at (&c, p, end, false);
	while ((got = hkp11_audit_next_field (&c, &key, &key_len, &value, &value_len)) == 1) {
		for (size_t i = 0; i < sizeof always / sizeof always[0]; i++) {
			if (hkp11_audit_key_is (key, key_len, always[i]))
				seen |= 1u << i;
		}
	}
	return got == 0 && seen == (1u << (sizeof always / sizeof always[0])) - 1;
}

/* Whether a JSON record is one whole object: its braces and brackets close
 * exactly at its end, no string left open, and it has an event. */
static bool
json_whole (const char *start, const char *end)
{
	long depth = 0;
	bool in_string = false;
	for (const char *p = start; p < end; p++) {
		if (in_string) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0 && p + 1 != end)
				return false;
		}
	}
	if (depth != 0 || in_string)
		return false;
	/* Every record has an event. */
	char event[32];
	int n = snprintf (event, sizeof event,
			  "\"%s\":", hkp11_audit_field_keys[HKP11_AUDIT_F_EVENT]);
	return memmem (start, (size_t)(end - start), event, (size_t)n) != NULL;
}

/* The field's value among a whole record's fields from p on, with the
 * quotes of a string taken off. */
static bool
field_value (const char *p, const char *end, bool json, hkp11_audit_field field, const char **value,
	     size_t *value_len)
{
	const char *key;
	size_t key_len;
	hkp11_audit_cursor c;
	hkp11_audit_cursor_at (&c, p, end, json);
	while (hkp11_audit_next_field (&c, &key, &key_len, value, value_len) == 1) {
		if (!hkp11_audit_key_is (key, key_len, field))
			continue;
		if (*value_len >= 2 && (*value)[0] == '"') {
			(*value)++;
			*value_len -= 2;
		}
		return true;
	}
	return false;
}

/* A number among a whole record's fields. */
static bool
number_field (const char *p, const char *end, bool json, hkp11_audit_field field, uint64_t *out)
{
	const char *value;
	size_t len;
	return field_value (p, end, json, field, &value, &len) &&
	       hkp11_audit_parse_number (&value, value + len, out);
}

/* Whether a whole record's event is name. */
static bool
event_is (const char *p, const char *end, bool json, const char *name)
{
	const char *value;
	size_t len;
	return field_value (p, end, json, HKP11_AUDIT_F_EVENT, &value, &len) &&
	       len == strlen (name) && memcmp (value, name, len) == 0;
}

static void report (verifier *v, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

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

/* Notes that a writer said it lost records first .. first + count - 1. */
static bool
add_lost_range (verifier *v, uint32_t chain, uint64_t first, uint64_t count)
{
	if (first == 0 || count == 0)
		return true;
	if (v->n_gaps == v->cap_gaps) {
		size_t cap = v->cap_gaps ? v->cap_gaps * 2 : 16;
		lost_range *gaps = realloc (v->gaps, cap * sizeof *gaps);
		if (gaps == NULL)
			return false;
		v->gaps = gaps;
		v->cap_gaps = cap;
	}
	lost_range *g = &v->gaps[v->n_gaps++];
	g->chain = chain;
	g->first = first;
	g->last = count - 1 > UINT64_MAX - first ? UINT64_MAX : first + (count - 1);
	return true;
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
	hkp11_audit_chain_fields f = { 0 };
	const char *start = hkp11_audit_find_record (line, end, &json);
	hkp11_audit_chain_found found =
		start ? hkp11_audit_parse_chain (start, end, json, &f) : HKP11_AUDIT_CHAIN_NONE;
	bool whole = found == HKP11_AUDIT_CHAIN_ALL &&
		     (json ? json_whole (start, end) : text_whole (f.rest, end));

	if (!whole && found == HKP11_AUDIT_CHAIN_NONE) {
		/* A record cut short so early that its chain cannot be told: the
		 * chain it belonged to shows whether anything is missing. */
		if ((start != NULL && hkp11_audit_is_record_start (start, end)) ||
		    (start == NULL && hkp11_audit_is_record_start (line, end))) {
			v->res->torn++;
			report (v,
				"%s:%llu: a record cut short as it was written (disk full, or the "
				"program stopped), too short to tell its chain",
				v->paths[file], (unsigned long long)line_no);
		} else {
			v->res->broken++;
			report (v, "%s:%llu: not a complete audit record", v->paths[file],
				(unsigned long long)line_no);
		}
		return true;
	}

	long chain = chain_index (&v->chains, f.name, f.name_len);
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
	r->seq = f.seq;
	r->order = v->n;
	r->torn = !whole;
	r->has_prev = found == HKP11_AUDIT_CHAIN_ALL;
	if (r->has_prev)
		memcpy (r->prev, f.prev, HEX_LEN);
	if (whole) {
		char hex[HEX_LEN + 1];
		if (!hkp11_sha256_hex (start, (size_t)(end - start), hex))
			return false;
		memcpy (r->hash, hex, HEX_LEN);
		v->res->records++;
		/* The writer's own word on what it could not write. */
		uint64_t first, count;
		if (event_is (f.rest, end, json, "audit-log-gap") &&
		    number_field (f.rest, end, json, HKP11_AUDIT_F_FIRST_LOST_SEQ, &first) &&
		    number_field (f.rest, end, json, HKP11_AUDIT_F_LOST_RECORDS, &count) &&
		    !add_lost_range (v, (uint32_t)chain, first, count))
			return false;
	}
	v->n++;
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
			report (v,
				"chain %s: seq %llu (%s:%llu) comes after seq %llu (%s:%llu): "
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

static int
by_chain_first (const void *a, const void *b)
{
	const lost_range *x = a, *y = b;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Sorts the lost ranges by chain and seq, and merges those that overlap. */
static void
merge_lost_ranges (verifier *v)
{
	if (v->n_gaps == 0)
		return;
	qsort (v->gaps, v->n_gaps, sizeof *v->gaps, by_chain_first);
	size_t out = 0;
	for (size_t i = 1; i < v->n_gaps; i++) {
		lost_range *last = &v->gaps[out];
		const lost_range *g = &v->gaps[i];
		if (g->chain == last->chain &&
		    (g->first <= last->last || g->first - 1 == last->last)) {
			if (g->last > last->last)
				last->last = g->last;
		} else {
			v->gaps[++out] = *g;
		}
	}
	v->n_gaps = out + 1;
}

/* How many of seq first..last the chain's lost ranges g[0..n) cover
 * (sorted, apart). */
static uint64_t
lost_in (const lost_range *g, size_t n, uint64_t first, uint64_t last)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g[mid].last < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t covered = 0;
	for (size_t i = lo; i < n && g[i].first <= last; i++) {
		uint64_t from = g[i].first > first ? g[i].first : first;
		uint64_t to = g[i].last < last ? g[i].last : last;
		covered += to - from + 1;
	}
	return covered;
}

/* Seq first..last of a chain are absent between a and b: lost, when their
 * writer said so, else missing. */
static size_t
check_absent (verifier *v, const record *a, const record *b, const lost_range *g, size_t n_g,
	      const char *name)
{
	unsigned long long first = a->seq + 1, last = b->seq - 1;
	uint64_t lost = lost_in (g, n_g, first, last);
	uint64_t missing = last - first + 1 - lost;
	if (lost > 0) {
		if (first == last)
			report (v,
				"chain %s: seq %llu was not written (disk full, or the file could "
				"not be written), as the log itself says (audit-log-gap)",
				name, first);
		else
			report (v,
				"chain %s: %llu records of seq %llu to %llu were not written (disk "
				"full, or the file could not be written), as the log itself says "
				"(audit-log-gap)",
				name, (unsigned long long)lost, first, last);
		v->res->lost += (size_t)lost;
	}
	if (missing == 0)
		return 0;
	if (first == last)
		report (v, "chain %s: seq %llu is missing (between %s:%llu and %s:%llu)", name,
			first, WHERE (a), WHERE (b));
	else if (lost == 0)
		report (v, "chain %s: seq %llu to %llu are missing (between %s:%llu and %s:%llu)",
			name, first, last, WHERE (a), WHERE (b));
	else
		report (v,
			"chain %s: %llu more records of seq %llu to %llu are missing (between "
			"%s:%llu and %s:%llu)",
			name, (unsigned long long)missing, first, last, WHERE (a), WHERE (b));
	v->res->missing += (size_t)missing;
	return 1;
}

/* A record cut short as it was written is no sign of an edit where its
 * writer said it lost it, or where nothing of its chain follows (the
 * program stopped, or the disk was full until it ended).  Otherwise its
 * line was cut afterwards. */
static size_t
check_torn (verifier *v, const record *r, bool last, const lost_range *g, size_t n_g,
	    const char *name)
{
	if (last || lost_in (g, n_g, r->seq, r->seq) > 0) {
		report (v,
			"chain %s: seq %llu (%s:%llu) was cut short as it was written (disk "
			"full, or the program stopped): a torn write, not an edit",
			name, (unsigned long long)r->seq, WHERE (r));
		v->res->torn++;
		return 0;
	}
	report (v,
		"chain %s: seq %llu (%s:%llu) is cut short, and records of its chain follow "
		"that do not say it was lost: it was edited",
		name, (unsigned long long)r->seq, WHERE (r));
	v->res->edited++;
	return 1;
}

/* Records of one chain, by seq: gaps, repeats, broken links and records
 * cut short; g[0..n_g) are the chain's lost ranges. */
static size_t
check_links (verifier *v, const record *r, size_t n, const lost_range *g, size_t n_g,
	     const char *name)
{
	size_t problems = 0;

	if (r[0].seq == 1) {
		/* prev is HEX_LEN digits without a terminator. */
		size_t zeros = 0;
		while (r[0].has_prev && zeros < HEX_LEN && r[0].prev[zeros] == '0')
			zeros++;
		if (r[0].has_prev && zeros < HEX_LEN) {
			report (v,
				"chain %s: seq 1 (%s:%llu) does not start a chain: it was edited",
				name, WHERE (&r[0]));
			v->res->edited++;
			problems++;
		}
	} else if (lost_in (g, n_g, 1, r[0].seq - 1) == r[0].seq - 1) {
		/* Its first records were never written, as its writer said. */
		report (v,
			"chain %s: seq 1 to %llu were not written (disk full, or the file could "
			"not be written), as the log itself says (audit-log-gap)",
			name, (unsigned long long)r[0].seq - 1);
		v->res->lost += (size_t)(r[0].seq - 1);
	} else {
		v->res->partial++;
		report (v, "chain %s: starts at seq %llu (%s:%llu): %s", name,
			(unsigned long long)r[0].seq, WHERE (&r[0]),
			v->opts->strict ? "earlier records are missing"
					: "earlier records are in an older file, or missing");
		if (v->opts->strict)
			problems++;
	}

	for (size_t i = 0; i < n; i++) {
		if (r[i].torn)
			problems += check_torn (v, &r[i], i + 1 == n, g, n_g, name);
	}
	for (size_t i = 1; i < n; i++) {
		const record *a = &r[i - 1], *b = &r[i];
		if (b->seq == a->seq) {
			report (v, "chain %s: seq %llu appears twice (%s:%llu and %s:%llu)", name,
				(unsigned long long)b->seq, WHERE (a), WHERE (b));
			v->res->duplicated++;
			problems++;
		} else if (b->seq > a->seq + 1) {
			problems += check_absent (v, a, b, g, n_g, name);
		} else if (!a->torn && b->has_prev && memcmp (b->prev, a->hash, HEX_LEN) != 0) {
			/* A text record cut between two fields looks whole: its
			 * writer's word tells it from an edit. */
			if (lost_in (g, n_g, a->seq, a->seq) > 0) {
				report (v,
					"chain %s: seq %llu (%s:%llu) was cut short as it was "
					"written (disk full, or the program stopped): a torn "
					"write, not an edit",
					name, (unsigned long long)a->seq, WHERE (a));
				v->res->torn++;
			} else {
				report (v,
					"chain %s: seq %llu (%s:%llu) does not match the hash in "
					"seq %llu (%s:%llu): a record was edited",
					name, (unsigned long long)a->seq, WHERE (a),
					(unsigned long long)b->seq, WHERE (b));
				v->res->edited++;
				problems++;
			}
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
	merge_lost_ranges (&v);
	size_t gap = 0;
	for (size_t i = 0; i < v.n;) {
		size_t j = i;
		uint32_t chain = v.recs[i].chain;
		while (j < v.n && v.recs[j].chain == chain)
			j++;
		/* The chain's lost ranges: both lists are sorted by chain. */
		while (gap < v.n_gaps && v.gaps[gap].chain < chain)
			gap++;
		size_t gap_end = gap;
		while (gap_end < v.n_gaps && v.gaps[gap_end].chain == chain)
			gap_end++;
		const char *name = v.chains.names[chain];
		size_t losses = result->torn + result->lost;
		/* No pointer arithmetic on NULL when no writer reported a gap. */
		const lost_range *gaps = v.n_gaps > 0 ? v.gaps + gap : NULL;
		size_t found = check_links (&v, v.recs + i, j - i, gaps, gap_end - gap, name);
		if (found == 0 && result->torn + result->lost == losses && v.opts->verbose)
			report (&v, "chain %s: %zu records, seq %llu to %llu: intact", name, j - i,
				(unsigned long long)v.recs[i].seq,
				(unsigned long long)v.recs[j - 1].seq);
		problems += found;
		i = j;
	}
	problems += result->broken + result->unreadable;

	const char *verdict = "all chains intact";
	if (problems > 0)
		verdict = "PROBLEMS FOUND";
	else if (result->torn + result->lost > 0)
		verdict = "no sign of tampering, but records were lost as they were written";
	report (&v, "%zu records in %zu chains, %zu files: %s", result->records, result->chains,
		result->files, verdict);
out:
	for (size_t i = 0; i < v.chains.n; i++)
		free (v.chains.names[i]);
	free (v.chains.names);
	free (v.chains.slots);
	free (v.recs);
	free (v.gaps);
	return problems == 0;
}
