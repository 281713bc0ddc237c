# One token for a team's machines (issue 11): the token host serves the
# built module with `p11-kit server`, the client reaches it through an
# ssh-forwarded socket and loads p11-kit-client.so.  Two hosts on one
# machine (network namespaces as root, else loopback; tests/remote/hosts.sh).
# `make check-remote` runs just these; `make bench-remote` measures the
# remote path (also part of `make bench`).

# A small PKCS#11 application: a session held across a server restart, and
# the per-call costs through the remote path.
check_PROGRAMS += tests/remote/hkp11-remote-client
tests_remote_hkp11_remote_client_SOURCES = tests/remote/remote-client.c
tests_remote_hkp11_remote_client_LDADD = common/libhkp11-common.la

# Who is at the other end of p11-kit-remote's stdin (common/peer-identity.c).
check_PROGRAMS += tests/remote/test-peer-identity
tests_remote_test_peer_identity_SOURCES = tests/remote/test-peer-identity.c
tests_remote_test_peer_identity_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_remote_test_peer_identity_LDADD = common/libhkp11-common.la $(CHECK_LIBS)

REMOTE_SHELL_TESTS = \
	tests/remote/ssh-forward.sh \
	tests/remote/server-restart.sh \
	$(NULL)
REMOTE_TESTS = tests/remote/test-peer-identity $(REMOTE_SHELL_TESTS)
TESTS += $(REMOTE_TESTS)
dist_check_SCRIPTS += $(REMOTE_SHELL_TESTS)
EXTRA_DIST += \
	tests/remote/hosts.sh \
	tests/remote/bench-remote.sh \
	config/hkpost-p11-server.service \
	$(NULL)

check-remote:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(REMOTE_TESTS)'
.PHONY: check-remote

# Per-call cost of p11-kit-client.so -> p11-kit server -> hkpost-p11 ->
# SoftHSM against p11-kit-client.so -> p11-kit server -> SoftHSM, socket on
# this machine.  BENCH_REMOTE_FLAGS="--rounds N --ms MS".
BENCH_REMOTE_FLAGS =
bench-remote: module/hkpost-p11.la tests/remote/hkp11-remote-client$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	SOFTHSM2_MODULE='$(SOFTHSM2_MODULE)' \
	$(SHELL) $(srcdir)/tests/remote/bench-remote.sh $(BENCH_REMOTE_FLAGS)
.PHONY: bench-remote
bench: bench-remote
