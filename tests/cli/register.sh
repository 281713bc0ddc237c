#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 register / unregister with the real programs' own files:
#   firefox   a fresh profile made by Firefox itself (-CreateProfile), then
#             modutil and certutil on its NSS database show the module and
#             the e-Cert on the SoftHSM token, by its friendly name;
#   ssh       ~/.ssh/config gets the PKCS11Provider line on top, which
#             `ssh -G` reads; unregister gives the file back as it was;
#   chromium  ~/.pki/nssdb made as Chromium makes it, the module in it;
#             refused while a Chromium with the same HOME runs;
#   java      the SunPKCS11 configuration, which keytool reads; a file of
#             the user's own is left alone;
#   p11-kit   as root: the rule explained, nothing written; as nobody
#             (runuser): the user module config, which p11-kit reads.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool modutil certutil pkcs11-tool openssl
skip_unless_softhsm
require_cli

HOME=$HKP11_TMP/home
mkdir -p "$HOME"
export HOME
MODULE_REAL=$(cd "$(dirname "$HKP11_SHIM")" && pwd -P)/$(basename "$HKP11_SHIM")

softhsm_setup
token_init eToken
ecert_load eToken personal

# ---- Firefox ----------------------------------------------------------------
firefox=
for f in firefox-esr firefox; do
	if command -v "$f" >/dev/null 2>&1; then
		firefox=$f
		break
	fi
done
if [ -n "$firefox" ]; then
	# Firefox makes the profile and its profiles.ini where it keeps them.
	timeout 60 "$firefox" --headless -CreateProfile hkp11test >ff-create.out 2>&1 ||
		{ show ff-create.out; fail "$firefox -CreateProfile"; }
	# (Firefox 13x keeps it under XDG_CONFIG_HOME, older ones under HOME.)
	ini=$(find "$HKP11_TMP" -name profiles.ini -path '*firefox*' | head -n 1)
	[ -n "$ini" ] || fail "Firefox wrote no profiles.ini"
	profile=$(dirname "$ini")/$(sed -n 's/^Path=//p' "$ini" | head -n 1)
	[ -d "$profile" ] || fail "no profile directory $profile"
	ok "Firefox made a fresh profile: $profile"
else
	# Without Firefox, a profile as Firefox lays it out, never opened.
	note "no Firefox: a profiles.ini of our own"
	profile=$HOME/.mozilla/firefox/abcd1234.default-esr
	mkdir -p "$profile"
	printf '[Profile0]\nName=default-esr\nIsRelative=1\nPath=abcd1234.default-esr\nDefault=1\n' \
		>"$HOME/.mozilla/firefox/profiles.ini"
fi

cli reg register firefox
expect_rc "register firefox" 0
expect_grep "it names the profile and the module" "hkpost-p11 added \($MODULE_REAL\)" reg
expect_grep "and says to restart Firefox" 'Restart firefox' reg

modutil -dbdir "sql:$profile" -list >modules.out 2>&1 || { show modules.out; fail "modutil -list"; }
expect_grep "modutil lists the module in the profile" '^ *[0-9]+\. hkpost-p11$' modules.out
expect_grep "with the module's path" "library name: $MODULE_REAL" modules.out
expect_grep "and the token through it" 'token: eToken' modules.out

certutil -d "sql:$profile" -L -h all >certs.out 2>&1 || { show certs.out; fail "certutil -L -h all"; }
expect_grep "certutil shows the e-Cert by its friendly name" \
	'^eToken:CHAN TAI MAN \(Personal e-Cert, expires 2045-06-30\) ' certs.out

cli again register firefox
expect_rc "registering again is fine" 0
modutil -dbdir "sql:$profile" -list >modules2.out 2>&1
[ "$(grep -c '\. hkpost-p11$' modules2.out)" -eq 1 ] || { show modules2.out; fail "the module twice"; }
ok "the module is there once"

# A profile in use is left alone.
ln -s "127.0.0.1:+$$" "$profile/lock"
cli inuse unregister firefox
expect_rc "a profile in use is refused" 9
expect_grep "it says to close the program" 'is in use by firefox' inuse.err
rm -f "$profile/lock"

cli unreg unregister firefox
expect_rc "unregister firefox" 0
modutil -dbdir "sql:$profile" -list >modules3.out 2>&1
expect_no_grep "the module is gone from the profile" 'hkpost-p11' modules3.out

cli noprof register thunderbird
expect_rc "no Thunderbird profile: status 2" 2
expect_grep "it says how to make one" 'Start Thunderbird once' noprof.err

