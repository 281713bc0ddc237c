/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The modules under test, each loaded the way an application loads it.
 *
 * Every module reaches the same backend: dlopen() of one path maps one copy,
 * so the shim, p11-kit-proxy and pkcs11-spy all forward into the instance the
 * benchmark also calls directly.  The three hkpost-p11 configurations are
 * three copies of the module file, since a second dlopen() of the same file
 * would hand back the first, already configured, instance.
 */
#include "config.h"
#include "bench.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const bench_mod_names[N_MODS] = {
	"direct",        "hkpost-p11 off", "hkpost-p11 defaults", "hkpost-p11 audit:calls",
	"p11-kit-proxy", "pkcs11-spy",
};
const char *const bench_mod_keys[N_MODS] = {
	"direct", "off", "defaults", "audit", "proxy", "spy",
};

/* What NSS passes: Firefox is the application the shim is made for. */
static CK_C_INITIALIZE_ARGS init_args = {
	.flags = CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS,
};

static bool
copy_file (const char *from, const char *to)
{
	size_t len;
	char *data = bench_read_file (from, &len);
	if (data == NULL)
		return false;
	int fd = open (to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	bool ok = fd >= 0 && write (fd, data, len) == (ssize_t)len;
	if (fd >= 0 && close (fd) != 0)
		ok = false;
	free (data);
	return ok;
}

static bool
is_dir (const char *path)
{
	struct stat st;
	return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

/* ---- p11-kit-proxy: register only the backend under test ---------------- */

static char etc_module[PATH_MAX];
static bool made_etc_dir, made_etc_modules_dir;

void
bench_proxy_cleanup (void)
{
	if (etc_module[0]) {
		unlink (etc_module);
		etc_module[0] = '\0';
	}
	if (made_etc_modules_dir)
		rmdir ("/etc/pkcs11/modules");
	if (made_etc_dir)
		rmdir ("/etc/pkcs11");
	made_etc_dir = made_etc_modules_dir = false;
}

/*
 * p11-kit reads module configs from fixed directories and, as root, ignores
 * the user's.  As root the benchmark therefore lays its own directory over
 * the system ones in a private mount namespace, which nothing outside this
 * process sees.  When that is not allowed (a container without
 * CAP_SYS_ADMIN) it writes a temporary file in /etc/pkcs11/modules and
 * removes it once the proxy has read it.  Other users get a user config.
 */
static bool
proxy_prepare (const bench_backend *b, char *note, size_t note_len)
{
	char dir[PATH_MAX + 64], file[PATH_MAX + 96], text[PATH_MAX + 64], empty[PATH_MAX + 64];
	snprintf (text, sizeof text, "module: %s\n", b->path);

	if (geteuid () != 0) {
		snprintf (dir, sizeof dir, "%s/xdg-%s", bench_opt.workdir, b->name);
		mkdir (dir, 0700);
		setenv ("XDG_CONFIG_HOME", dir, 1);
		strncat (dir, "/pkcs11", sizeof dir - strlen (dir) - 1);
		mkdir (dir, 0700);
		strncat (dir, "/modules", sizeof dir - strlen (dir) - 1);
		mkdir (dir, 0700);
		snprintf (file, sizeof file, "%s/hkp11-bench.module", dir);
		if (!bench_write_file (file, text))
			return false;
		snprintf (note, note_len,
			  "user module config in $XDG_CONFIG_HOME/pkcs11/modules; the system's "
			  "registered modules are loaded as well");
		return true;
	}

	snprintf (dir, sizeof dir, "%s/p11kit-%s", bench_opt.workdir, b->name);
	snprintf (empty, sizeof empty, "%s/p11kit-empty", bench_opt.workdir);
	mkdir (dir, 0700);
	mkdir (empty, 0700);
	snprintf (file, sizeof file, "%s/hkp11-bench.module", dir);
	if (!bench_write_file (file, text))
		return false;

	int why_not = 0;
	if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount (dir, bench_opt.p11kit_configs, NULL, MS_BIND, NULL) != 0) {
		why_not = errno;
	} else {
		bool ok = true;
		if (is_dir ("/etc/pkcs11/modules"))
			ok = mount (empty, "/etc/pkcs11/modules", NULL, MS_BIND, NULL) == 0;
		if (ok && access ("/etc/pkcs11/pkcs11.conf", F_OK) == 0) {
			char conf[PATH_MAX + 64];
			snprintf (conf, sizeof conf, "%s/pkcs11.conf", empty);
			ok = bench_write_file (conf, "") &&
			     mount (conf, "/etc/pkcs11/pkcs11.conf", NULL, MS_BIND, NULL) == 0;
		}
		if (ok) {
			snprintf (note, note_len,
				  "p11-kit saw only the benchmark's module config (root: laid "
				  "over %s in a private mount namespace)",
				  bench_opt.p11kit_configs);
			return true;
		}
		why_not = errno;
	}

	/* Fallback: a temporary system config, removed after C_Initialize.  Not
	 * in the quick run: under make check -j another test may be reading or
	 * writing /etc/pkcs11 at the same moment. */
	if (bench_opt.quick) {
		snprintf (note, note_len,
			  "no private mount namespace (%s), and the quick run leaves /etc/pkcs11 "
			  "alone",
			  strerror (why_not));
		return false;
	}
	if (!is_dir ("/etc/pkcs11")) {
		if (mkdir ("/etc/pkcs11", 0755) != 0)
			return false;
		made_etc_dir = true;
	}
	if (!is_dir ("/etc/pkcs11/modules")) {
		if (mkdir ("/etc/pkcs11/modules", 0755) != 0)
			return false;
		made_etc_modules_dir = true;
	}
	snprintf (etc_module, sizeof etc_module, "/etc/pkcs11/modules/hkp11-bench-%ld.module",
		  (long)getpid ());
	if (!bench_write_file (etc_module, text))
		return false;
	atexit (bench_proxy_cleanup);
	snprintf (note, note_len,
		  "no private mount namespace (%s): wrote %s for the proxy's C_Initialize and "
		  "removed it; the system's registered modules are loaded as well",
		  strerror (why_not), etc_module);
	return true;
}

/* ---- hkpost-p11: one configuration file per configuration --------------- */

typedef struct {
	char text[512];
	char key[80];
	bool optional; /* "?key: value": leave out when this build lacks the key */
	bool dropped;
} conf_line;

#define MAX_CONF_LINES 64

static char *
replace_all (const char *in, const char *what, const char *with)
{
	size_t n = 0, wl = strlen (what), tl = strlen (with);
	for (const char *p = strstr (in, what); p; p = strstr (p + wl, what))
		n++;
	char *out = malloc (strlen (in) + n * tl + 1);
	if (out == NULL)
		bench_die ("out of memory");
	char *o = out;
	for (const char *p = in;;) {
		const char *hit = strstr (p, what);
		if (hit == NULL) {
			strcpy (o, p);
			break;
		}
		memcpy (o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy (o, with, tl);
		o += tl;
		p = hit + wl;
	}
	return out;
}

static size_t
read_template (const char *name, const bench_backend *b, conf_line *lines)
{
	char path[PATH_MAX + 64];
	snprintf (path, sizeof path, "%s/%s", bench_opt.confdir, name);
	char *raw = bench_read_file (path, NULL);
	if (raw == NULL)
		bench_die ("cannot read the configuration template %s", path);
	char *a = replace_all (raw, "@BACKEND@", b->path);
	char *c = replace_all (a, "@WORKDIR@", bench_opt.workdir);
	char *text = replace_all (c, "@NAME@", b->name);
	free (raw);
	free (a);
	free (c);

	size_t n = 0;
	for (char *save = NULL, *line = strtok_r (text, "\n", &save); line && n < MAX_CONF_LINES;
	     line = strtok_r (NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		conf_line *l = &lines[n++];
		memset (l, 0, sizeof *l);
		l->optional = line[0] == '?';
		snprintf (l->text, sizeof l->text, "%s", line + (l->optional ? 1 : 0));
		size_t klen = strcspn (l->text, ": \t");
		snprintf (l->key, sizeof l->key, "%.*s", (int)klen, l->text);
	}
	free (text);
	return n;
}

/* Calls C_Initialize with stderr caught, so the shim's message can be read. */
static CK_RV
initialize_capturing (bench_module *m, char *msg, size_t msg_len)
{
	char path[PATH_MAX + 64];
	snprintf (path, sizeof path, "%s/stderr-%d", bench_opt.workdir, (int)getpid ());
	fflush (stderr);
	int saved = dup (STDERR_FILENO);
	int fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (saved < 0 || fd < 0)
		bench_die ("cannot redirect stderr: %s", strerror (errno));
	dup2 (fd, STDERR_FILENO);
	close (fd);
	CK_RV rv = m->f->C_Initialize (&init_args);
	fflush (stderr);
	dup2 (saved, STDERR_FILENO);
	close (saved);
	char *text = bench_read_file (path, NULL);
	unlink (path);
	snprintf (msg, msg_len, "%s", text ? text : "");
	free (text);
	size_t len = strlen (msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	return rv;
}

static const char *
template_of (bench_mod_id id)
{
	switch (id) {
	case MOD_SHIM_OFF:
		return "off.conf";
	case MOD_SHIM_AUDIT:
		return "audit-calls.conf";
	default:
		return "defaults.conf";
	}
}

/*
 * Initialises a copy of the shim with its configuration.  A key that this
 * build does not know is left out when the template marks it optional (a
 * layer that is not built in is off anyway) and fails the configuration
 * otherwise; the configuration is then skipped and the report says why.
 */
static CK_RV
start_shim (bench_module *m, const bench_backend *b)
{
	conf_line lines[MAX_CONF_LINES];
	size_t n = read_template (template_of (m->id), b, lines);
	char conf[PATH_MAX + 64], dropped[512] = "";
	snprintf (conf, sizeof conf, "%s/%s-%s.conf", bench_opt.workdir, b->name,
		  bench_mod_keys[m->id]);

	for (size_t attempt = 0; attempt <= n; attempt++) {
		char text[MAX_CONF_LINES * 520] = "";
		for (size_t i = 0; i < n; i++) {
			if (!lines[i].dropped) {
				strcat (text, lines[i].text);
				strcat (text, "\n");
			}
		}
		if (!bench_write_file (conf, text))
			bench_die ("cannot write %s", conf);
		setenv ("HKPOST_P11_CONF", conf, 1);

		char msg[2048];
		CK_RV rv = initialize_capturing (m, msg, sizeof msg);
		if (rv == CKR_OK) {
			if (msg[0])
				fprintf (stderr, "%s\n", msg);
			if (dropped[0])
				snprintf (m->note, sizeof m->note,
					  "keys this build does not know, left out: %s", dropped);
			return CKR_OK;
		}
		const char *unknown = strstr (msg, "unknown key '");
		bool retried = false;
		if (unknown != NULL) {
			char key[80];
			snprintf (key, sizeof key, "%.*s", (int)strcspn (unknown + 13, "'"),
				  unknown + 13);
			for (size_t i = 0; i < n; i++) {
				if (!lines[i].dropped && lines[i].optional &&
				    strcmp (lines[i].key, key) == 0) {
					lines[i].dropped = true;
					snprintf (dropped + strlen (dropped),
						  sizeof dropped - strlen (dropped), "%s%s",
						  dropped[0] ? ", " : "", key);
					retried = true;
				}
			}
		}
		if (!retried) {
			const char *nl = strrchr (msg, '\n');
			snprintf (m->why, sizeof m->why, "C_Initialize: %s: %s", bench_rv_name (rv),
				  nl       ? nl + 1
				  : msg[0] ? msg
					   : "(no message)");
			return rv;
		}
	}
	return CKR_GENERAL_ERROR;
}

/* ---- Loading and starting ------------------------------------------------ */

void
bench_module_load (bench_module *m, bench_mod_id id, const bench_backend *b)
{
	memset (m, 0, sizeof *m);
	m->id = id;
	m->usable = false;

	switch (id) {
	case MOD_DIRECT:
		snprintf (m->path, sizeof m->path, "%s", b->path);
		break;
	case MOD_SHIM_OFF:
	case MOD_SHIM_DEFAULTS:
	case MOD_SHIM_AUDIT:
		snprintf (m->path, sizeof m->path, "%s/hkpost-p11-%s-%s.so", bench_opt.workdir,
			  b->name, bench_mod_keys[id]);
		if (!copy_file (bench_opt.shim, m->path)) {
			snprintf (m->why, sizeof m->why, "cannot copy %s: %s", bench_opt.shim,
				  strerror (errno));
			return;
		}
		break;
	case MOD_PROXY:
		if (access (bench_opt.proxy, R_OK) != 0) {
			snprintf (m->why, sizeof m->why, "%s is not installed", bench_opt.proxy);
			return;
		}
		if (!proxy_prepare (b, m->note, sizeof m->note)) {
			if (m->note[0])
				snprintf (m->why, sizeof m->why, "%s", m->note);
			else
				snprintf (m->why, sizeof m->why,
					  "cannot register the backend with p11-kit: %s",
					  strerror (errno));
			m->note[0] = '\0';
			return;
		}
		snprintf (m->path, sizeof m->path, "%s", bench_opt.proxy);
		break;
	case MOD_SPY: {
		char log[PATH_MAX + 64];
		if (access (bench_opt.spy, R_OK) != 0) {
			snprintf (m->why, sizeof m->why, "%s is not installed", bench_opt.spy);
			return;
		}
		snprintf (log, sizeof log, "%s/spy-%s.log", bench_opt.workdir, b->name);
		setenv ("PKCS11SPY", b->path, 1);
		setenv ("PKCS11SPY_OUTPUT", log, 1);
		snprintf (m->path, sizeof m->path, "%s", bench_opt.spy);
		break;
	}
	default:
		bench_die ("unknown module %d", (int)id);
	}

	m->handle = dlopen (m->path, RTLD_NOW | RTLD_LOCAL);
	if (m->handle == NULL) {
		snprintf (m->why, sizeof m->why, "dlopen: %s", dlerror ());
		return;
	}
	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym (m->handle, "C_GetFunctionList");
	if (gfl == NULL) {
		snprintf (m->why, sizeof m->why, "no C_GetFunctionList");
		return;
	}
	CK_RV rv = gfl (&m->f);
	if (rv != CKR_OK || m->f == NULL) {
		snprintf (m->why, sizeof m->why, "C_GetFunctionList: %s", bench_rv_name (rv));
		return;
	}
	m->usable = true;
}

/* The slot whose token has this serial; an empty serial takes the first
 * initialised token and fills the serial in. */
static bool
find_slot (bench_module *m, char serial[16])
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	bench_check (m->f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList",
		     bench_mod_names[m->id]);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (m->f->C_GetTokenInfo (slots[i], &ti) != CKR_OK)
			continue;
		if (serial[0] == '\0' && (ti.flags & CKF_TOKEN_INITIALIZED))
			memcpy (serial, ti.serialNumber, sizeof ti.serialNumber);
		if (memcmp (ti.serialNumber, serial, sizeof ti.serialNumber) == 0) {
			m->slot = slots[i];
			return true;
		}
	}
	return false;
}

void
bench_module_start (bench_module *m, const bench_backend *b, char serial[16])
{
	const char *name = bench_mod_names[m->id];
	CK_RV rv;
	if (!m->usable)
		return;

	if (m->id == MOD_SHIM_OFF || m->id == MOD_SHIM_DEFAULTS || m->id == MOD_SHIM_AUDIT) {
		rv = start_shim (m, b);
	} else {
		rv = m->f->C_Initialize (&init_args);
		/* The proxy and the spy initialise the backend the benchmark
		 * already initialised: it says so, and they share it. */
		if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED && m->id != MOD_DIRECT)
			rv = CKR_OK;
		if (rv != CKR_OK)
			snprintf (m->why, sizeof m->why, "C_Initialize: %s", bench_rv_name (rv));
	}
	if (m->id == MOD_PROXY)
		bench_proxy_cleanup ();
	if (rv != CKR_OK) {
		m->usable = false;
		return;
	}

	if (!find_slot (m, serial)) {
		snprintf (m->why, sizeof m->why,
			  "the benchmark's token (serial %.16s) is not listed", serial);
		m->usable = false;
		return;
	}
	for (int i = 0; i < 2; i++) {
		bench_check (m->f->C_OpenSession (m->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
						  NULL, NULL, &m->sess[i]),
			     CKR_OK, "C_OpenSession", name);
	}
	/* The login state belongs to the backend's token, which the modules
	 * share: only the first login finds it logged out. */
	rv = m->f->C_Login (m->sess[0], CKU_USER, (CK_UTF8CHAR_PTR)BENCH_USER_PIN,
			    strlen (BENCH_USER_PIN));
	if (rv != CKR_USER_ALREADY_LOGGED_IN)
		bench_check (rv, CKR_OK, "C_Login", name);
}

static CK_OBJECT_HANDLE
find_one (bench_module *m, CK_OBJECT_CLASS klass, const unsigned char *id, size_t id_len)
{
	const char *name = bench_mod_names[m->id];
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_ID, (void *)id, id_len },
	};
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;
	bench_check (m->f->C_FindObjectsInit (m->sess[0], tmpl, 2), CKR_OK, "C_FindObjectsInit",
		     name);
	bench_check (m->f->C_FindObjects (m->sess[0], found, 2, &n), CKR_OK, "C_FindObjects", name);
	bench_check (m->f->C_FindObjectsFinal (m->sess[0]), CKR_OK, "C_FindObjectsFinal", name);
	if (n != 1)
		bench_die ("%s: %lu objects of class %lu with the benchmark's CKA_ID, expected 1",
			   name, (unsigned long)n, (unsigned long)klass);
	return found[0];
}

void
bench_module_find_handles (bench_module *m, const unsigned char *id, size_t id_len, bool want_key)
{
	if (!m->usable)
		return;
	m->cert = find_one (m, CKO_CERTIFICATE, id, id_len);
	if (want_key)
		m->key = find_one (m, CKO_PRIVATE_KEY, id, id_len);
}

void
bench_module_finish (bench_module *m)
{
	if (!m->usable)
		return;
	/* Modules sharing the backend may have finalised it already. */
	CK_RV rv = m->f->C_Finalize (NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED)
		bench_check (rv, CKR_OK, "C_Finalize", bench_mod_names[m->id]);
}
