/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The timed loops.  Each measurement runs in rounds; within a round every
 * module runs once, in an order that rotates from round to round, so that
 * drift (frequency scaling, a neighbour's load) hits every module alike.
 * Each module's iteration count is calibrated so that one round lasts
 * round_ns (0.5 ms), far above the cost of reading the clock.  Every call's return
 * value is checked: a benchmark of failing calls measures nothing.
 */
#include "config.h"
#include "bench.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bench_op_keys[N_OPS] = {
	"sessioninfo", "label",          "find",     "findread", "random",
	"sign",        "mt-sessioninfo", "mt-label", "rss",
};

const char *const bench_op_names[N_OPS] = {
	"one call on an open R/W session, user logged in",
	"one read of CKA_LABEL (256-byte buffer) of the first certificate; through the "
	"labels layer, its friendly label",
	"per cycle: C_FindObjectsInit (CKA_CLASS = certificate), C_FindObjects by 64 until "
	"a short batch, C_FindObjectsFinal",
	"per cycle: the find cycle, then a CKA_LABEL read of every certificate found",
	"32 bytes",
	"per signature: C_SignInit (CKM_RSA_PKCS) and C_Sign of a SHA-256 DigestInfo with "
	"the RSA-2048 key (the null backend returns a fixed pattern)",
	"C_GetSessionInfo, wall time per call",
	"C_GetAttributeValue(CKA_LABEL), wall time per call",
	"peak resident memory (VmHWM)",
};

#define FIND_BATCH 64

/* DigestInfo of SHA-256 over 32 bytes, as NSS hands it to CKM_RSA_PKCS. */
static const CK_BYTE digest_info[51] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
	0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 1,    2,    3,    4,    5,    6,    7,
	8,    9,    10,   11,   12,   13,   14,   15,   16,   17,   18,   19,   20,
	21,   22,   23,   24,   25,   26,   27,   28,   29,   30,   31,   32,
};

unsigned
bench_op_calls (bench_op op, unsigned scale)
{
	unsigned find = 2 + scale / FIND_BATCH + 1;
	switch (op) {
	case OP_FIND:
		return find;
	case OP_FINDREAD:
		return find + scale;
	case OP_SIGN:
		return 2;
	case OP_RSS:
		return 0;
	default:
		return 1;
	}
}

#define CHECK(call, what) \
	do { \
		CK_RV rv_ = (call); \
		if (rv_ != CKR_OK) \
			bench_check (rv_, CKR_OK, what, bench_mod_names[m->id]); \
	} while (0)

/* One find cycle, the way NSS walks a search: batches until one comes back short. */
static CK_ULONG
find_cycle (const bench_module *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *out, CK_ULONG cap)
{
	CK_FUNCTION_LIST_PTR f = m->f;
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &klass, sizeof klass };
	CK_OBJECT_HANDLE batch[FIND_BATCH];
	CK_ULONG total = 0, n;
	CHECK (f->C_FindObjectsInit (s, &tmpl, 1), "C_FindObjectsInit");
	do {
		n = 0;
		CHECK (f->C_FindObjects (s, batch, FIND_BATCH, &n), "C_FindObjects");
		for (CK_ULONG i = 0; i < n && out; i++) {
			if (total + i < cap)
				out[total + i] = batch[i];
		}
		total += n;
	} while (n == FIND_BATCH);
	CHECK (f->C_FindObjectsFinal (s), "C_FindObjectsFinal");
	return total;
}

