# SPDX-License-Identifier: BSD-3-Clause
# Files that tell p11-kit and the administrator about the module.
p11kitconfig_DATA = config/hkpost-p11.module
hkp11confdir = $(sysconfdir)/hkpost-p11
dist_hkp11conf_DATA = config/hkpost-p11.conf
EXTRA_DIST += config/hkpost-p11.module.in
CLEANFILES += config/hkpost-p11.module

config/hkpost-p11.module: config/hkpost-p11.module.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config && sed -e 's|@module_prefix[@]|$(p11kit_module_prefix)|g' -e 's|@SHLEXT[@]|$(SHLEXT)|g' $(srcdir)/config/hkpost-p11.module.in > $@

# The systemd user unit that serves the token to other machines (README:
# "Share a token across machines"), with the paths configure found.  Built
# even when not installed (--without-systemduserunitdir): the remote tests
# run its ExecStart, and a user may copy it to ~/.config/systemd/user.
if INSTALL_SYSTEMD_USER_UNIT
systemduserunit_DATA = config/hkpost-p11-server.service
else
noinst_DATA = config/hkpost-p11-server.service
endif
EXTRA_DIST += config/hkpost-p11-server.service.in
CLEANFILES += config/hkpost-p11-server.service config/hkpost-p11-server.service-t

config/hkpost-p11-server.service: config/hkpost-p11-server.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config && sed -e 's|@moduledir[@]|$(moduledir)|g' -e 's|@SHLEXT[@]|$(SHLEXT)|g' \
		-e 's|@P11_KIT[@]|$(P11_KIT)|g' $(srcdir)/config/hkpost-p11-server.service.in > $@-t && mv -f $@-t $@

# hkpost-p11 monitor (desktop notifications): a systemd user unit and an
# XDG autostart entry, both off until 'hkpost-p11 register desktop'.
EXTRA_DIST += config/hkpost-p11-monitor.service.in config/hkpost-p11-monitor.desktop.in
CLEANFILES += config/hkpost-p11-monitor.service config/hkpost-p11-monitor.desktop
if BUILD_MONITOR
autostart_DATA = config/hkpost-p11-monitor.desktop
if INSTALL_SYSTEMD_USER_UNIT
systemduserunit_DATA += config/hkpost-p11-monitor.service
else
noinst_DATA += config/hkpost-p11-monitor.service
endif
endif

config/hkpost-p11-monitor.service: config/hkpost-p11-monitor.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config && sed -e 's|@bindir[@]|$(bindir)|g' \
		$(srcdir)/config/hkpost-p11-monitor.service.in > $@-t && mv -f $@-t $@
config/hkpost-p11-monitor.desktop: config/hkpost-p11-monitor.desktop.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config && sed -e 's|@bindir[@]|$(bindir)|g' \
		$(srcdir)/config/hkpost-p11-monitor.desktop.in > $@-t && mv -f $@-t $@