# ---- ssh --------------------------------------------------------------------------
mkdir -p "$HOME/.ssh"
printf 'Host example\n    User holder\n' >"$HOME/.ssh/config"
chmod 600 "$HOME/.ssh/config"
cp "$HOME/.ssh/config" ssh-config.orig

cli sshprint register ssh --print
expect_rc "register ssh --print" 0
expect_grep "it prints the line" "^PKCS11Provider $MODULE_REAL\$" sshprint
cmp -s "$HOME/.ssh/config" ssh-config.orig || fail "--print changed the file"
ok "--print leaves the file alone"

cli ssh register ssh
expect_rc "register ssh" 0
sed -n 2p "$HOME/.ssh/config" >line2
expect_grep "the line is at the top, before any Host" "^PKCS11Provider $MODULE_REAL\$" line2
expect_grep "the Host block is kept" '^Host example$' "$HOME/.ssh/config"
[ "$(stat -c %a "$HOME/.ssh/config")" = 600 ] || fail "the file's mode changed"
ok "the file keeps mode 600"
if command -v ssh >/dev/null 2>&1; then
	ssh -F "$HOME/.ssh/config" -G example >ssh-G.out 2>&1 || { show ssh-G.out; fail "ssh -G"; }
	expect_grep "ssh reads the provider for the host" "^pkcs11provider $MODULE_REAL\$" ssh-G.out
	expect_grep "and the host's own settings" '^user holder$' ssh-G.out
fi
cli ssh2 register ssh
[ "$(grep -c '^PKCS11Provider' "$HOME/.ssh/config")" -eq 1 ] || { show "$HOME/.ssh/config"; fail "two lines"; }
ok "registering again keeps one line"
cli sshun unregister ssh
expect_rc "unregister ssh" 0
cmp -s "$HOME/.ssh/config" ssh-config.orig || { show "$HOME/.ssh/config"; fail "the file was not given back"; }
ok "unregister gives the file back as it was"

# ---- Chromium -----------------------------------------------------------------------
nssdb=$HOME/.pki/nssdb
cli chr register chromium
expect_rc "register chromium" 0
expect_grep "it names the database and the module" "$nssdb: hkpost-p11 added \($MODULE_REAL\)" chr
expect_grep "and says to restart Chromium" '^Restart Chromium\. Chrome, Edge and Brave read the same database' chr
[ -f "$nssdb/cert9.db" ] && [ "$(stat -c %a "$nssdb")" = 700 ] && [ "$(stat -c %a "$HOME/.pki")" = 700 ] ||
	fail "no database in ~/.pki/nssdb, or not private"
ok "it made ~/.pki/nssdb, private to the user, as Chromium does"
modutil -dbdir "sql:$nssdb" -list >chr-modules.out 2>&1 || { show chr-modules.out; fail "modutil -list"; }
expect_grep "modutil lists the module in ~/.pki/nssdb" "library name: $MODULE_REAL" chr-modules.out
certutil -d "sql:$nssdb" -L -h all >chr-certs.out 2>&1 || { show chr-certs.out; fail "certutil -L -h all"; }
expect_grep "certutil shows the e-Cert by its friendly name" '^eToken:CHAN TAI MAN \(Personal e-Cert' chr-certs.out

# A browser of this user counts when it reads the same database: a process
# whose executable is named chromium, with this HOME or another.
mkdir -p bin
cp "$(command -v sleep)" bin/chromium
HOME=$HKP11_TMP/elsewhere bin/chromium 60 &
other=$!
at_exit "kill $other 2>/dev/null"
cli chr-other register chromium
expect_rc "a Chromium with another HOME does not stand in the way" 0
kill "$other"
bin/chromium 60 &
mine=$!
at_exit "kill $mine 2>/dev/null"
cli chr-busy unregister chromium
expect_rc "a Chromium with this HOME: refused" 9
expect_grep "it names the process and says to close it" "is running \(process $mine\)" chr-busy.err
modutil -dbdir "sql:$nssdb" -list >chr-modules2.out 2>&1
expect_grep "and leaves the database alone" "library name: $MODULE_REAL" chr-modules2.out
cli chr-force unregister chromium --force
expect_rc "--force goes ahead" 0
kill "$mine"
modutil -dbdir "sql:$nssdb" -list >chr-modules3.out 2>&1
expect_no_grep "the module is gone from ~/.pki/nssdb" 'hkpost-p11' chr-modules3.out

