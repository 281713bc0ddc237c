/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11-bench: runs every measurement over each backend in a child
 * process of its own (p11-kit-proxy and pkcs11-spy can be pointed at one
 * backend per process only), collects their result lines, measures peak
 * memory in fresh processes, and prints the tables; with --write it puts
 * them into BENCHMARKS.md between markers, leaving the rest of the file alone.
 *
 *   bench/hkpost-p11-bench [--quick] [--rounds N] [--round-ms MS]
 *                          [--backend null|softhsm] [--write FILE]
 */
#include "config.h"
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_BUILDDIR
#error "BENCH_BUILDDIR must name the build tree"
#endif

/* ---- Results, as the parent collects them -------------------------------- */

typedef struct {
	char backend[16];
	bench_op op;
	unsigned scale;
	bench_mod_id mod;
	bench_stat st;
	unsigned rounds;
} result;

static result *results;
static size_t n_results, cap_results;
static char notes[64][1200];
static size_t n_notes;
static char skipped[2][N_MODS][1024]; /* per backend */

static const bench_backend *backends_run[2];
static size_t n_backends_run;

static int
backend_index (const char *name)
{
	for (size_t i = 0; i < n_backends_run; i++) {
		if (strcmp (backends_run[i]->name, name) == 0)
			return (int)i;
	}
	return -1;
}

static int
op_of (const char *key)
{
	for (int i = 0; i < N_OPS; i++) {
		if (strcmp (bench_op_keys[i], key) == 0)
			return i;
	}
	return -1;
}

static int
mod_of (const char *key)
{
	for (int i = 0; i < N_MODS; i++) {
		if (strcmp (bench_mod_keys[i], key) == 0)
			return i;
	}
	return -1;
}

static void
add_result (const char *backend, bench_op op, unsigned scale, bench_mod_id mod, bench_stat st,
	    unsigned rounds)
{
	if (n_results == cap_results) {
		cap_results = cap_results ? cap_results * 2 : 128;
		results = realloc (results, cap_results * sizeof *results);
		if (results == NULL)
			bench_die ("out of memory");
	}
	result *r = &results[n_results++];
	snprintf (r->backend, sizeof r->backend, "%s", backend);
	r->op = op;
	r->scale = scale;
	r->mod = mod;
	r->st = st;
	r->rounds = rounds;
}

static const result *
find_result (const char *backend, bench_op op, unsigned scale, bench_mod_id mod)
{
	for (size_t i = 0; i < n_results; i++) {
		const result *r = &results[i];
		if (r->op == op && r->scale == scale && r->mod == mod &&
		    strcmp (r->backend, backend) == 0)
			return r;
	}
	return NULL;
}

static void
add_note (const char *fmt, ...)
{
	if (n_notes >= sizeof notes / sizeof notes[0])
		return;
	va_list ap;
	va_start (ap, fmt);
	vsnprintf (notes[n_notes++], sizeof notes[0], fmt, ap);
	va_end (ap);
}

/* Parses one line a backend child wrote. */
static void
take_line (char *line)
{
	char *field[12];
	int n = 0;
	for (char *save = NULL, *p = strtok_r (line, "\t", &save); p && n < 12;
	     p = strtok_r (NULL, "\t", &save))
		field[n++] = p;
	if (n >= 10 && strcmp (field[0], "R") == 0) {
		int op = op_of (field[2]), mod = mod_of (field[4]);
		if (op < 0 || mod < 0)
			bench_die ("bad result line from a child");
		bench_stat st = { strtod (field[5], NULL), strtod (field[6], NULL),
				  strtod (field[7], NULL), true };
		add_result (field[1], (bench_op)op, (unsigned)strtoul (field[3], NULL, 10),
			    (bench_mod_id)mod, st, (unsigned)strtoul (field[9], NULL, 10));
	} else if (n >= 4 && strcmp (field[0], "S") == 0) {
		int b = backend_index (field[1]), mod = mod_of (field[2]);
		if (b >= 0 && mod >= 0)
			snprintf (skipped[b][mod], sizeof skipped[b][mod], "%s", field[3]);
	} else if (n >= 3 && strcmp (field[0], "N") == 0) {
		add_note ("%s: %s", field[1], field[2]);
	}
}

/* ---- One backend, in its own process ------------------------------------- */

static bench_material material;

static void
count_lines (const char *path, uint64_t *lines, uint64_t *bytes)
{
	*lines = *bytes = 0;
	FILE *f = fopen (path, "rb");
	if (f == NULL)
		return;
	char buf[65536];
	size_t got;
	while ((got = fread (buf, 1, sizeof buf, f)) > 0) {
		*bytes += got;
		for (size_t i = 0; i < got; i++)
			*lines += buf[i] == '\n';
	}
	fclose (f);
}

/* Length of a blank-padded PKCS#11 text field without its padding. */
static int
unpadded (const CK_UTF8CHAR *s, int len)
{
	while (len > 0 && s[len - 1] == ' ')
		len--;
	return len;
}

static void
emit_library_info (int fd, const bench_module *m)
{
	CK_INFO info;
	if (!m->usable || m->f->C_GetInfo (&info) != CKR_OK)
		return;
	bench_emit (fd, "N\t%s\t%s: C_GetInfo says \"%.*s\", \"%.*s\", version %u.%u",
		    bench_backend_name, bench_mod_names[m->id], unpadded (info.manufacturerID, 32),
		    info.manufacturerID, unpadded (info.libraryDescription, 32),
		    info.libraryDescription, info.libraryVersion.major, info.libraryVersion.minor);
}

/* Lines written to the logs of audit:calls and of pkcs11-spy so far. */
static uint64_t log_lines[2], log_bytes[2];

/*
 * Counts what the logging modules wrote, then empties their files.  Both
 * append (the writes land at the new end), and a log emptied within seconds
 * never reaches the disk: otherwise gigabytes of writeback would run in the
 * background while the next modules are measured.  Each call still pays its
 * write() into the page cache.
 */
