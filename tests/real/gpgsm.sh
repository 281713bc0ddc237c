#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# GnuPG's S/MIME tool, gpgsm, with the token through gnupg-pkcs11-scd (the
# scdaemon that loads a PKCS#11 module): gpgsm --learn-card takes the
# e-Cert from the token, signs a message twice with it, the PIN given by a
# scripted pinentry that records each prompt (one: scd keeps the PIN);
# gpgsm and OpenSSL verify the signature as CHAN TAI MAN's.  Once directly
# over SoftHSM, once through the module.
#
# A token with few tries left (gnupg-pkcs11-scd keeps the token label in
# its key references) is gpgsm-low-tries.sh.
. "$top_srcdir/tests/real/common.sh"
real_begin gpgsm
need gpgsm gpg-agent gpgconf gnupg-pkcs11-scd openssl softhsm2-util pkcs11-tool

start=$(date +%s)
token_new
fixtures
load_fixture "$fx" personal
fpr=$(openssl x509 -in "$fx/personal.pem" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g')
root_fpr=$(openssl x509 -in "$fx/ca-root.pem" -noout -fingerprint -sha1 | sed 's/^.*=//')
printf 'From: taiman.chan@example.com.hk\r\nSubject: signed with gpgsm\r\n\r\nHello.\r\n' >"$work/message.txt"
cat "$fx/ca-ca2-17.pem" "$fx/ca-root.pem" >"$work/chain.pem"

homes=
stop_agents () {
	for h in $homes; do
		GNUPGHOME=$h gpgconf --kill all 2>/dev/null || :
	done
}
real_cleanup_hook=stop_agents

run_case () { # name library
	name=$1
	lib=$2
	t0=$(date +%s)
	# Short: gpg-agent's sockets live here when /run/user has no place.
	g=$work/g-$name
	mkdir -m 700 "$g"
	homes="$homes $g"
	cat >"$g/pinentry" <<PINENTRY
#!/bin/sh
# A pinentry (Assuan protocol) that answers every GETPIN with the PIN and
# records the description it was shown.
echo "OK Pleased to meet you"
desc=
while IFS= read -r line; do
	case \$line in
	SETDESC\ *) desc=\${line#SETDESC }; echo OK ;;
	GETPIN*) printf '%s\n' "\$desc" >>"$g/prompts.txt"; echo "D $USER_PIN"; echo OK ;;
	BYE*) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
PINENTRY
	chmod 700 "$g/pinentry"
	printf 'scdaemon-program %s\npinentry-program %s\n' "$(command -v gnupg-pkcs11-scd)" "$g/pinentry" \
		>"$g/gpg-agent.conf"
	printf 'providers p1\nprovider-p1-library %s\nlog-file %s\nverbose\n' "$lib" "$g/scd.log" \
		>"$g/gnupg-pkcs11-scd.conf"
	# The stand-in CAs publish no CRLs.
	printf 'disable-crl-checks\n' >"$g/gpgsm.conf"
	printf '%s S relax\n' "$root_fpr" >"$g/trustlist.txt"
	: >"$g/prompts.txt"
	export GNUPGHOME="$g"

	timeout "$T" gpgsm --batch --import "$fx/ca-root.pem" "$fx/ca-ca2-17.pem" >"$g/import.txt" 2>&1 ||
		{ show "$g/import.txt"; fail "$name: gpgsm --import of the CAs"; }
	timeout "$T" gpgsm --batch --learn-card >"$g/learn.txt" 2>&1 || { show "$g/learn.txt"; show "$g/scd.log"; fail "$name: gpgsm --learn-card"; }
	timeout "$T" gpgsm --batch --with-colons --list-secret-keys >"$g/secret.txt" 2>&1 ||
		{ show "$g/secret.txt"; fail "$name: gpgsm --list-secret-keys"; }
	grep -q "^fpr:.*:$fpr:" "$g/secret.txt" || { show "$g/secret.txt"; fail "$name: the e-Cert is no secret key of gpgsm"; }
	ok "$name: gpgsm --learn-card took the e-Cert from the token, with its key on the card"

	for n in 1 2; do
		timeout "$T" gpgsm --batch --detach-sign -u taiman.chan@example.com.hk -o "$g/message-$n.p7s" "$work/message.txt" \
			>"$g/sign-$n.txt" 2>&1 || { show "$g/sign-$n.txt"; show "$g/scd.log"; fail "$name: gpgsm --detach-sign ($n)"; }
	done
	prompts=$(wc -l <"$g/prompts.txt")
	[ "$prompts" -eq 1 ] || { show "$g/prompts.txt"; fail "$name: $prompts PIN prompts for two signatures"; }
	ok "$name: two signatures, one PIN prompt: $(head -n 1 "$g/prompts.txt")"

	padded=0
	for n in 1 2; do
		timeout "$T" gpgsm --batch --verify "$g/message-$n.p7s" "$work/message.txt" >"$g/verify.txt" 2>&1 ||
			{ show "$g/verify.txt"; fail "$name: gpgsm --verify ($n)"; }
		grep -q 'Good signature from "/CN=CHAN TAI MAN/' "$g/verify.txt" ||
			{ show "$g/verify.txt"; fail "$name: not a good signature ($n)"; }
		# gpgsm writes a signature value whose first bit is set with a
		# zero byte in front (257 bytes for a 2048-bit key), directly as
		# through the module; OpenSSL and NSS refuse those.  The others
		# get a second opinion.
		len=$(openssl asn1parse -inform DER -in "$g/message-$n.p7s" | grep 'OCTET STRING' | tail -n 1 |
			sed 's/.* l= *\([0-9]*\) .*/\1/')
		if [ "$len" -eq 257 ]; then
			padded=$((padded + 1))
			continue
		fi
		openssl cms -verify -binary -inform DER -in "$g/message-$n.p7s" -content "$work/message.txt" \
			-CAfile "$work/chain.pem" -purpose smimesign -out /dev/null >"$g/openssl.txt" 2>&1 ||
			{ show "$g/openssl.txt"; fail "$name: openssl cms -verify ($n)"; }
	done
	ok "$name: gpgsm --verify says Good signature from CHAN TAI MAN, twice; openssl cms -verify agrees on the $((2 - padded)) of the usual length"

	GNUPGHOME=$g gpgconf --kill all 2>/dev/null || :
	unset GNUPGHOME
	echo "# $name: $(($(date +%s) - t0))s"
}

run_case softhsm "$SOFTHSM2_MODULE"
run_case hkpost-p11 "$MODULE"
n=$(grep -c 'program="gnupg-pkcs11-scd".*event=C_Login ' "$XDG_STATE_HOME/hkpost-p11/audit.log" || :)
[ "$n" -eq 1 ] || { show "$XDG_STATE_HOME/hkpost-p11/audit.log"; fail "$n logins of gnupg-pkcs11-scd audited, not 1"; }
ok "through the module, one login of gnupg-pkcs11-scd, audited"
echo "# gpgsm scenario: $(($(date +%s) - start))s"
real_end
