# SPDX-License-Identifier: BSD-3-Clause
"""Firefox ESR with the module, driven headless through Marionette.

Run by firefox.sh, which provides the token, the fixtures and the TLS server
and passes them in the environment (HKP11_*).  One Firefox process does
every check, in the order a user would:

  load the module as a security device, log in through Firefox's own
  password dialog, find the e-Cert in the certificate list, authenticate
  to an HTTPS server with it, and change the token password.
"""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from marionette import Gecko  # noqa: E402
import psm  # noqa: E402

env = os.environ
MODULE = env["HKP11_MODULE"]
PIN = env["HKP11_PIN"]
TOKEN = env["HKP11_TOKEN"]
HOLDER = env["HKP11_HOLDER"]
WORK = env["HKP11_WORK"]
DEVICE = "hkpost-p11"
BINARY = env.get("HKP11_FIREFOX", "firefox-esr")
PREFS = {
    # The pref behind "When a server requests your personal certificate:
    # Select one automatically".
    "security.default_personal_cert": "Select Automatically",
}
PIN_NOW = PIN  # the token's PIN as the session leaves it

checks = 0


def ok(text):
    global checks
    checks += 1
    print("ok - firefox: %s" % text, flush=True)


def check(cond, text, detail=None):
    if not cond:
        print("FAIL: firefox: %s%s" % (text, "" if detail is None else ": %r" % (detail,)),
              file=sys.stderr, flush=True)
        sys.exit(1)
    ok(text)


def main():
    # make check's timeout or ^C: leave through the `with`, which stops Firefox.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    global PIN_NOW
    t0 = time.monotonic()
    with Gecko(BINARY, os.path.join(WORK, "profile"), PREFS,
               log=os.path.join(WORK, "firefox.log")) as g:
        g.chrome()
        version = g.execute("return Services.appinfo.version")
        print("# Firefox %s started in %.1fs" % (version, time.monotonic() - t0), flush=True)

        # Settings > Privacy & Security > Security Devices > Load
        dev = psm.add_module(g, DEVICE, MODULE)
        check(dev is not None and dev["libName"] == MODULE,
              "Firefox %s loaded %s as security device %r" % (version, MODULE, DEVICE), dev)
        names = [s["tokenName"] for s in dev["slots"]]
        token = next((n for n in names if n.startswith(TOKEN)), None)
        check(token is not None, "the device shows token %r" % token, names)

        st = psm.token_state(g, DEVICE)
        check(not st["isLoggedIn"] and st["hasPassword"],
              "the token needs a password and is not logged in yet", st)

        # A mistyped PIN first: NSS asks again after CKR_PIN_INCORRECT.
        res = psm.login(g, DEVICE, ["00000000", PIN])
        check(res["isLoggedIn"] and res["error"] is None and len(res["prompts"]) == 2,
              "logged in by answering Firefox's password dialog (a wrong PIN, then the right "
              "one: %d dialogs)" % len(res["prompts"]), res)
        check(all(TOKEN in p for p in res["prompts"]),
              "the dialog names the token: %r" % res["prompts"][0], res["prompts"])

        # Certificate Manager > Your Certificates
        certs = psm.certs(g, token)
        mine = [c for c in certs if c["commonName"] == HOLDER]
        check(len(mine) == 1 and "O=Hongkong Post e-Cert (Personal)" in mine[0]["subjectName"],
              "the e-Cert is among the user's certificates on %r: %s" %
              (token, mine[0]["subjectName"] if mine else None), certs)

        # TLS client authentication, the certificate chosen automatically.
        ca = psm.trust_ca(g, env["HKP11_SERVER_CA"])
        ok("the test server CA is trusted in the profile (%s)" % ca)
        g.content()
        t1 = time.monotonic()
        g.navigate(env["HKP11_TLS_URL"])
        page = g.execute("return document.body ? document.body.textContent : ''")
        g.chrome()
        with open(os.path.join(WORK, "page.txt"), "w", encoding="utf-8") as f:
            f.write(page or "")
        proto = re.search(r"Protocol\s*:\s*(\S+)", page or "")
        subject = re.search(r"Subject:\s*(.*CN\s*=\s*%s.*)" % re.escape(HOLDER), page or "")
        check("Client certificate" in (page or "") and subject is not None,
              "the HTTPS server received the e-Cert over %s in %.1fs: %s" %
              (proto.group(1) if proto else "?", time.monotonic() - t1,
               subject.group(1).strip() if subject else None), (page or "")[-1500:])

        # Settings > Security Devices > Change Password
        if env.get("HKP11_POLICY") == "yes":
            weak = "12345678"
            strong = "Tai#Man2026"
            err = psm.change_password(g, DEVICE, PIN, weak)
            check(err is not None, "changePassword to an all-digit PIN is refused: %r" % err)
            err = psm.change_password(g, DEVICE, PIN, strong)
            check(err is None, "changePassword to a strong PIN succeeds", err)
            PIN_NOW = strong
            psm.logout(g, DEVICE)
            res = psm.login(g, DEVICE, [strong])
            check(res["isLoggedIn"] and len(res["prompts"]) == 1,
                  "the new PIN logs in", res)
        else:
            print("# not checked: PIN policy on changePassword (the policy layer is not "
                  "in this tree)", flush=True)
        if env.get("HKP11_LOCKOUT") == "yes":
            lockout(g)
        else:
            print("# not checked: lockout warnings and guard (the lockout layer is not in "
                  "this build)", flush=True)
    if env.get("HKP11_LOCKOUT") == "yes":
        t1 = time.monotonic()
        with Gecko(BINARY, os.path.join(WORK, "profile"), PREFS,
                   log=os.path.join(WORK, "firefox.log")) as g:
            g.chrome()
            after_restart(g)
        print("# restart and checks: %.1fs" % (time.monotonic() - t1), flush=True)
    print("# firefox: %d checks, %.1fs with start-up and shut-down" %
          (checks, time.monotonic() - t0), flush=True)