static void
drain_logs (const bench_backend *b)
{
	static const char *const names[2] = { "audit", "spy" };
	static const char *const suffixes[2] = { "jsonl", "log" };
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX + 64];
		uint64_t lines, bytes;
		snprintf (path, sizeof path, "%s/%s-%s.%s", bench_opt.workdir, names[i], b->name,
			  suffixes[i]);
		count_lines (path, &lines, &bytes);
		log_lines[i] += lines;
		log_bytes[i] += bytes;
		if (bytes > 0 && truncate (path, 0) != 0)
			bench_die ("cannot empty %s: %s", path, strerror (errno));
	}
}

static void
measure (bench_module *mods, const bench_backend *b, bench_op op, unsigned scale, int fd)
{
	if (op == OP_MT_SESSIONINFO || op == OP_MT_LABEL)
		bench_measure_threads (mods, op, scale, fd);
	else
		bench_measure (mods, op, scale, fd);
	drain_logs (b);
}

static void
run_backend (const bench_backend *b, int fd)
{
	static bench_module mods[N_MODS];
	unsigned max_scale = bench_opt.scales[bench_opt.n_scales - 1];
	char serial[16] = { 0 };
	unsigned char id0[2] = { 0, 0 };
	bench_backend_name = b->name;

	for (int k = 0; k < N_MODS; k++)
		bench_module_load (&mods[k], (bench_mod_id)k, b);
	if (!mods[MOD_DIRECT].usable)
		bench_die ("cannot load the %s backend %s: %s", b->name, b->path,
			   mods[MOD_DIRECT].why);

	/* The direct module first: it finds the token and fills it. */
	bench_module_start (&mods[MOD_DIRECT], b, serial);
	if (!mods[MOD_DIRECT].usable)
		bench_die ("%s backend: %s", b->name, mods[MOD_DIRECT].why);
	bench_add_key (mods[MOD_DIRECT].f, mods[MOD_DIRECT].sess[0], &material);
	bench_add_certs (mods[MOD_DIRECT].f, mods[MOD_DIRECT].sess[0], &material, 0,
			 bench_opt.scales[0]);

	for (int k = 1; k < N_MODS; k++)
		bench_module_start (&mods[k], b, serial);
	for (int k = 0; k < N_MODS; k++) {
		bench_module_find_handles (&mods[k], id0, sizeof id0, true);
		if (!mods[k].usable)
			bench_emit (fd, "S\t%s\t%s\t%s", b->name, bench_mod_keys[k], mods[k].why);
		if (mods[k].note[0])
			bench_emit (fd, "N\t%s\t%s: %s", b->name, bench_mod_names[k], mods[k].note);
	}
	emit_library_info (fd, &mods[MOD_DIRECT]);
	emit_library_info (fd, &mods[MOD_PROXY]);

	for (unsigned i = 0; i < bench_opt.n_scales; i++) {
		unsigned scale = bench_opt.scales[i];
		if (i > 0)
			bench_add_certs (mods[MOD_DIRECT].f, mods[MOD_DIRECT].sess[0], &material,
					 bench_opt.scales[i - 1], scale);
		if (i == 0) {
			measure (mods, b, OP_SESSIONINFO, scale, fd);
			measure (mods, b, OP_RANDOM, scale, fd);
			measure (mods, b, OP_SIGN, scale, fd);
		}
		measure (mods, b, OP_LABEL, scale, fd);
		measure (mods, b, OP_FIND, scale, fd);
		measure (mods, b, OP_FINDREAD, scale, fd);
	}
	if (b->is_null) {
		measure (mods, b, OP_MT_SESSIONINFO, max_scale, fd);
		measure (mods, b, OP_MT_LABEL, max_scale, fd);
	}

	/* Finalising flushes what the audit layer and the spy buffered. */
	for (int k = N_MODS - 1; k >= 0; k--)
		bench_module_finish (&mods[k]);
	drain_logs (b);

	if (mods[MOD_SHIM_AUDIT].usable)
		bench_emit (
			fd,
			"N\t%s\taudit:calls wrote %llu records (%.0f bytes each) for %llu calls "
			"made through it",
			b->name, (unsigned long long)log_lines[0],
			log_lines[0] ? (double)log_bytes[0] / (double)log_lines[0] : 0.0,
			(unsigned long long)mods[MOD_SHIM_AUDIT].calls);
	if (mods[MOD_SPY].usable)
		bench_emit (
			fd,
			"N\t%s\tpkcs11-spy wrote %llu lines (%.0f bytes per call) for %llu calls",
			b->name, (unsigned long long)log_lines[1],
			mods[MOD_SPY].calls ? (double)log_bytes[1] / (double)mods[MOD_SPY].calls
					    : 0.0,
			(unsigned long long)mods[MOD_SPY].calls);
	if (mods[MOD_SHIM_AUDIT].usable && log_lines[0] < mods[MOD_SHIM_AUDIT].calls)
		bench_emit (fd,
			    "N\t%s\taudit:calls logged fewer records than calls: part of what was "
			    "measured was not audited (audit-skip?)",
			    b->name);
}

/* ---- Peak memory, each in a fresh process -------------------------------- */

/* Runs the memory-measuring program once per module, each in a fresh
 * process that has loaded nothing else. */