# ---- Java -------------------------------------------------------------------------
jcfg=$XDG_CONFIG_HOME/hkpost-p11/java-pkcs11.cfg
cli jprint register java --print
expect_rc "register java --print" 0
expect_grep "it prints the provider's configuration" "^library = $MODULE_REAL\$" jprint
[ ! -e "$jcfg" ] || fail "--print wrote $jcfg"
ok "--print writes nothing"
cli java register java
expect_rc "register java" 0
expect_grep "the file names the module" "^library = $MODULE_REAL\$" "$jcfg"
expect_grep "and the provider's name" '^name = hkpost-p11$' "$jcfg"
expect_grep "it says how to pass it to keytool" "^  keytool -list -keystore NONE -storetype PKCS11 -providerClass sun\.security\.pkcs11\.SunPKCS11 -providerArg $jcfg\$" java
expect_grep "and to jarsigner" "-providerArg $jcfg FILE\.jar" java
if command -v keytool >/dev/null 2>&1; then
	echo "$HKP11_PIN" >pin.txt
	keytool -J-Duser.language=en -list -keystore NONE -storetype PKCS11 \
		-providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$jcfg" -storepass:file pin.txt \
		>keytool.out 2>&1 || { show keytool.out; fail "keytool -list with the written configuration"; }
	expect_grep "keytool reads the token with it: the e-Cert by its friendly name" \
		'^CHAN TAI MAN \(Personal e-Cert, expires 2045-06-30\), PrivateKeyEntry' keytool.out
fi
printf 'name = mine\nlibrary = /somewhere/else.so\n' >"$jcfg"
cli jforeign register java
expect_rc "a configuration of the user's own is not replaced" 9
expect_grep "it says so" 'exists and was not written by hkpost-p11 register' jforeign.err
cli junforeign unregister java
expect_rc "nor removed" 9
cli jforce unregister java --force
expect_rc "unless --force" 0
[ ! -e "$jcfg" ] || fail "unregister java --force left $jcfg"
ok "unregister java --force removed it"

# ---- p11-kit ------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	cli p11root register p11-kit
	expect_rc "register p11-kit as root" 0
	expect_grep "it explains that p11-kit reads no user config for root" \
		'p11-kit reads no user configuration for root' p11root
	[ ! -e "$HOME/.config/pkcs11/modules/hkpost-p11.module" ] || fail "a user config was written for root"
	ok "and writes nothing"
	if command -v runuser >/dev/null 2>&1 && id -u nobody >/dev/null 2>&1; then
		u=$HKP11_TMP/nobody
		mkdir -p "$u"
		chown nobody "$u"
		chmod 755 "$HKP11_TMP"
		as_nobody ()
		{
			runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$u" \
				HKPOST_P11_MODULE="$HKPOST_P11_MODULE" LC_ALL=C.UTF-8 "$@"
		}
		# The module must be reachable by nobody for realpath.
		if as_nobody test -r "$HKP11_SHIM"; then
			as_nobody "$CLI" register p11-kit >p11user 2>&1 || { show p11user; fail "register p11-kit as nobody"; }
			conf=$u/.config/pkcs11/modules/hkpost-p11.module
			expect_grep "the user module config names the module" "^module: $MODULE_REAL\$" "$conf"
			if command -v p11-kit >/dev/null 2>&1; then
				as_nobody env HKPOST_P11_BACKEND="$SOFTHSM2_MODULE" \
					SOFTHSM2_CONF="$SOFTHSM2_CONF" HKPOST_P11_CONF=/dev/null \
					XDG_STATE_HOME="$u/state" timeout 60 p11-kit list-modules >p11list 2>&1 || :
				expect_grep "p11-kit loads it for that user" "^hkpost-p11: $MODULE_REAL\$" p11list
			fi
			as_nobody "$CLI" unregister p11-kit >p11un 2>&1 || { show p11un; fail "unregister p11-kit"; }
			[ ! -e "$conf" ] || fail "unregister left $conf"
			ok "unregister p11-kit removes it"
		else
			note "the build tree is not readable by nobody: user registration not tried"
		fi
	fi
else
	cli p11user register p11-kit
	expect_rc "register p11-kit" 0
	expect_grep "the user module config names the module" "^module: $MODULE_REAL\$" \
		"${XDG_CONFIG_HOME:-$HOME/.config}/pkcs11/modules/hkpost-p11.module"
	cli p11un unregister p11-kit
	expect_rc "unregister p11-kit" 0
fi
