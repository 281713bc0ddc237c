/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Settings: the p11-kit pkcs11.conf(5) format, "key: value" lines and '#'
 * comments, read from one configuration file and then from the pReserved
 * string of C_Initialize (NSS module parameters, p11-kit x-init-reserved).
 *
 * Each concern describes its keys in a table of options (common/settings/,
 * listed by common/settings/settings.h); the parser knows nothing about what they mean.
 */
#ifndef HKP11_CONF_H
#define HKP11_CONF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char text[2048];
	/* Set when the fault lies in the pReserved string rather than a file. */
	bool in_init_reserved;
} hkp11_error;

typedef enum {
	HKP11_OPT_STRING, /* char *, owned by the settings, freed on reset; NULL by default */
	HKP11_OPT_UINT,   /* unsigned int, within [min, max] */
	HKP11_OPT_BOOL,   /* bool: yes/no, true/false, on/off, 1/0 */
	HKP11_OPT_CHOICE, /* int: index into choices */
	HKP11_OPT_CUSTOM, /* parsed by the owner's callback */
} hkp11_option_type;

typedef struct hkp11_option {
	const char *key;
	hkp11_option_type type;
	size_t offset; /* of the field within the owner's settings struct */
	unsigned int min, max;
	const char *const *choices; /* NULL-terminated */
	/* STRING only, optional: whether the value will do, else why not.
	 * Without it any value but an empty one will. */
	bool (*check) (const char *value, char *why, size_t why_len);
	/* CUSTOM only: parse value into field; on failure describe why. */
	bool (*parse) (void *field, const char *value, char *why, size_t why_len);
	/* CUSTOM only: release what parse allocated, leaving the default. */
	void (*release) (void *field);
} hkp11_option;

typedef struct hkp11_option_group {
	const char *name;
	const hkp11_option *options; /* terminated by an entry with key NULL */
	void *settings;
	const void *defaults; /* copied over settings on reset */
	size_t size;
	/* Optional: whether values that are each valid agree with each other,
	 * asked once the file and pReserved are read.  If not, names the two
	 * keys and says why; the message blames the one set last. */
	bool (*agree) (const void *settings, const char **key, const char **other, char *why,
		       size_t why_len);
} hkp11_option_group;

#define HKP11_CONFIG_NAME "hkpost-p11.conf"
#define HKP11_ENV_CONF "HKPOST_P11_CONF"

/* Where settings came from, for messages and `hkpost-p11 status`. */
typedef struct {
	char file[4096]; /* the file read, or "" when none was found */
	bool init_reserved;
} hkp11_config_sources;

/* Restores every group's defaults, freeing strings a previous load set. */
void hkp11_config_reset (const hkp11_option_group *groups, size_t n_groups);

/*
 * Resets, then reads the configuration file (see hkp11_config_find) and then
 * the pReserved settings string, which may be NULL.  Returns false with a
 * message naming file, line and key when anything is wrong; the groups are
 * then left at their defaults.  Keys that contradict each other (see
 * hkp11_option_group.agree) are such an error too.
 *
 * init_reserved is C_Initialize's pReserved as the host passed it, trusted
 * in nothing: it is copied fault-safely (common/base/safe-copy.h), and a pointer
 * that cannot be read or a string longer than HKP11_INIT_RESERVED_MAX is an
 * error blamed on it (in_init_reserved), never a crash.
 */
bool hkp11_config_load (const hkp11_option_group *groups, size_t n_groups,
			const void *init_reserved, hkp11_config_sources *sources, hkp11_error *err);

/*
 * Parses settings text.  origin names it in messages ("/etc/x.conf" or
 * "C_Initialize pReserved").  With semicolons, ';' separates items as well
 * as newlines (the pReserved form, which is often a single line).
 */
bool hkp11_config_parse (const hkp11_option_group *groups, size_t n_groups, const char *text,
			 const char *origin, bool semicolons, hkp11_error *err);

/*
 * Which configuration file applies: $HKPOST_P11_CONF if set, else
 * ${XDG_CONFIG_HOME:-~/.config}/hkpost-p11/hkpost-p11.conf if it exists, else
 * the system file if it exists.  Returns false when no file applies.  *must_exist
 * tells whether a missing file is an error (the environment named it).  A
 * secure-mode program (hkp11_secure_mode) reads the system file only, and
 * hkp11_config_load takes it only when root owns it and no one else can
 * write it.
 */
bool hkp11_config_find (char *path, size_t path_len, bool *must_exist);

/* A STRING check: an absolute path.  A relative one would be taken from
 * each program's working directory, so that two programs differ. */
bool hkp11_conf_absolute (const char *value, char *why, size_t why_len);

/* A STRING check: an absolute path, or "none".  A relative path would land
 * in whatever directory the program happens to run in. */
bool hkp11_conf_absolute_or_none (const char *value, char *why, size_t why_len);

/* Longest settings string accepted in pReserved, its terminator left out:
 * no more than this and the terminator is ever read from it. */
#define HKP11_INIT_RESERVED_MAX 8192

#endif