static void
run_op (bench_op op, bench_module *m, int thread, unsigned scale, uint64_t iters,
	CK_OBJECT_HANDLE *handles)
{
	CK_FUNCTION_LIST_PTR f = m->f;
	CK_SESSION_HANDLE s = m->sess[thread];
	char label[256];
	CK_BYTE buf[512];

	switch (op) {
	case OP_SESSIONINFO:
	case OP_MT_SESSIONINFO: {
		CK_SESSION_INFO info;
		for (uint64_t i = 0; i < iters; i++)
			CHECK (f->C_GetSessionInfo (s, &info), "C_GetSessionInfo");
		break;
	}
	case OP_LABEL:
	case OP_MT_LABEL:
		for (uint64_t i = 0; i < iters; i++) {
			CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof label };
			CHECK (f->C_GetAttributeValue (s, m->cert, &a, 1),
			       "C_GetAttributeValue(CKA_LABEL)");
		}
		break;
	case OP_FIND:
		for (uint64_t i = 0; i < iters; i++) {
			CK_ULONG n = find_cycle (m, s, NULL, 0);
			if (n != scale)
				bench_die ("%s: found %lu certificates, the token holds %u",
					   bench_mod_names[m->id], (unsigned long)n, scale);
		}
		break;
	case OP_FINDREAD:
		for (uint64_t i = 0; i < iters; i++) {
			CK_ULONG n = find_cycle (m, s, handles, scale);
			if (n != scale)
				bench_die ("%s: found %lu certificates, the token holds %u",
					   bench_mod_names[m->id], (unsigned long)n, scale);
			for (CK_ULONG j = 0; j < n; j++) {
				CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof label };
				CHECK (f->C_GetAttributeValue (s, handles[j], &a, 1),
				       "C_GetAttributeValue(CKA_LABEL)");
			}
		}
		break;
	case OP_RANDOM:
		for (uint64_t i = 0; i < iters; i++)
			CHECK (f->C_GenerateRandom (s, buf, 32), "C_GenerateRandom");
		break;
	case OP_SIGN: {
		CK_MECHANISM mech = { CKM_RSA_PKCS, NULL, 0 };
		for (uint64_t i = 0; i < iters; i++) {
			CK_ULONG len = sizeof buf;
			CHECK (f->C_SignInit (s, &mech, m->key), "C_SignInit");
			CHECK (f->C_Sign (s, (CK_BYTE_PTR)digest_info, sizeof digest_info, buf,
					  &len),
			       "C_Sign");
			if (len != 256)
				bench_die ("%s: C_Sign gave %lu bytes, expected 256",
					   bench_mod_names[m->id], (unsigned long)len);
		}
		break;
	}
	default:
		bench_die ("operation %d cannot be timed", (int)op);
	}
}

static uint64_t
time_op (bench_op op, bench_module *m, unsigned scale, uint64_t iters, CK_OBJECT_HANDLE *handles)
{
	uint64_t t0 = bench_now_ns ();
	run_op (op, m, 0, scale, iters, handles);
	uint64_t t = bench_now_ns () - t0;
	m->calls += iters * bench_op_calls (op, scale);
	return t;
}

/* Iterations for one round of target_ns; the runs also warm caches up.
 * *round_ns receives what the last run took. */
static uint64_t
calibrate (bench_op op, bench_module *m, unsigned scale, double target_ns,
	   CK_OBJECT_HANDLE *handles, double *round_ns)
{
	uint64_t iters = 1;
	for (;;) {
		uint64_t t = time_op (op, m, scale, iters, handles);
		*round_ns = (double)t;
		if ((double)t >= target_ns || iters >= (1u << 26))
			break;
		if ((double)t < target_ns / 16)
			iters *= 8;
		else
			iters *= 2;
	}
	return iters;
}

/*
 * Rounds for a measurement: as many as asked, unless a round of all the
 * modules is so long (1,000 certificates on SoftHSM) that they would not
 * fit in the time budget; never fewer than 11.  Short rounds matter more
 * than many: on a busy machine a round that spans a preemption is an
 * outlier, and the median only resists outliers in a minority of rounds.
 */
static unsigned
rounds_for (double round_ns)
{
	unsigned rounds = bench_opt.rounds;
	if (round_ns * rounds > bench_opt.budget_ns) {
		rounds = (unsigned)(bench_opt.budget_ns / round_ns) | 1;
		if (rounds < 11)
			rounds = 11;
		if (rounds > bench_opt.rounds)
			rounds = bench_opt.rounds;
	}
	return rounds;
}