ATTEMPTS, WARN = 15, 5  # the lockout layer's defaults


def lockout(g):
    """Wrong PINs typed one after another into Firefox's dialog, with the
    module's defaults (15 tries, warnings from 5 left, the last one held
    back).  NSS asks again after every wrong PIN; the guard must answer
    the last try itself so that NSS stops asking."""
    psm.logout(g, DEVICE)
    # All different: the layer refuses a repeated wrong PIN without
    # spending a try, which would stretch the count.
    wrong = ["%08d" % (31415900 + i) for i in range(ATTEMPTS + 1)]
    t = time.monotonic()
    res = psm.login(g, DEVICE, wrong)
    prompts = res["prompts"]
    with open(os.path.join(WORK, "lockout-prompts.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(prompts) + "\n")
    check(not res["isLoggedIn"] and len(prompts) == ATTEMPTS,
          "the guard held back the last try: Firefox showed %d dialogs for %d wrong PINs, "
          "then stopped asking and said %r (%.1fs)" % (len(prompts), len(wrong), res["error"],
                                                      time.monotonic() - t), res)
    with open(os.path.join(WORK, "firefox.log"), encoding="utf-8", errors="replace") as f:
        refusal = [line.strip() for line in f if "C_Login refused: only 1 try left" in line]
    check(len(refusal) == 1, "the refusal came from the module, not the token: %s" %
          (refusal[0][:90] + "..." if refusal else None), refusal)
    # NSS reads the token label once, when the token appears: the label's
    # warning cannot reach a dialog of the same Firefox session.
    warned = [p for p in prompts if "left)" in p]
    if warned:
        check(all("left)" in p for p in prompts[ATTEMPTS - WARN:]),
              "Firefox's dialog showed the tries left during the session", prompts)
    else:
        print("# gap: during the session Firefox's dialog kept saying %r: NSS caches the "
              "token label, so the label's warning shows only after a restart" % prompts[-1],
              flush=True)


def after_restart(g):
    """The next Firefox start, with the count where the session left it:
    the dialog names the tries left, and the right PIN is still held back."""
    left = 1
    res = psm.login(g, DEVICE, [PIN_NOW])
    prompts = res["prompts"]
    check(len(prompts) == 1 and "(%d try left)" % left in prompts[0],
          "after a restart Firefox's dialog warns: %r" % (prompts[0] if prompts else None), res)
    check(not res["isLoggedIn"],
          "the guard holds across processes: even the right PIN is held back (%s)" %
          res["error"], res)


if __name__ == "__main__":
    main()