static void
measure_rss (const bench_backend *b, const char *prog)
{
	for (int i = 0; i < 2 * N_MODS; i++) {
		int k = i % N_MODS;
		bool hold = i >= N_MODS;
		int pipefd[2];
		if (pipe (pipefd) != 0)
			bench_die ("pipe: %s", strerror (errno));
		pid_t pid = fork ();
		if (pid < 0)
			bench_die ("fork: %s", strerror (errno));
		if (pid == 0) {
			dup2 (pipefd[1], STDOUT_FILENO);
			close (pipefd[0]);
			close (pipefd[1]);
			execl (prog, prog, "--module", bench_mod_keys[k], "--backend", b->name,
			       "--workdir", bench_opt.workdir, "--shim", bench_opt.shim,
			       "--null-module", bench_opt.null_module, "--softhsm",
			       bench_opt.softhsm, "--spy", bench_opt.spy, "--proxy",
			       bench_opt.proxy, "--confdir", bench_opt.confdir, "--p11kit-configs",
			       bench_opt.p11kit_configs, hold ? "--hold" : (char *)NULL,
			       (char *)NULL);
			_exit (127);
		}
		close (pipefd[1]);
		char buf[2048] = "";
		size_t used = 0;
		ssize_t got;
		while (used < sizeof buf - 1 &&
		       (got = read (pipefd[0], buf + used, sizeof buf - 1 - used)) > 0)
			used += (size_t)got;
		buf[used] = '\0';
		close (pipefd[0]);
		int status;
		waitpid (pid, &status, 0);
		if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
			bench_die ("measuring the memory of %s over %s failed", bench_mod_names[k],
				   b->name);
		if (strncmp (buf, "VmHWM\t", 6) == 0) {
			double kib = strtod (buf + 6, NULL);
			bench_stat st = { kib, kib, kib, true };
			add_result (b->name, OP_RSS, hold ? (unsigned)material.n_certs : 0,
				    (bench_mod_id)k, st, 1);
		} else if (hold && strncmp (buf, "skipped\t", 8) == 0) {
			buf[strcspn (buf, "\n")] = '\0';
			add_note ("%s: memory of %s not measured: %s", b->name, bench_mod_names[k],
				  buf + 8);
		}
	}
}

/* ---- The report ----------------------------------------------------------- */

typedef struct {
	char *text;
	size_t len, cap;
} sbuf;

static void out (sbuf *s, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
out (sbuf *s, const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	int n = vsnprintf (NULL, 0, fmt, ap);
	va_end (ap);
	if (n < 0)
		return;
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->len + (size_t)n + 1) * 2;
		s->text = realloc (s->text, s->cap);
		if (s->text == NULL)
			bench_die ("out of memory");
	}
	va_start (ap, fmt);
	vsnprintf (s->text + s->len, s->cap - s->len, fmt, ap);
	va_end (ap);
	s->len += (size_t)n;
}

static void
fmt_ns (char *buf, size_t len, double ns)
{
	if (ns >= 100000)
		snprintf (buf, len, "%.0f µs", ns / 1000);
	else if (ns >= 10000)
		snprintf (buf, len, "%.1f µs", ns / 1000);
	else if (ns >= 100)
		snprintf (buf, len, "%.0f", ns);
	else
		snprintf (buf, len, "%.1f", ns);
}

static void
fmt_delta (char *buf, size_t len, double d)
{
	char v[32];
	fmt_ns (v, sizeof v, d < 0 ? -d : d);
	snprintf (buf, len, "%s%s", d < 0 ? "−" : "+", v);
}

static const bench_op table_ops[] = { OP_SESSIONINFO, OP_LABEL,  OP_FIND,
				      OP_FINDREAD,    OP_RANDOM, OP_SIGN };

static void
table_header (sbuf *s, const char *first)
{
	out (s, "| %s | certs |", first);
	for (int k = 0; k < N_MODS; k++)
		out (s, " %s |", bench_mod_names[k]);
	out (s, "\n|---|---:|");
	for (int k = 0; k < N_MODS; k++)
		out (s, "---:|");
	out (s, "\n");
}

static const char *
short_op (bench_op op)
{
	switch (op) {
	case OP_SESSIONINFO:
		return "C_GetSessionInfo";
	case OP_LABEL:
		return "C_GetAttributeValue(CKA_LABEL)";
	case OP_FIND:
		return "C_FindObjects cycle";
	case OP_FINDREAD:
		return "find + read every label";
	case OP_RANDOM:
		return "C_GenerateRandom(32)";
	case OP_SIGN:
		return "C_SignInit + C_Sign RSA-2048";
	case OP_MT_SESSIONINFO:
		return "C_GetSessionInfo";
	case OP_MT_LABEL:
		return "C_GetAttributeValue(CKA_LABEL)";
	default:
		return bench_op_keys[op];
	}
}

