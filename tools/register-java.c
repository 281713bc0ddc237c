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
	printf (_("Java reads it when told to. List the e-Cert (its alias is the name 'hkpost-p11 "
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
	const char *xdg = hkp11_getenv ("XDG_CONFIG_HOME");
	const char *home = hkp11_home_dir ();

	java_config (o->module, text, sizeof text);
	if (o->print) {
		fputs (text, stdout);
		printf (_("Save it as a file, for example ~/.config/hkpost-p11/%s.\n"), JAVA_FILE);
		java_usage_note ("FILE");
		return CLI_OK;
	}

	if (xdg != NULL && xdg[0] == '/')
		snprintf (dir, sizeof dir, "%s/hkpost-p11", xdg);
	else if (home != NULL)
		snprintf (dir, sizeof dir, "%s/.config/hkpost-p11", home);
	else {
		cli_error (_("Set HOME or XDG_CONFIG_HOME, or use --print and save the file yourself."),
			   _("no home directory is known"));
		return CLI_SETUP;
	}
	snprintf (path, sizeof path, "%s/%s", dir, JAVA_FILE);

	if (o->unregister) {
		if (access (path, F_OK) != 0) {
			printf (_("%s does not exist: nothing to undo.\n"), path);
			return CLI_OK;
		}
		if (!o->force && !reg_written_by_us (path)) {
			cli_error (_("Remove it yourself, or add --force."),
				   _("%s was not written by hkpost-p11 register"), path);
			return CLI_FAILED;
		}
		if (unlink (path) != 0) {
			cli_error (NULL, _("cannot remove %s: %s"), path, strerror (errno));
			return CLI_FAILED;
		}
		printf (_("Removed %s.\n"), path);
		return CLI_OK;
	}

	if (access (path, F_OK) == 0 && !o->force && !reg_written_by_us (path)) {
		cli_error (_("Check it, then add --force to replace it."),
			   _("%s exists and was not written by hkpost-p11 register"), path);
		return CLI_FAILED;
	}
	if (!reg_make_dirs (dir, 0700)) {
		cli_error (_("Use --print and save the file yourself."), _("cannot create %s: %s"), dir,
			   strerror (errno));
		return CLI_FAILED;
	}
	if (!reg_write_file (path, text, 0644)) {
		cli_error (_("Use --print and save the file yourself."), _("cannot write %s: %s"), path,
			   strerror (errno));
		return CLI_FAILED;
	}
	printf (_("Wrote %s.\n"), path);
	java_usage_note (path);
	return CLI_OK;
}
