#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Java (OpenJDK's SunPKCS11 provider): keytool -list shows the e-Cert as a
# private-key entry, jarsigner signs a JAR with it and jarsigner -verify
# names the holder; a changed JAR fails.  Once directly over SoftHSM, once
# through the module with the configuration `hkpost-p11 register java`
# writes: the alias is the token's container label, then the friendly one.
. "$top_srcdir/tests/real/common.sh"
real_begin java
need keytool jarsigner jar openssl softhsm2-util pkcs11-tool

start=$(date +%s)
token_new
fixtures
load_fixture "$fx" personal
printf '%s\n' "$USER_PIN" >"$work/pin.txt"
mkdir -p "$work/app"
printf 'Main-Class: Hello\n' >"$work/manifest.txt"
printf 'signed through the e-Cert token\n' >"$work/app/readme.txt"
(cd "$work/app" && jar cfm "$work/app.jar" "$work/manifest.txt" readme.txt)

# A recipient's trust store: Hongkong Post Root CA 3 only.
keytool -importcert -noprompt -alias hkpost-root -file "$fx/ca-root.pem" -keystore "$work/trust.p12" \
	-storetype PKCS12 -storepass changeit >/dev/null 2>&1 || fail "keytool -importcert of the root"

# keytool and jarsigner with the SunPKCS11 provider over the configuration.
p11 () { # tool config args...
	tool=$1
	cfg=$2
	shift 2
	timeout "$T" "$tool" -J-Duser.language=en -keystore NONE -storetype PKCS11 \
		-providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$cfg" -storepass:file "$work/pin.txt" "$@"
}

run_case () { # name config expected-alias
	name=$1
	cfg=$2
	alias=$3
	t0=$(date +%s)
	p11 keytool "$cfg" -list >"$work/list-$name.txt" 2>&1 || { show "$work/list-$name.txt"; fail "$name: keytool -list"; }
	grep -qxF "$alias, PrivateKeyEntry, " "$work/list-$name.txt" ||
		{ show "$work/list-$name.txt"; fail "$name: keytool -list shows no private-key entry '$alias'"; }
	fp=$(openssl x509 -in "$fx/personal.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
	grep -qF "$fp" "$work/list-$name.txt" || { show "$work/list-$name.txt"; fail "$name: another certificate"; }
	ok "$name: keytool -list shows the e-Cert as the private-key entry '$alias'"

	rm -f "$work/signed-$name.jar"
	p11 jarsigner "$cfg" -signedjar "$work/signed-$name.jar" "$work/app.jar" "$alias" \
		>"$work/sign-$name.txt" 2>&1 || { show "$work/sign-$name.txt"; fail "$name: jarsigner"; }
	grep -q '^jar signed\.' "$work/sign-$name.txt" || { show "$work/sign-$name.txt"; fail "$name: jar not signed"; }
	ok "$name: jarsigner signed the JAR with the token's key"

	# A Hongkong Post e-Cert is no code-signing certificate (no such
	# extended key usage): jarsigner says so, and still checks the
	# signature itself.
	timeout "$T" jarsigner -J-Duser.language=en -verify -verbose -certs -keystore "$work/trust.p12" \
		-storepass changeit "$work/signed-$name.jar" >"$work/verify-$name.txt" 2>&1 ||
		{ show "$work/verify-$name.txt"; fail "$name: jarsigner -verify"; }
	grep -q '^jar verified' "$work/verify-$name.txt" &&
		grep -q 'Signed by "EMAILADDRESS=taiman.chan@example.com.hk, CN=CHAN TAI MAN, OU=9000471235, O=Hongkong Post e-Cert (Personal), C=HK"' \
			"$work/verify-$name.txt" || { show "$work/verify-$name.txt"; fail "$name: not verified as signed by CHAN TAI MAN"; }
	ok "$name: jarsigner -verify: jar verified, signed by CHAN TAI MAN"

	# One changed entry breaks it.
	rm -rf "$work/tamper"
	mkdir -p "$work/tamper"
	cp "$work/signed-$name.jar" "$work/tamper/t.jar"
	printf 'changed\n' >"$work/tamper/readme.txt"
	(cd "$work/tamper" && jar uf t.jar readme.txt)
	if timeout "$T" jarsigner -J-Duser.language=en -verify "$work/tamper/t.jar" >"$work/tamper-$name.txt" 2>&1 &&
		grep -q '^jar verified' "$work/tamper-$name.txt"; then
		show "$work/tamper-$name.txt"
		fail "$name: a changed JAR still verifies"
	fi
	grep -q 'digest error' "$work/tamper-$name.txt" || { show "$work/tamper-$name.txt"; fail "$name: no digest error"; }
	ok "$name: a changed JAR fails to verify ($(grep -o '[A-Za-z0-9-]* digest error for [^ ]*' "$work/tamper-$name.txt" | head -n 1))"
	echo "# $name: $(($(date +%s) - t0))s"
}

# Directly over the token library: a configuration written by hand.
printf 'name = softhsm\nlibrary = %s\nslotListIndex = 0\n' "$SOFTHSM2_MODULE" >"$work/direct.cfg"
run_case direct "$work/direct.cfg" "$(token_cert_label)"

# Through the module, with the configuration register java writes.
cli=$top_builddir/tools/hkpost-p11
"$cli" --module "$MODULE" register java >"$work/register.txt" 2>&1 || { show "$work/register.txt"; fail "register java"; }
cfg=$XDG_CONFIG_HOME/hkpost-p11/java-pkcs11.cfg
grep -qxF "library = $(readlink -f "$MODULE")" "$cfg" || { show "$cfg"; fail "register java: no library line"; }
grep -qF -- "-providerArg $cfg" "$work/register.txt" || { show "$work/register.txt"; fail "register java: no -providerArg"; }
ok "register java wrote $cfg and printed how to pass it (-providerArg)"
run_case hkpost-p11 "$cfg" "$(shim_cert_label)"
case $(shim_cert_label) in
*CHAN\ TAI\ MAN*) ok "through hkpost-p11 the alias is the friendly label" ;;
*) fail "the alias through the module is not the friendly label" ;;
esac

# One login per run: the audit log holds one C_Login per keytool or jarsigner.
logins=$(grep -c 'event=C_Login ' "$XDG_STATE_HOME/hkpost-p11/audit.log" || :)
[ "$logins" -eq 2 ] || { show "$XDG_STATE_HOME/hkpost-p11/audit.log"; fail "expected 2 logins, saw $logins"; }
ok "one login per Java run through the module (audit log: $logins C_Login for keytool and jarsigner)"

"$cli" --module "$MODULE" unregister java >"$work/unregister.txt" 2>&1 || { show "$work/unregister.txt"; fail "unregister java"; }
[ ! -e "$cfg" ] || fail "unregister java left $cfg"
ok "unregister java removed the configuration"
echo "# java scenario: $(($(date +%s) - start))s"
real_end
