# Files that tell p11-kit and the administrator about the module.
p11kitconfig_DATA = config/hkpost-p11.module
hkp11confdir = $(sysconfdir)/hkpost-p11
dist_hkp11conf_DATA = config/hkpost-p11.conf
EXTRA_DIST += config/hkpost-p11.module.in
CLEANFILES += config/hkpost-p11.module

config/hkpost-p11.module: config/hkpost-p11.module.in Makefile
	$(AM_V_GEN)$(MKDIR_P) config && sed -e 's|@moduledir[@]|$(moduledir)|g' -e 's|@SHLEXT[@]|$(SHLEXT)|g' $(srcdir)/config/hkpost-p11.module.in > $@