static int
cmp_double (const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static bench_stat
stats (double *v, unsigned n)
{
	bench_stat s = { 0, 0, 0, n > 0 };
	if (n == 0)
		return s;
	qsort (v, n, sizeof *v, cmp_double);
	s.min = v[0];
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	unsigned k = (unsigned)((n * 9 + 9) / 10); /* ceil(0.9 n) */
	s.p90 = v[k ? k - 1 : 0];
	return s;
}

static void
emit_stat (int fd, bench_op op, unsigned scale, const bench_module *m, bench_stat st,
	   uint64_t iters, unsigned rounds)
{
	bench_emit (fd, "R\t%s\t%s\t%u\t%s\t%.2f\t%.2f\t%.2f\t%llu\t%u", bench_backend_name,
		    bench_op_keys[op], scale, bench_mod_keys[m->id], st.min, st.med, st.p90,
		    (unsigned long long)iters, rounds);
}

void
bench_measure (bench_module *mods, bench_op op, unsigned scale, int out_fd)
{
	uint64_t iters[N_MODS] = { 0 };
	double round_ns = 0;
	CK_OBJECT_HANDLE *handles = calloc (scale + FIND_BATCH, sizeof *handles);
	if (handles == NULL)
		bench_die ("out of memory");

	for (int k = 0; k < N_MODS; k++) {
		double t;
		if (!mods[k].usable)
			continue;
		iters[k] = calibrate (op, &mods[k], scale, bench_opt.round_ns, handles, &t);
		round_ns += t;
	}
	unsigned rounds = rounds_for (round_ns);
	double *samples = calloc ((size_t)N_MODS * rounds, sizeof *samples);
	if (samples == NULL)
		bench_die ("out of memory");
	for (unsigned r = 0; r < rounds; r++) {
		for (int j = 0; j < N_MODS; j++) {
			int k = (int)((j + r) % N_MODS);
			if (!mods[k].usable)
				continue;
			uint64_t t = time_op (op, &mods[k], scale, iters[k], handles);
			samples[k * rounds + r] = (double)t / (double)iters[k];
		}
	}
	for (int k = 0; k < N_MODS; k++) {
		if (mods[k].usable)
			emit_stat (out_fd, op, scale, &mods[k],
				   stats (&samples[k * rounds], rounds), iters[k], rounds);
	}
	free (samples);
	free (handles);
}

/* ---- Threads ---------------------------------------------------------- */

typedef struct {
	bench_op op;
	bench_module *m;
	int thread;
	unsigned scale;
	uint64_t iters;
	pthread_barrier_t *start;
	uint64_t t0, t1;
} worker_arg;

static void *
worker (void *p)
{
	worker_arg *a = p;
	pthread_barrier_wait (a->start);
	a->t0 = bench_now_ns ();
	run_op (a->op, a->m, a->thread, a->scale, a->iters, NULL);
	a->t1 = bench_now_ns ();
	return NULL;
}

/* Wall time of n threads each making iters calls on its own session, from
 * the first thread's start to the last one's end: the threads time
 * themselves, since the main thread may be scheduled late. */
static uint64_t
time_threads (bench_op op, bench_module *m, int n, unsigned scale, uint64_t iters)
{
	pthread_t tid[2];
	worker_arg args[2];
	pthread_barrier_t start;
	pthread_barrier_init (&start, NULL, (unsigned)n);
	for (int t = 0; t < n; t++) {
		args[t] = (worker_arg){ op, m, t, scale, iters, &start, 0, 0 };
		if (pthread_create (&tid[t], NULL, worker, &args[t]) != 0)
			bench_die ("cannot start a thread");
	}
	uint64_t first = UINT64_MAX, last = 0;
	for (int t = 0; t < n; t++) {
		pthread_join (tid[t], NULL);
		first = args[t].t0 < first ? args[t].t0 : first;
		last = args[t].t1 > last ? args[t].t1 : last;
	}
	pthread_barrier_destroy (&start);
	return last - first;
}

void
bench_measure_threads (bench_module *mods, bench_op op, unsigned scale, int out_fd)
{
	unsigned rounds = bench_opt.mt_rounds;
	uint64_t iters[N_MODS] = { 0 };
	double *samples = calloc ((size_t)N_MODS * 2 * rounds, sizeof *samples);
	if (samples == NULL)
		bench_die ("out of memory");
	bench_op single = op == OP_MT_LABEL ? OP_LABEL : OP_SESSIONINFO;

	for (int k = 0; k < N_MODS; k++) {
		double t;
		if (mods[k].usable)
			iters[k] = calibrate (single, &mods[k], scale, 8 * bench_opt.round_ns, NULL,
					      &t);
	}
	for (unsigned r = 0; r < rounds; r++) {
		for (int j = 0; j < N_MODS; j++) {
			int k = (int)((j + r) % N_MODS);
			if (!mods[k].usable)
				continue;
			/* Alternate which thread count goes first, too. */
			for (int i = 0; i < 2; i++) {
				int n = ((int)r + i) % 2 + 1;
				uint64_t t = time_threads (op, &mods[k], n, scale, iters[k]);
				samples[(k * 2 + n - 1) * rounds + r] =
					(double)t / (double)(iters[k] * (uint64_t)n);
				mods[k].calls += iters[k] * (uint64_t)n;
			}
		}
	}
	for (int k = 0; k < N_MODS; k++) {
		if (!mods[k].usable)
			continue;
		for (int n = 1; n <= 2; n++)
			emit_stat (out_fd, op, (unsigned)n, &mods[k],
				   stats (&samples[(k * 2 + n - 1) * rounds], rounds), iters[k],
				   rounds);
	}
	free (samples);
}