static void
report_backend (sbuf *s, const bench_backend *b, int bi)
{
	char cell[64], d[32];
	out (s, "\n### Backend: %s\n\n",
	     b->is_null ? "null (answers at once; shows each module's own cost)" : "SoftHSMv2");
	out (s, "Median ns per operation; in brackets, the difference from the direct call and "
		"the ratio to it.\n\n");
	table_header (s, "Operation");
	for (size_t t = 0; t < sizeof table_ops / sizeof table_ops[0]; t++) {
		for (unsigned i = 0; i < bench_opt.n_scales; i++) {
			unsigned scale = bench_opt.scales[i];
			const result *direct =
				find_result (b->name, table_ops[t], scale, MOD_DIRECT);
			if (direct == NULL)
				continue;
			out (s, "| %s | %u |", short_op (table_ops[t]), scale);
			for (int k = 0; k < N_MODS; k++) {
				const result *r = find_result (b->name, table_ops[t], scale, k);
				if (r == NULL) {
					out (s, " skipped |");
					continue;
				}
				fmt_ns (cell, sizeof cell, r->st.med);
				if (k == MOD_DIRECT) {
					out (s, " %s |", cell);
					continue;
				}
				fmt_delta (d, sizeof d, r->st.med - direct->st.med);
				out (s, " %s (%s, %.2f×) |", cell, d, r->st.med / direct->st.med);
			}
			out (s, "\n");
		}
	}

	out (s,
	     "\nSpread: min / median / p90 over the rounds, ns per operation.  Up to %u "
	     "rounds; fewer (at least 11) where one round of all the modules took so long "
	     "that a measurement would not fit in about %.1f s.\n\n",
	     bench_opt.rounds, bench_opt.budget_ns / 1e9);
	out (s, "| Operation | certs | rounds |");
	for (int k = 0; k < N_MODS; k++)
		out (s, " %s |", bench_mod_names[k]);
	out (s, "\n|---|---:|---:|");
	for (int k = 0; k < N_MODS; k++)
		out (s, "---:|");
	out (s, "\n");
	for (size_t t = 0; t < sizeof table_ops / sizeof table_ops[0]; t++) {
		for (unsigned i = 0; i < bench_opt.n_scales; i++) {
			unsigned scale = bench_opt.scales[i];
			const result *direct =
				find_result (b->name, table_ops[t], scale, MOD_DIRECT);
			if (direct == NULL)
				continue;
			out (s, "| %s | %u | %u |", short_op (table_ops[t]), scale, direct->rounds);
			for (int k = 0; k < N_MODS; k++) {
				const result *r = find_result (b->name, table_ops[t], scale, k);
				if (r == NULL) {
					out (s, " skipped |");
					continue;
				}
				char a[32], m[32], p[32];
				fmt_ns (a, sizeof a, r->st.min);
				fmt_ns (m, sizeof m, r->st.med);
				fmt_ns (p, sizeof p, r->st.p90);
				out (s, " %s / %s / %s |", a, m, p);
			}
			out (s, "\n");
		}
	}

	if (b->is_null && find_result (b->name, OP_MT_SESSIONINFO, 1, MOD_DIRECT)) {
		out (s,
		     "\nTwo threads against one, each thread on its own session, %u rounds: "
		     "throughput ratio (wall-clock ns per call with 1 → 2 threads, the best "
		     "round of each: what the code allows when the machine has two CPUs free, "
		     "which other work on it cannot fake).  The null backend shares nothing "
		     "between sessions, so the direct column is what the machine allows.\n\n",
		     bench_opt.mt_rounds);
		table_header (s, "Operation");
		for (bench_op op = OP_MT_SESSIONINFO; op <= OP_MT_LABEL; op++) {
			out (s, "| %s | %u |", short_op (op),
			     bench_opt.scales[bench_opt.n_scales - 1]);
			for (int k = 0; k < N_MODS; k++) {
				const result *one = find_result (b->name, op, 1, k);
				const result *two = find_result (b->name, op, 2, k);
				if (one == NULL || two == NULL) {
					out (s, " skipped |");
					continue;
				}
				char x[32], y[32];
				fmt_ns (x, sizeof x, one->st.min);
				fmt_ns (y, sizeof y, two->st.min);
				out (s, " %.2f× (%s → %s) |", one->st.min / two->st.min, x, y);
			}
			out (s, "\n");
		}
	}

	const result *rd = find_result (b->name, OP_RSS, (unsigned)material.n_certs, MOD_DIRECT);
	if (rd != NULL) {
		out (s,
		     "\nPeak resident memory (VmHWM) of a fresh process per module: having "
		     "loaded it, initialised it and logged in; then holding %zu certificates "
		     "(found, every label and value read twice).  In brackets, the difference "
		     "from the direct process.\n\n",
		     material.n_certs);
		out (s, "| Process |");
		for (int k = 0; k < N_MODS; k++)
			out (s, " %s |", bench_mod_names[k]);
		out (s, "\n|---|");
		for (int k = 0; k < N_MODS; k++)
			out (s, "---:|");
		for (int row = 0; row < 2; row++) {
			unsigned sc = row ? (unsigned)material.n_certs : 0;
			const result *base = find_result (b->name, OP_RSS, sc, MOD_DIRECT);
			if (row)
				out (s, "\n| holding %u certificates |", sc);
			else
				out (s, "\n| loaded, nothing read |");
			for (int k = 0; k < N_MODS; k++) {
				const result *r = find_result (b->name, OP_RSS, sc, k);
				if (r == NULL || base == NULL)
					out (s, " skipped |");
				else if (k == MOD_DIRECT)
					out (s, " %.1f MiB |", r->st.med / 1024);
				else
					out (s, " %.1f MiB (%+.2f MiB) |", r->st.med / 1024,
					     (r->st.med - base->st.med) / 1024);
			}
		}
		out (s, "\n");
	}

	bool any = false;
	for (int k = 0; k < N_MODS; k++) {
		if (skipped[bi][k][0]) {
			if (!any)
				out (s, "\nSkipped here:\n\n");
			any = true;
			out (s, "- %s: %s\n", bench_mod_names[k], skipped[bi][k]);
		}
	}
}

/* ---- Targets ---------------------------------------------------------- */

typedef enum { T_MET, T_MISSED, T_UNMEASURED, T_UNDECIDED } verdict;

static const char *
verdict_text (verdict v)
{
	switch (v) {
	case T_MET:
		return "**met**";
	case T_MISSED:
		return "**missed**";
	case T_UNDECIDED:
		return "undecided";
	default:
		return "not measured";
	}
}

static const char *
why_skipped (const char *backend, bench_mod_id mod)
{
	int b = backend_index (backend);
	if (b < 0)
		return "that backend was not run";
	return skipped[b][mod][0] ? skipped[b][mod] : "no result";
}

/* Largest median difference from direct over a set of single calls. */
static bool
worst_overhead (const char *backend, bench_mod_id mod, const bench_op *ops, size_t n, double *worst,
		char *detail, size_t len)
{
	*worst = -1e30;
	detail[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		unsigned scale = bench_opt.scales[0];
		const result *d = find_result (backend, ops[i], scale, MOD_DIRECT);
		const result *r = find_result (backend, ops[i], scale, mod);
		if (d == NULL || r == NULL)
			return false;
		double diff = r->st.med - d->st.med;
		if (diff > *worst)
			*worst = diff;
		char v[32];
		fmt_delta (v, sizeof v, diff);
		snprintf (detail + strlen (detail), len - strlen (detail), "%s%s %s ns",
			  detail[0] ? ", " : "", short_op (ops[i]), v);
	}
	return true;
}

