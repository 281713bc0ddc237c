/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark: what hkpost-p11 costs per PKCS#11 call, measured against the
 * backend called directly and against the nearest tools (p11-kit-proxy,
 * OpenSC's pkcs11-spy), over SoftHSMv2 and over a backend that does nothing.
 */
#ifndef HKP11_BENCH_H
#define HKP11_BENCH_H

#include "p11/p11.h"
#include "rmtree.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The modules under test, in table order. */
typedef enum {
	MOD_DIRECT,
	MOD_SHIM_OFF,
	MOD_SHIM_DEFAULTS,
	MOD_SHIM_AUDIT,
	MOD_PROXY,
	MOD_SPY,
	N_MODS
} bench_mod_id;

extern const char *const bench_mod_names[N_MODS]; /* column headings */
extern const char *const bench_mod_keys[N_MODS];  /* short names for --rss-child */

typedef struct {
	bench_mod_id id;
	char path[PATH_MAX]; /* the file dlopen()ed */
	void *handle;
	CK_FUNCTION_LIST_PTR f;
	bool usable;
	char why[1024];  /* why it is not usable */
	char note[1024]; /* how it was set up, when that needs saying */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE sess[2];  /* one per thread */
	CK_OBJECT_HANDLE cert, key; /* as this module names them */
	uint64_t calls;             /* PKCS#11 calls made through it while measuring */
} bench_module;

typedef struct {
	const char *name; /* "null", "softhsm" */
	char path[PATH_MAX];
	bool is_null;
} bench_backend;

typedef struct {
	bool quick;
	unsigned rounds, mt_rounds;
	double round_ns;
	double budget_ns; /* per measurement, for all modules together */
	unsigned scales[4];
	unsigned n_scales;
	const char *write_md;
	const char *only_backend;
	char shim[PATH_MAX], null_module[PATH_MAX], softhsm[PATH_MAX];
	char spy[PATH_MAX], proxy[PATH_MAX];
	char confdir[PATH_MAX];        /* the configuration templates */
	char workdir[PATH_MAX];        /* scratch, removed at the end */
	char p11kit_configs[PATH_MAX]; /* p11-kit's module config directory */
	char command[256];             /* how to reproduce, for the report */
	char revision[128];            /* the source measured (git describe), or "" */
} bench_options;

extern bench_options bench_opt;

/* ---- Certificates and tokens (bench-certs.c, bench-token.c) ---- */

typedef struct {
	unsigned char *der;
	size_t len;
} bench_blob;

/* A certificate and the attributes a PKCS#12 import derives from it. */
typedef struct {
	bench_blob der, subject, issuer, serial;
} bench_cert;

typedef struct {
	bench_cert *certs;
	size_t n_certs;
	/* RSA-2048 private key parts, big-endian, for C_CreateObject. */
	bench_blob n, e, d, p, q, dp, dq, qinv;
} bench_material;

/* Makes n stand-in Hongkong Post e-Certs sharing one RSA-2048 key
 * (bench-certs.c, the only file that needs OpenSSL). */
void bench_material_make (bench_material *m, size_t n);
/* The certificates only, for the memory-measuring program. */
bool bench_material_save (const bench_material *m, const char *path);
bool bench_material_load (bench_material *m, const char *path);

/* Creates certificates [from, to) as token objects; cert i has CKA_ID i. */
void bench_add_certs (CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const bench_material *m,
		      size_t from, size_t to);
/* Imports the private key with the CKA_ID of certificate 0. */
void bench_add_key (CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const bench_material *m);
/* SoftHSM: a fresh token in a private SOFTHSM2_CONF, set up in a child process. */
void bench_softhsm_token (const char *softhsm, const char *dir);

#define BENCH_SO_PIN "87654321"
#define BENCH_USER_PIN "12345678"

/* ---- Modules (bench-modules.c) ---- */

/* Sets up and loads module id over backend b; on failure sets m->why. */
void bench_module_load (bench_module *m, bench_mod_id id, const bench_backend *b);
/* C_Initialize, slot, sessions, login; on failure sets m->usable false.
 * The slot is the one whose token has this serial; an empty serial (the
 * direct module) takes the first initialised token and fills it in. */
void bench_module_start (bench_module *m, const bench_backend *b, char serial[16]);
/* Finds the certificate and key handles as the module names them. */
void bench_module_find_handles (bench_module *m, const unsigned char *id, size_t id_len,
				bool want_key);
void bench_module_finish (bench_module *m);
/* Removes what the p11-kit set-up wrote outside the work directory. */
void bench_proxy_cleanup (void);

/* ---- Measurement (bench-measure.c) ---- */

typedef enum {
	OP_SESSIONINFO,
	OP_LABEL,
	OP_FIND,
	OP_FINDREAD,
	OP_RANDOM,
	OP_SIGN,
	OP_MT_SESSIONINFO,
	OP_MT_LABEL,
	OP_RSS,
	N_OPS
} bench_op;

extern const char *const bench_op_keys[N_OPS];
extern const char *const bench_op_names[N_OPS];
/* PKCS#11 calls per unit of each measurement (0: depends on scale). */
unsigned bench_op_calls (bench_op op, unsigned scale);

typedef struct {
	double min, med, p90;
	bool valid;
} bench_stat;

/* Measures op on every usable module, rounds interleaved; scale is the number
 * of certificates on the token (find checks it).  Writes result lines. */
void bench_measure (bench_module *mods, bench_op op, unsigned scale, int out_fd);
/* The same for 1 and 2 threads; results as wall-clock ns per call. */
void bench_measure_threads (bench_module *mods, bench_op op, unsigned scale, int out_fd);

/* ---- Helpers (bench-util.c) ---- */

/* The backend being measured, for result lines. */
extern const char *bench_backend_name;

__attribute__ ((noreturn, format (printf, 1, 2))) void bench_die (const char *fmt, ...);
/* Aborts the run when a call did not return what the benchmark expects. */
void bench_check (CK_RV rv, CK_RV expected, const char *what, const char *module);
const char *bench_rv_name (CK_RV rv);
uint64_t bench_now_ns (void);
/* One result or note line to the parent: "R\t..." or "N\t...". */
void bench_emit (int fd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
bool bench_write_file (const char *path, const char *text);
char *bench_read_file (const char *path, size_t *len);
/* VmHWM of this process in KiB, or -1. */
long bench_vm_hwm_kib (void);
/* The options both programs take (getopt_long values). */
enum {
	BENCH_OPT_SHIM = 1000,
	BENCH_OPT_NULL,
	BENCH_OPT_SOFTHSM,
	BENCH_OPT_SPY,
	BENCH_OPT_PROXY,
	BENCH_OPT_CONFDIR,
	BENCH_OPT_WORKDIR,
	BENCH_OPT_P11KIT_CONFIGS,
	BENCH_OPT_BACKEND,
};
#define BENCH_COMMON_OPTIONS \
	{ "shim", required_argument, NULL, BENCH_OPT_SHIM }, \
		{ "null-module", required_argument, NULL, BENCH_OPT_NULL }, \
		{ "softhsm", required_argument, NULL, BENCH_OPT_SOFTHSM }, \
		{ "spy", required_argument, NULL, BENCH_OPT_SPY }, \
		{ "proxy", required_argument, NULL, BENCH_OPT_PROXY }, \
		{ "confdir", required_argument, NULL, BENCH_OPT_CONFDIR }, \
		{ "workdir", required_argument, NULL, BENCH_OPT_WORKDIR }, \
		{ "p11kit-configs", required_argument, NULL, BENCH_OPT_P11KIT_CONFIGS }, \
	{ \
		"backend", required_argument, NULL, BENCH_OPT_BACKEND \
	}
/* Fills in the default paths of the modules, the templates and p11-kit's
 * config directory; call before parsing options. */
void bench_default_paths (void);
/* Takes one of the shared options; false when opt is not one of them. */
bool bench_parse_common (int opt, const char *arg);

#endif
