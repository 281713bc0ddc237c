/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 register / unregister java: a configuration file for Java's
 * SunPKCS11 provider (keytool, jarsigner, and Java programs that take a
 * PKCS11 keystore), written where the user's settings live:
 * ${XDG_CONFIG_HOME:-~/.config}/hkpost-p11/java-pkcs11.cfg.
 *
 * Java reads such a file only when told to (-providerArg), so the command
 * also prints how to pass it.  With --print it only prints the file.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"
#include "base/paths.h"
#include "register.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define JAVA_FILE "java-pkcs11.cfg"

/* The provider's configuration (the SunPKCS11 reference guide's format). */
static void
java_config (const char *module, char *text, size_t len)
{
	snprintf (text, len,
		  "# Written by hkpost-p11 register java: Java's SunPKCS11 provider loads\n"
		  "# hkpost-p11, which loads the token vendor's library.\n"
		  "# The first slot of the token library; with several readers, 'hkpost-p11\n"
		  "# status' names the token's slot: write 'slot = N' instead.\n"
		  "name = hkpost-p11\n"
		  "library = %s\n"
		  "slotListIndex = 0\n",
		  module);
}

static void
java_usage_note (const char *path)
{
	printf (_ ("Java reads it when told to. List the e-Cert (its alias is the name 'hkpost-p11 "
		   "show' prints):\n"
		   "  keytool -list -keystore NONE -storetype PKCS11 -providerClass "
		   "sun.security.pkcs11.SunPKCS11 -providerArg %s\n"
		   "Sign a JAR:\n"
		   "  jarsigner -keystore NONE -storetype PKCS11 -providerClass "
		   "sun.security.pkcs11.SunPKCS11 -providerArg %s FILE.jar 'ALIAS'\n"),
		path, path);
}

int
reg_java (const reg_options *o)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], text[PATH_MAX + 512];

	java_config (o->module, text, sizeof text);
	if (o->print) {
		fputs (text, stdout);
		printf (_ ("Save it as a file, for example ~/.config/hkpost-p11/%s.\n"), JAVA_FILE);
		java_usage_note ("FILE");
		return CLI_OK;
	}

	if (!hkp11_xdg_config_path ("hkpost-p11", dir, sizeof dir)) {
		cli_error (_ ("Set HOME or XDG_CONFIG_HOME, or use --print and save the file "
			      "yourself."),
			   _ ("no home directory is known"));
		return CLI_SETUP;
	}
	snprintf (path, sizeof path, "%s/%s", dir, JAVA_FILE);

	if (o->unregister)
		return reg_remove_file (o, path);
	if (!reg_may_replace (o, path))
		return CLI_FAILED;
	if (!reg_make_dirs (dir, 0700)) {
		cli_error (_ ("Use --print and save the file yourself."),
			   _ ("cannot create %s: %s"), dir, strerror (errno));
		return CLI_FAILED;
	}
	if (!reg_write_file (path, text, 0644)) {
		cli_error (_ ("Use --print and save the file yourself."), _ ("cannot write %s: %s"),
			   path, strerror (errno));
		return CLI_FAILED;
	}
	printf (_ ("Wrote %s.\n"), path);
	java_usage_note (path);
	return CLI_OK;
}