static double
load_average (void)
{
	char *text = bench_read_file ("/proc/loadavg", NULL);
	double load = text ? strtod (text, NULL) : 0;
	free (text);
	return load;
}

static void
target_row (sbuf *s, const char *measure, const char *target, const char *value, verdict v,
	    const char *why)
{
	out (s, "| %s | %s | %s | %s | %s |\n", measure, target, value, verdict_text (v), why);
}

static void
report_targets (sbuf *s)
{
	char value[1024], why[1200];
	double worst;
	static const bench_op forward_ops[] = { OP_SESSIONINFO, OP_RANDOM, OP_LABEL };
	static const bench_op plain_ops[] = { OP_SESSIONINFO, OP_RANDOM };
	const char *ratio_backend = backend_index ("softhsm") >= 0 ? "softhsm" : "null";

	out (s, "\n### Targets\n\n");
	out (s, "Overheads are differences of medians measured in the same run; \"null\" is the "
		"backend that answers at once.\n\n");
	out (s, "| Measure | Target | Measured | Result | Note |\n|---|---|---|---|---|\n");

	/* 1. Every layer off. */
	if (worst_overhead ("null", MOD_SHIM_OFF, forward_ops, 3, &worst, value, sizeof value))
		target_row (s, "Overhead over the null backend, every layer off", "≤ 10 ns/call",
			    value, worst <= 10 ? T_MET : T_MISSED, "worst of the three");
	else
		target_row (s, "Overhead over the null backend, every layer off", "≤ 10 ns/call",
			    "–", T_UNMEASURED, why_skipped ("null", MOD_SHIM_OFF));

	/* 2. Defaults, calls that are not security events. */
	if (worst_overhead ("null", MOD_SHIM_DEFAULTS, plain_ops, 2, &worst, value, sizeof value))
		target_row (s,
			    "Overhead over the null backend, defaults, calls that are not security "
			    "events",
			    "≤ 15 ns/call", value, worst <= 15 ? T_MET : T_MISSED,
			    "label reads are the friendly-label target below");
	else
		target_row (s, "Overhead over the null backend, defaults", "≤ 15 ns/call", "–",
			    T_UNMEASURED, why_skipped ("null", MOD_SHIM_DEFAULTS));

	/* 3. audit: calls. */
	if (worst_overhead ("null", MOD_SHIM_AUDIT, forward_ops, 3, &worst, value, sizeof value))
		target_row (s, "`audit: calls`, JSON to a file (null backend)", "≤ 500 ns/call",
			    value, worst <= 500 ? T_MET : T_MISSED, "worst of the three");
	else
		target_row (s, "`audit: calls`, JSON to a file", "≤ 500 ns/call", "–", T_UNMEASURED,
			    why_skipped ("null", MOD_SHIM_AUDIT));

	/* 4. Repeated friendly-label read. */
	{
		double worst_ratio = 0;
		bool ok = true;
		value[0] = '\0';
		for (unsigned i = 0; i < bench_opt.n_scales; i++) {
			unsigned sc = bench_opt.scales[i];
			const result *d = find_result (ratio_backend, OP_LABEL, sc, MOD_DIRECT);
			const result *r =
				find_result (ratio_backend, OP_LABEL, sc, MOD_SHIM_DEFAULTS);
			if (d == NULL || r == NULL) {
				ok = false;
				break;
			}
			double ratio = r->st.med / d->st.med;
			if (ratio > worst_ratio)
				worst_ratio = ratio;
			snprintf (value + strlen (value), sizeof value - strlen (value),
				  "%s%.2f× at %u", value[0] ? ", " : "", ratio, sc);
		}
		snprintf (why, sizeof why, "defaults over %s, every scale", ratio_backend);
		if (ok)
			target_row (s, "Repeated friendly-label read", "≤ 1.1× direct", value,
				    worst_ratio <= 1.1 ? T_MET : T_MISSED, why);
		else
			target_row (s, "Repeated friendly-label read", "≤ 1.1× direct", "–",
				    T_UNMEASURED, why_skipped (ratio_backend, MOD_SHIM_DEFAULTS));
	}

	/* 5. Find plus read over the most certificates, growing linearly. */
	if (bench_opt.n_scales >= 2) {
		unsigned hi = bench_opt.scales[bench_opt.n_scales - 1];
		unsigned mid = bench_opt.scales[bench_opt.n_scales - 2];
		const result *dh = find_result (ratio_backend, OP_FINDREAD, hi, MOD_DIRECT);
		const result *dm = find_result (ratio_backend, OP_FINDREAD, mid, MOD_DIRECT);
		const result *sh = find_result (ratio_backend, OP_FINDREAD, hi, MOD_SHIM_DEFAULTS);
		const result *sm = find_result (ratio_backend, OP_FINDREAD, mid, MOD_SHIM_DEFAULTS);
		char measure[128];
		snprintf (measure, sizeof measure, "Find plus read over %u certificates", hi);
		if (dh && dm && sh && sm) {
			double ratio = sh->st.med / dh->st.med;
			/* Per-certificate cost at hi against at mid: 1.0 is linear. */
			double grow_s = (sh->st.med / hi) / (sm->st.med / mid);
			double grow_d = (dh->st.med / hi) / (dm->st.med / mid);
			bool linear = grow_s <= grow_d * 1.1 + 0.05;
			snprintf (value, sizeof value,
				  "%.2f× direct; per certificate, %u vs %u: %.2f (direct %.2f)",
				  ratio, hi, mid, grow_s, grow_d);
			snprintf (why, sizeof why,
				  "defaults over %s; linear = per-certificate cost grows no faster "
				  "than direct's (+10%%)",
				  ratio_backend);
			target_row (s, measure, "≤ 1.2× direct, growing linearly", value,
				    ratio <= 1.2 && linear ? T_MET : T_MISSED, why);
		} else {
			target_row (s, measure, "≤ 1.2× direct, growing linearly", "–",
				    T_UNMEASURED, why_skipped (ratio_backend, MOD_SHIM_DEFAULTS));
		}
	}

	/* 6. Two threads. */
	{
		double worst_x = 1e30;
		bool ok = true;
		value[0] = '\0';
		for (int k = MOD_SHIM_OFF; k <= MOD_SHIM_DEFAULTS; k++) {
			for (bench_op op = OP_MT_SESSIONINFO; op <= OP_MT_LABEL; op++) {
				const result *one = find_result ("null", op, 1, k);
				const result *two = find_result ("null", op, 2, k);
				if (one == NULL || two == NULL) {
					ok = false;
					continue;
				}
				double x = one->st.min / two->st.min;
				if (x < worst_x)
					worst_x = x;
				snprintf (value + strlen (value), sizeof value - strlen (value),
					  "%s%s %s %.2f×", value[0] ? "; " : "",
					  k == MOD_SHIM_OFF ? "off" : "defaults",
					  op == OP_MT_SESSIONINFO ? "session info" : "label", x);
			}
		}
		/* What the machine allowed: the direct calls' own speed-up. */
		double direct_x = 1e30;
		for (bench_op op = OP_MT_SESSIONINFO; op <= OP_MT_LABEL; op++) {
			const result *d1 = find_result ("null", op, 1, MOD_DIRECT);
			const result *d2 = find_result ("null", op, 2, MOD_DIRECT);
			if (d1 && d2 && d1->st.min / d2->st.min < direct_x)
				direct_x = d1->st.min / d2->st.min;
		}
		if (direct_x < 1.8 && worst_x < 0.9 * direct_x)
			snprintf (why, sizeof why,
				  "the machine did not allow 1.8× (direct calls %.2f×, %ld CPUs, "
				  "load "
				  "average %.1f at the end), but hkpost-p11 falls to %.2f×, well "
				  "under "
				  "the direct calls: contention",
				  direct_x, sysconf (_SC_NPROCESSORS_ONLN), load_average (),
				  worst_x);
		else if (direct_x < 1.8)
			snprintf (why, sizeof why,
				  "this run cannot tell: the direct calls reached only %.2f× (%ld "
				  "CPUs, load average %.1f at the end)",
				  direct_x, sysconf (_SC_NPROCESSORS_ONLN), load_average ());
		else
			snprintf (why, sizeof why, "%ld CPUs; the direct calls reach %.2f×",
				  sysconf (_SC_NPROCESSORS_ONLN), direct_x);
		if (worst_x < 1e30)
			target_row (s, "Two threads over the null backend",
				    "≥ 1.8× one thread's throughput", value,
				    ok && worst_x >= 1.8                          ? T_MET
				    : direct_x < 1.8 && worst_x >= 0.9 * direct_x ? T_UNDECIDED
										  : T_MISSED,
				    why);
		else
			target_row (s, "Two threads over the null backend",
				    "≥ 1.8× one thread's throughput", "–", T_UNMEASURED,
				    why_skipped ("null", MOD_SHIM_DEFAULTS));
	}

	/* 7. Memory. */
	{
		double worst_mib = -1e30;
		value[0] = '\0';
		for (size_t i = 0; i < n_backends_run; i++) {
			const char *bn = backends_run[i]->name;
			const result *d =
				find_result (bn, OP_RSS, (unsigned)material.n_certs, MOD_DIRECT);
			const result *r = find_result (bn, OP_RSS, (unsigned)material.n_certs,
						       MOD_SHIM_DEFAULTS);
			if (d == NULL || r == NULL)
				continue;
			double mib = (r->st.med - d->st.med) / 1024;
			if (mib > worst_mib)
				worst_mib = mib;
			snprintf (value + strlen (value), sizeof value - strlen (value),
				  "%s%+.2f MiB over %s", value[0] ? "; " : "", mib, bn);
			const result *d0 = find_result (bn, OP_RSS, 0, MOD_DIRECT);
			const result *r0 = find_result (bn, OP_RSS, 0, MOD_SHIM_DEFAULTS);
			if (d0 && r0)
				snprintf (value + strlen (value), sizeof value - strlen (value),
					  " (%+.2f MiB before any object is read, %+.2f MiB with "
					  "the objects)",
					  (r0->st.med - d0->st.med) / 1024,
					  ((r->st.med - r0->st.med) - (d->st.med - d0->st.med)) /
						  1024);
		}
		char measure[128];
		snprintf (measure, sizeof measure, "Extra resident memory at %zu objects",
			  material.n_certs);
		if (value[0])
			target_row (s, measure, "≤ 2 MiB", value, worst_mib <= 2 ? T_MET : T_MISSED,
				    "defaults, VmHWM");
		else
			target_row (s, measure, "≤ 2 MiB", "–", T_UNMEASURED, "no memory figures");
	}
}

