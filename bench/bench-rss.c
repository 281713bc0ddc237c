/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11-bench-rss: the peak resident memory of a process that holds
 * every certificate of the benchmark's token through one module.  Run by
 * hkpost-p11-bench, once per module, so that each figure comes from a fresh
 * process.  It does not link OpenSSL: a module that loads it pays for it.
 *
 *   hkpost-p11-bench-rss --module direct|off|defaults|audit|proxy|spy
 *                        --backend null|softhsm --workdir DIR [--hold] [paths...]
 *
 * Without --hold the process only loads and initialises the module and logs
 * in, which shows what the module costs before any object is read.
 *
 * Prints "VmHWM<TAB>KiB", or "skipped<TAB>why" when the module cannot run.
 */
#include "config.h"
#include "bench.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
mod_of (const char *key)
{
	for (int i = 0; i < N_MODS; i++) {
		if (strcmp (bench_mod_keys[i], key) == 0)
			return i;
	}
	return -1;
}

/* Finds every certificate, and reads each one's label and value: twice, so
 * that whatever a module caches is full when the figure is taken. */
static void
hold_certificates (bench_module *under, size_t expected)
{
	const char *name = bench_mod_names[under->id];
	CK_OBJECT_HANDLE *handles = calloc (expected + 64, sizeof *handles);
	static unsigned char value[65536];
	char label[256];
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &klass, sizeof klass };
	if (handles == NULL)
		bench_die ("out of memory");
	for (int pass = 0; pass < 2; pass++) {
		CK_ULONG n = 0, got;
		bench_check (under->f->C_FindObjectsInit (under->sess[0], &tmpl, 1), CKR_OK,
			     "C_FindObjectsInit", name);
		do {
			got = 0;
			bench_check (
				under->f->C_FindObjects (under->sess[0], handles + n, 64, &got),
				CKR_OK, "C_FindObjects", name);
			n += got;
		} while (got == 64 && n <= expected);
		bench_check (under->f->C_FindObjectsFinal (under->sess[0]), CKR_OK,
			     "C_FindObjectsFinal", name);
		if (n != expected)
			bench_die ("%s: found %lu certificates, expected %zu", name,
				   (unsigned long)n, expected);
		for (CK_ULONG i = 0; i < n; i++) {
			CK_ATTRIBUTE a[] = {
				{ CKA_LABEL, label, sizeof label },
				{ CKA_VALUE, value, sizeof value },
			};
			bench_check (
				under->f->C_GetAttributeValue (under->sess[0], handles[i], a, 2),
				CKR_OK, "C_GetAttributeValue", name);
		}
	}
	free (handles);
}

int
main (int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "module", required_argument, NULL, 'M' },
		{ "hold", no_argument, NULL, 'H' },
		BENCH_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static bench_module direct, m;
	bench_backend b = { .name = "null", .is_null = true };
	bench_material material;
	char serial[16] = { 0 };
	char path[PATH_MAX + 64];
	int id = -1, c;
	bool hold = false;

	bench_default_paths ();
	while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'M')
			id = mod_of (optarg);
		else if (c == 'H')
			hold = true;
		else if (!bench_parse_common (c, optarg))
			id = -2;
	}
	if (id < 0 || optind != argc || !bench_opt.workdir[0]) {
		fprintf (stderr, "usage: hkpost-p11-bench-rss --module NAME --backend NAME "
				 "--workdir DIR (run by hkpost-p11-bench)\n");
		return 2;
	}
	if (bench_opt.only_backend && strcmp (bench_opt.only_backend, "softhsm") == 0) {
		b.name = "softhsm";
		b.is_null = false;
	}
	snprintf (b.path, sizeof b.path, "%s",
		  b.is_null ? bench_opt.null_module : bench_opt.softhsm);
	bench_backend_name = b.name;

	snprintf (path, sizeof path, "%s/certs.bin", bench_opt.workdir);
	if (!bench_material_load (&material, path))
		bench_die ("cannot read %s", path);

	bench_module_load (&direct, MOD_DIRECT, &b);
	bench_module_start (&direct, &b, serial);
	if (!direct.usable)
		bench_die ("%s backend: %s", b.name, direct.why);
	/* The null backend keeps its token in memory: fill it again.  SoftHSM's
	 * token on disk still holds what the benchmark put there. */
	if (b.is_null)
		bench_add_certs (direct.f, direct.sess[0], &material, 0, material.n_certs);

	bench_module *under = &direct;
	if (id != MOD_DIRECT) {
		bench_module_load (&m, (bench_mod_id)id, &b);
		bench_module_start (&m, &b, serial);
		if (!m.usable) {
			printf ("skipped\t%s\n", m.why);
			return 0;
		}
		under = &m;
	}
	/* The material read from the file stays allocated: it is the same in
	 * every process, so it cancels out of the differences. */
	if (hold)
		hold_certificates (under, material.n_certs);
	printf ("VmHWM\t%ld\n", bench_vm_hwm_kib ());
	/* No C_Finalize: the figure is taken, and the exit frees everything. */
	return 0;
}
