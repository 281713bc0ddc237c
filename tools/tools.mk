# SPDX-License-Identifier: BSD-3-Clause
# The command-line tool, hkpost-p11 (bin/hkpost-p11): it loads the module
# as applications do, and links the common libraries for the pure logic
# (PIN policy, lockout state, e-Cert parsing, the audit verifier) and the
# module's for what it reads of a token (module/token/).
bin_PROGRAMS += tools/hkpost-p11
tools_hkpost_p11_SOURCES = \
	tools/hkpost-p11.c tools/hkpost-p11.h \
	tools/json.c tools/settings.c tools/module.c tools/token.c \
	tools/certs.c tools/certs.h tools/pin-input.c \
	tools/audit-record.c tools/audit-record.h \
	tools/cmd-status.c tools/cmd-show.c tools/cmd-change-pin.c tools/cmd-check-pin.c \
	tools/cmd-guard.c tools/cmd-audit.c tools/cmd-register.c \
	tools/register.h tools/register-java.c tools/register-desktop.c \
	$(NULL)
# The desktop monitor (hkpost-p11 monitor) needs GLib's GDBus: without it,
# the command only says so.
if BUILD_MONITOR
tools_hkpost_p11_SOURCES += \
	tools/monitor/monitor.h tools/monitor/cmd-monitor.c tools/monitor/notifier.c \
	tools/monitor/watch-files.c tools/monitor/watch-slots.c tools/monitor/audit-feed.c \
	tools/monitor/tokens.c tools/monitor/expiry.c tools/monitor/texts.c
else
tools_hkpost_p11_SOURCES += tools/monitor/unavailable.c
endif
# MODULEDIR: the module it loads once installed; CLI_BUILDDIR: the module
# and translations it uses when it runs from the build tree.
tools_hkpost_p11_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) $(GIO_CFLAGS) \
	-I$(top_srcdir)/tools \
	-DMODULEDIR=\"$(moduledir)\" -DBINDIR=\"$(bindir)\" -DLOCALEDIR=\"$(localedir)\" \
	-DP11KIT_CONFIG_DIR=\"$(p11kitconfigdir)\" \
	-DCLI_BUILDDIR=\"$(abs_top_builddir)\"
tools_hkpost_p11_LDADD = $(HKP11_MODULE_LIBS) $(GIO_LIBS)

dist_man1_MANS = doc/hkpost-p11.1

# Translations: po/zh_HK.po compiled into the build tree, where the tool
# finds it when run from there, and installed under $(localedir).
EXTRA_DIST += po/POTFILES po/hkpost-p11.pot po/zh_HK.po
if HAVE_MSGFMT
zhhkmodir = $(localedir)/zh_HK/LC_MESSAGES
zhhkmo_DATA = po/locale/zh_HK/LC_MESSAGES/hkpost-p11.mo
CLEANFILES += $(zhhkmo_DATA)
po/locale/zh_HK/LC_MESSAGES/hkpost-p11.mo: po/zh_HK.po
	$(AM_V_GEN)$(MKDIR_P) po/locale/zh_HK/LC_MESSAGES && \
		$(MSGFMT) -c -o $@ $(srcdir)/po/zh_HK.po
endif

# Refreshes the template and the translation from the sources (run by hand
# after changing messages; needs gettext's xgettext and msgmerge).
update-po:
	cd $(srcdir) && xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ \
		--keyword=P_:1,2 --add-comments=TRANSLATORS: --package-name=$(PACKAGE) \
		--package-version=$(VERSION) --msgid-bugs-address= \
		-o po/hkpost-p11.pot -f po/POTFILES && \
		msgmerge --update --backup=none po/zh_HK.po po/hkpost-p11.pot
.PHONY: update-po