static const char *
fs_name (const char *path)
{
	struct statfs st;
	if (statfs (path, &st) != 0)
		return "unknown file system";
	switch ((unsigned long)st.f_type) {
	case 0xEF53:
		return "ext4";
	case 0x01021994:
		return "tmpfs";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other file system";
	}
}

static void
machine (sbuf *s)
{
	char cpu[256] = "unknown";
	char *info = bench_read_file ("/proc/cpuinfo", NULL);
	const char *p = info ? strstr (info, "model name") : NULL;
	if (p && (p = strchr (p, ':')) != NULL)
		snprintf (cpu, sizeof cpu, "%.*s", (int)strcspn (p + 2, "\n"), p + 2);
	free (info);
	struct utsname u;
	uname (&u);
	time_t now = time (NULL);
	char date[64];
	strftime (date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime (&now));
	out (s, "- Date: %s\n", date);
	out (s, "- Machine: %ld CPUs (nproc), %s, Linux %s, %s\n", sysconf (_SC_NPROCESSORS_ONLN),
	     cpu, u.release, u.machine);
	out (s, "- hkpost-p11: %s%s%s%s\n", bench_opt.shim,
	     bench_opt.revision[0] ? " (source " : "", bench_opt.revision,
	     bench_opt.revision[0] ? ")" : "");
	out (s,
	     "- Run: up to %u rounds of about %.1f ms per module and operation (at least one "
	     "call), modules interleaved and their order rotated each round; threads: %u "
	     "rounds of %.1f ms\n",
	     bench_opt.rounds, bench_opt.round_ns / 1e6, bench_opt.mt_rounds,
	     8 * bench_opt.round_ns / 1e6);
	const char *slash = strrchr (bench_opt.workdir, '/');
	out (s,
	     "- Logs of audit:calls and pkcs11-spy: files in %.*s (%s), emptied after each "
	     "measurement so that they never reach the disk while others are measured\n",
	     slash && slash != bench_opt.workdir ? (int)(slash - bench_opt.workdir) : 1,
	     bench_opt.workdir, fs_name (bench_opt.workdir));
	out (s, "- Load average at the end: %.2f (other work on the machine shows in the spread)\n",
	     load_average ());
	out (s, "- Reproduce: `%s`\n", bench_opt.command);
}

