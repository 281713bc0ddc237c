# SPDX-License-Identifier: BSD-3-Clause
# Tests of the hkpost-p11 tool (issue 7): the commands over the mock
# eToken and over SoftHSM with the e-Cert fixtures, prompts through a
# pseudo-terminal, the zh_HK messages, registration with real clients, and
# text from certificates, tokens and logs that must not drive a terminal.
CLI_TESTS = \
	tests/cli/basics.sh \
	tests/cli/settings.sh \
	tests/cli/prompts.sh \
	tests/cli/guard.sh \
	tests/cli/show.sh \
	tests/cli/hostile-text.sh \
	tests/cli/audit.sh \
	tests/cli/i18n.sh \
	tests/cli/register.sh \
	$(NULL)
TESTS += $(CLI_TESTS)
dist_check_SCRIPTS += $(CLI_TESTS)
EXTRA_DIST += tests/cli/common.sh tests/cli/pty-drive.py
