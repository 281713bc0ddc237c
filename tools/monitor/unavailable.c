/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 monitor in a build without GLib's GIO (configure found no
 * gio-2.0): it says so, and how to get it.
 */
#include "config.h"
#include "hkpost-p11.h"

int
cli_monitor_main (const cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	cli_error (_ ("Install GLib's development files (Debian: libglib2.0-dev), then configure "
		      "and build hkpost-p11 again."),
		   _ ("this hkpost-p11 was built without the desktop monitor"));
	return CLI_SETUP;
}