static void
report (sbuf *s)
{
	out (s, "## Results\n\n");
	machine (s);
	out (s, "\nWhat each row measures:\n\n");
	for (size_t t = 0; t < sizeof table_ops / sizeof table_ops[0]; t++)
		out (s, "- %s: %s\n", short_op (table_ops[t]), bench_op_names[table_ops[t]]);
	for (size_t i = 0; i < n_backends_run; i++)
		report_backend (s, backends_run[i], (int)i);
	report_targets (s);
	if (n_notes > 0) {
		out (s, "\n### Notes from the run\n\n");
		for (size_t i = 0; i < n_notes; i++)
			out (s, "- %s\n", notes[i]);
	}
}

#define MARK_BEGIN "<!-- BEGIN generated by make bench -->"
#define MARK_END "<!-- END generated by make bench -->"

/* Replaces what lies between the markers; everything else is kept. */
static void
write_markdown (const char *path, const sbuf *body)
{
	char *old = bench_read_file (path, NULL);
	sbuf doc = { 0 };
	const char *b = old ? strstr (old, MARK_BEGIN) : NULL;
	const char *e = b ? strstr (b, MARK_END) : NULL;
	if (b && e) {
		out (&doc, "%.*s", (int)(b - old), old);
		out (&doc, "%s\n\n%s\n%s", MARK_BEGIN, body->text, e);
	} else {
		out (&doc, "%s", old ? old : "# hkpost-p11 benchmarks\n");
		out (&doc, "\n%s\n\n%s\n%s\n", MARK_BEGIN, body->text, MARK_END);
	}
	char tmp[PATH_MAX + 8];
	snprintf (tmp, sizeof tmp, "%s.tmp", path);
	if (!bench_write_file (tmp, doc.text) || rename (tmp, path) != 0)
		bench_die ("cannot write %s: %s", path, strerror (errno));
	free (old);
	free (doc.text);
}

/* ---- Options ----------------------------------------------------------- */

static pid_t main_pid;
static bool keep_workdir;

/* Forked children exit too: only the process that made the directory removes it. */
static void
remove_workdir (void)
{
	if (getpid () != main_pid || !bench_opt.workdir[0])
		return;
	if (keep_workdir)
		fprintf (stderr, "hkpost-p11-bench: kept %s\n", bench_opt.workdir);
	else
		p11t_rmtree (bench_opt.workdir);
}

static void
usage (int status)
{
	fprintf (status ? stderr : stdout,
		 "usage: hkpost-p11-bench [--quick] [--rounds N] [--round-ms MS] [--budget-s S]\n"
		 "                        [--backend null|softhsm]\n"
		 "                        [--write BENCHMARKS.md] [--keep] [--revision TEXT]\n"
		 "                        [--shim SO] [--null-module SO] [--softhsm SO] [--spy SO] "
		 "[--proxy SO]\n"
		 "                        [--confdir DIR] [--p11kit-configs DIR]\n"
		 "  --quick     a few rounds over 1, 10 and 20 certificates (the smoke test)\n"
		 "  --rounds    rounds per measurement (101); --round-ms: length of a module's\n"
		 "              round (0.5); --budget-s: time one measurement may take (3)\n"
		 "  --write F   also put the tables into F between the generated-part markers\n"
		 "  --keep      keep the scratch directory (logs, configs, tokens)\n");
	exit (status);
}

