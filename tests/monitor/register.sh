#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 register / unregister desktop.  Without a systemd user manager:
# an autostart entry that is not hidden in ~/.config/autostart, and only a
# file of ours is removed.  With one (a stand-in systemctl on PATH that
# records its calls): systemctl --user enable --now, with a unit of ours
# in ~/.config/systemd/user when none is installed; unregister disables it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
require_cli
if ! grep -q '^#define HAVE_MONITOR 1' "$top_builddir/config.h"; then
	echo "SKIP: hkpost-p11 was built without the monitor (no gio-2.0: libglib2.0-dev)"
	exit 77
fi
HOME=$HKP11_TMP/home
mkdir -p "$HOME" "$HKP11_TMP/bin"
export HOME

# A systemctl that answers as no user manager would, or as one would
# (SYSTEMCTL_MANAGER=yes): it knows the unit once it is in the user's
# unit directory, and records every call.
cat >"$HKP11_TMP/bin/systemctl" <<'STUB'
#!/bin/sh
echo "$*" >>"$SYSTEMCTL_LOG"
[ "${SYSTEMCTL_MANAGER:-no}" = yes ] || { echo "Failed to connect to bus: No medium found" >&2; exit 1; }
case $2 in
show-environment | daemon-reload | disable) exit 0 ;;
enable)
	[ -f "$XDG_CONFIG_HOME/systemd/user/$3" ] && exit 0
	echo "Failed to enable unit: Unit file $3 does not exist." >&2
	exit 1 ;;
esac
exit 0
STUB
chmod +x "$HKP11_TMP/bin/systemctl"
PATH=$HKP11_TMP/bin:$PATH
SYSTEMCTL_LOG=$HKP11_TMP/systemctl.log
export PATH SYSTEMCTL_LOG
entry=$XDG_CONFIG_HOME/autostart/hkpost-p11-monitor.desktop
unit=$XDG_CONFIG_HOME/systemd/user/hkpost-p11-monitor.service

# No user manager: autostart.
cli reg register desktop
expect_rc "register desktop without a user manager" 0
[ -f "$entry" ] || { show reg reg.err; fail "no $entry"; }
ok "the autostart entry is in ~/.config/autostart"
expect_no_grep "it is not hidden" '^Hidden=' "$entry"
expect_grep "it runs this hkpost-p11's monitor" "^Exec=\"$(readlink -f "$CLI")\" monitor\$" "$entry"
expect_grep "it says so" 'starts with your next desktop session' reg
if command -v desktop-file-validate >/dev/null 2>&1; then
	run validate desktop-file-validate "$entry"
	ok "desktop-file-validate accepts it"
fi
cli unreg unregister desktop
expect_rc "unregister desktop" 0
[ ! -f "$entry" ] || fail "$entry is still there"
ok "unregister removes it"
mkdir -p "$(dirname "$entry")"
echo "[Desktop Entry]" >"$entry"
cli unreg2 unregister desktop
expect_rc "a file not written by us is left alone" 9
[ -f "$entry" ] || fail "a file of the user's was removed"
rm "$entry"

# A user manager: the systemd user unit.
SYSTEMCTL_MANAGER=yes
export SYSTEMCTL_MANAGER
: >"$SYSTEMCTL_LOG"
cli reg register desktop
expect_rc "register desktop with a user manager" 0
[ -f "$unit" ] || { show reg reg.err; fail "no $unit"; }
ok "where no unit is installed, one of ours is in ~/.config/systemd/user"
expect_grep "it runs this hkpost-p11's monitor" "^ExecStart=\"$(readlink -f "$CLI")\" monitor\$" "$unit"
expect_grep "systemctl --user enable --now is called" '^--user enable hkpost-p11-monitor.service --now$' "$SYSTEMCTL_LOG"
expect_grep "after a daemon-reload" '^--user daemon-reload$' "$SYSTEMCTL_LOG"
[ ! -f "$entry" ] || fail "an autostart entry too: the monitor would start twice"
ok "no autostart entry beside the unit"
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p -m 0700 "$HKP11_TMP/run"
	if XDG_RUNTIME_DIR=$HKP11_TMP/run timeout 60 systemd-analyze verify --user "$unit" >verify.txt 2>&1; then
		ok "systemd-analyze verify --user accepts our unit"
	elif grep -q 'Failed to initialize manager' verify.txt; then
		note "systemd-analyze cannot run a user manager here: unit not verified"
	else
		show verify.txt
		fail "systemd-analyze verify --user refuses our unit"
	fi
fi
: >"$SYSTEMCTL_LOG"
cli unreg unregister desktop
expect_rc "unregister desktop with a user manager" 0
expect_grep "systemctl --user disable --now is called" '^--user disable hkpost-p11-monitor.service --now$' "$SYSTEMCTL_LOG"
[ ! -f "$unit" ] || fail "$unit is still there"
ok "and our unit is removed"
