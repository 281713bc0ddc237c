#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# gnupg-pkcs11-scd at 5 tries left (issue 16).  pkcs11-helper keeps the
# token label in its key references: had the module renamed the token
# ("eToken (5 tries left)"), it would take the token for removed and ask
# for it again and again (thousands of pinentry prompts, gpgsm hanging).
# With the default settings: gpgsm --learn-card takes the e-Cert, ten
# wrong passwords bring the token to 5 tries left behind the running
# scdaemon's back, and gpgsm then signs with one PIN prompt, the right PIN
# giving the tries back; again from freshly started agents at 5 tries
# left.  The scripted pinentry counts every prompt it answers.
. "$top_srcdir/tests/real/common.sh"
real_begin gpgsm-low-tries
need gpgsm gpg-agent gpgconf gnupg-pkcs11-scd openssl softhsm2-util pkcs11-tool

token_new
fixtures
load_fixture "$fx" personal
cli=$top_builddir/tools/hkpost-p11
fpr=$(openssl x509 -in "$fx/personal.pem" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g')
root_fpr=$(openssl x509 -in "$fx/ca-root.pem" -noout -fingerprint -sha1 | sed 's/^.*=//')
printf 'From: taiman.chan@example.com.hk\r\nSubject: signed at 5 tries left\r\n\r\nHello.\r\n' >"$work/message.txt"

g=$work/g
mkdir -m 700 "$g"
stop_agents () {
	GNUPGHOME=$g gpgconf --kill all 2>/dev/null || :
}
real_cleanup_hook=stop_agents
# A pinentry (Assuan protocol) that answers GETPIN with the PIN, says OK to
# every question (CONFIRM: "insert the token"), and writes a line for each.
cat >"$g/pinentry" <<PINENTRY
#!/bin/sh
echo "OK Pleased to meet you"
while IFS= read -r line; do
	case \$line in
	GETPIN*) echo getpin >>"$g/prompts.txt"; echo "D $USER_PIN"; echo OK ;;
	CONFIRM* | MESSAGE*) echo confirm >>"$g/prompts.txt"; echo OK ;;
	BYE*) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
PINENTRY
chmod 700 "$g/pinentry"
printf 'scdaemon-program %s\npinentry-program %s\n' "$(command -v gnupg-pkcs11-scd)" "$g/pinentry" \
	>"$g/gpg-agent.conf"
printf 'providers p1\nprovider-p1-library %s\nlog-file %s\nverbose\n' "$MODULE" "$g/scd.log" \
	>"$g/gnupg-pkcs11-scd.conf"
printf 'disable-crl-checks\n' >"$g/gpgsm.conf"
printf '%s S relax\n' "$root_fpr" >"$g/trustlist.txt"
: >"$g/prompts.txt"
export GNUPGHOME="$g"

timeout "$T" gpgsm --batch --import "$fx/ca-root.pem" "$fx/ca-ca2-17.pem" >"$g/import.txt" 2>&1 ||
	{ show "$g/import.txt"; fail "gpgsm --import of the CAs"; }

# sign N: gpgsm signs, bounded well below the endless prompting; one
# prompt at most, and the tries back at 15.
sign () {
	: >"$g/prompts.txt"
	timeout 30 gpgsm --batch --detach-sign -u taiman.chan@example.com.hk -o "$g/message-$1.p7s" \
		"$work/message.txt" >"$g/sign-$1.txt" 2>&1 ||
		{ show "$g/sign-$1.txt"; tail -n 30 "$g/scd.log" >&2; fail "gpgsm --detach-sign at 5 tries left ($1; $(wc -l <"$g/prompts.txt") prompts)"; }
	prompts=$(wc -l <"$g/prompts.txt")
	[ "$prompts" -le 1 ] || { show "$g/prompts.txt"; fail "$prompts pinentry prompts for one signature ($1)"; }
	timeout "$T" gpgsm --batch --verify "$g/message-$1.p7s" "$work/message.txt" >"$g/verify.txt" 2>&1 ||
		{ show "$g/verify.txt"; fail "gpgsm --verify ($1)"; }
	grep -q 'Good signature from "/CN=CHAN TAI MAN/' "$g/verify.txt" || { show "$g/verify.txt"; fail "not a good signature ($1)"; }
	"$cli" --module "$MODULE" status >"$work/status.txt" 2>&1 || :
	grep -q ' 15 tries left of 15' "$work/status.txt" || { show "$work/status.txt"; fail "the tries are not back after the signature ($1)"; }
}

timeout "$T" gpgsm --batch --learn-card >"$g/learn.txt" 2>&1 || { show "$g/learn.txt"; show "$g/scd.log"; fail "gpgsm --learn-card"; }
ok "gpgsm --learn-card took the e-Cert from the token (15 tries)"

# The running scdaemon holds key references made with 15 tries left.
to_five_tries_left
sign 1
ok "ten wrong passwords behind the running scdaemon (5 tries left): gpgsm signs with $prompts prompt, Good signature, tries back to 15"

# From scratch at 5 tries left: fresh agents learn the card and sign.
stop_agents
to_five_tries_left
timeout 30 gpgsm --batch --learn-card >"$g/learn2.txt" 2>&1 || { show "$g/learn2.txt"; fail "gpgsm --learn-card at 5 tries left"; }
timeout "$T" gpgsm --batch --with-colons --list-secret-keys >"$g/secret.txt" 2>&1 ||
	{ show "$g/secret.txt"; fail "gpgsm --list-secret-keys at 5 tries left"; }
grep -q "^fpr:.*:$fpr:" "$g/secret.txt" || { show "$g/secret.txt"; fail "at 5 tries left the e-Cert is no secret key of gpgsm"; }
sign 2
ok "fresh agents at 5 tries left: --learn-card finds the key, then gpgsm signs with $prompts prompt, Good signature"

n=$(grep -c 'program="gnupg-pkcs11-scd".*event=C_Login ' "$XDG_STATE_HOME/hkpost-p11/audit.log" || :)
[ "$n" -ge 2 ] && [ "$n" -le 4 ] || { show "$XDG_STATE_HOME/hkpost-p11/audit.log"; fail "$n logins of gnupg-pkcs11-scd audited"; }
ok "the audit log has $n logins of gnupg-pkcs11-scd: no login storm"
real_end