int
main (int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "round-ms", required_argument, NULL, 'm' },
		{ "budget-s", required_argument, NULL, 'B' },
		{ "revision", required_argument, NULL, 'R' },
		{ "write", required_argument, NULL, 'w' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		BENCH_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	bench_backend all_backends[2] = {
		{ .name = "null", .is_null = true },
		{ .name = "softhsm", .is_null = false },
	};

	bench_opt.rounds = 101;
	bench_opt.mt_rounds = 21;
	bench_opt.round_ns = 5e5;
	bench_opt.budget_ns = 3e9;
	bench_default_paths ();
	snprintf (bench_opt.command, sizeof bench_opt.command, "make bench");

	int c;
	while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			bench_opt.quick = true;
			break;
		case 'r':
			bench_opt.rounds = (unsigned)strtoul (optarg, NULL, 10);
			break;
		case 'm':
			bench_opt.round_ns = strtod (optarg, NULL) * 1e6;
			break;
		case 'R':
			snprintf (bench_opt.revision, sizeof bench_opt.revision, "%s", optarg);
			break;
		case 'B':
			bench_opt.budget_ns = strtod (optarg, NULL) * 1e9;
			break;
		case 'w':
			bench_opt.write_md = optarg;
			break;
		case 'k':
			keep_workdir = true;
			break;
		case 'h':
			usage (0);
			break;
		default:
			if (!bench_parse_common (c, optarg))
				usage (2);
			break;
		}
	}
	if (optind != argc || bench_opt.rounds == 0 || bench_opt.round_ns <= 0 ||
	    bench_opt.budget_ns <= 0)
		usage (2);
	if (bench_opt.quick) {
		bench_opt.rounds = bench_opt.rounds < 5 ? bench_opt.rounds : 5;
		bench_opt.mt_rounds = 3;
		bench_opt.round_ns = bench_opt.round_ns < 2e5 ? bench_opt.round_ns : 2e5;
		bench_opt.budget_ns = 2e8;
		unsigned quick_scales[] = { 1, 10, 20 };
		memcpy (bench_opt.scales, quick_scales, sizeof quick_scales);
		bench_opt.n_scales = 3;
		snprintf (bench_opt.command, sizeof bench_opt.command,
			  "bench/hkpost-p11-bench --quick");
	} else {
		unsigned scales[] = { 1, 100, 1000 };
		memcpy (bench_opt.scales, scales, sizeof scales);
		bench_opt.n_scales = 3;
	}
	snprintf (all_backends[0].path, PATH_MAX, "%s", bench_opt.null_module);
	snprintf (all_backends[1].path, PATH_MAX, "%s", bench_opt.softhsm);

	/* Scratch space, and nothing read from or written to the user's own
	 * configuration or state. */
	const char *tmp = getenv ("TMPDIR");
	snprintf (bench_opt.workdir, PATH_MAX, "%s/hkp11-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp (bench_opt.workdir) == NULL)
		bench_die ("mkdtemp %s: %s", bench_opt.workdir, strerror (errno));
	main_pid = getpid ();
	atexit (remove_workdir);
	char dir[PATH_MAX + 32];
	snprintf (dir, sizeof dir, "%s/state", bench_opt.workdir);
	mkdir (dir, 0700);
	setenv ("XDG_STATE_HOME", dir, 1);
	snprintf (dir, sizeof dir, "%s/config", bench_opt.workdir);
	mkdir (dir, 0700);
	setenv ("XDG_CONFIG_HOME", dir, 1);
	unsetenv ("HKPOST_P11_BACKEND");

	for (int i = 0; i < 2; i++) {
		if (bench_opt.only_backend &&
		    strcmp (bench_opt.only_backend, all_backends[i].name) != 0)
			continue;
		if (access (all_backends[i].path, R_OK) != 0) {
			add_note ("%s: backend %s not found, not measured", all_backends[i].name,
				  all_backends[i].path);
			continue;
		}
		backends_run[n_backends_run++] = &all_backends[i];
	}
	if (n_backends_run == 0)
		bench_die ("no backend to measure");

	/* The memory-measuring program lives next to this one. */
	char rss_prog[PATH_MAX + 32];
	ssize_t n = readlink ("/proc/self/exe", rss_prog, PATH_MAX);
	if (n <= 0)
		bench_die ("cannot find this program: %s", strerror (errno));
	rss_prog[n] = '\0';
	char *slash = strrchr (rss_prog, '/');
	snprintf (slash ? slash + 1 : rss_prog, 32, "hkpost-p11-bench-rss");

	uint64_t started = bench_now_ns ();
	fprintf (stderr, "hkpost-p11-bench: making %u certificates...\n",
		 bench_opt.scales[bench_opt.n_scales - 1]);
	bench_material_make (&material, bench_opt.scales[bench_opt.n_scales - 1]);
	char path[PATH_MAX + 32];
	snprintf (path, sizeof path, "%s/certs.bin", bench_opt.workdir);
	if (!bench_material_save (&material, path))
		bench_die ("cannot write %s", path);

	for (size_t i = 0; i < n_backends_run; i++) {
		const bench_backend *b = backends_run[i];
		fprintf (stderr, "hkpost-p11-bench: measuring over the %s backend...\n", b->name);
		if (!b->is_null) {
			snprintf (dir, sizeof dir, "%s/softhsm", bench_opt.workdir);
			mkdir (dir, 0700);
			bench_softhsm_token (b->path, dir);
		}
		int pipefd[2];
		if (pipe (pipefd) != 0)
			bench_die ("pipe: %s", strerror (errno));
		fflush (NULL);
		pid_t pid = fork ();
		if (pid < 0)
			bench_die ("fork: %s", strerror (errno));
		if (pid == 0) {
			close (pipefd[0]);
			run_backend (b, pipefd[1]);
			close (pipefd[1]);
			exit (0);
		}
		close (pipefd[1]);
		FILE *f = fdopen (pipefd[0], "r");
		char line[4096];
		while (f && fgets (line, sizeof line, f)) {
			line[strcspn (line, "\n")] = '\0';
			take_line (line);
		}
		if (f)
			fclose (f);
		int status;
		waitpid (pid, &status, 0);
		if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
			bench_die ("the run over the %s backend failed (see above)", b->name);
		measure_rss (b, rss_prog);
	}

	sbuf body = { 0 };
	report (&body);
	out (&body, "\nTotal run time: %.0f s.\n", (double)(bench_now_ns () - started) / 1e9);
	fputs (body.text, stdout);
	if (bench_opt.write_md)
		write_markdown (bench_opt.write_md, &body);
	free (body.text);
	return 0;
}
