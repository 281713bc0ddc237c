# SPDX-License-Identifier: BSD-3-Clause
"""Scenario 5: Firefox running while the smart card is pulled out and put
back.  Run by firefox.sh (the stack, the TLS servers and the module in
HKP11_*).  One Firefox process:

  loads the module, logs in through Firefox's own password dialog and
  authenticates to an HTTPS server with the e-Cert; the card is pulled
  out and the e-Cert disappears from Firefox's certificates; the card is
  put back and the e-Cert reappears; a new login goes through Firefox's
  dialog, and TLS client authentication to a second server works again.
"""

import os
import re
import signal
import subprocess
import sys
import time

env = os.environ
sys.path.insert(0, os.path.join(env["top_srcdir"], "tests", "real"))
from marionette import Gecko, MarionetteError  # noqa: E402
import psm  # noqa: E402

MODULE = env["HKP11_MODULE"]
RUN = env["HKP11_RUN"]  # "direct" or "shim", for the messages
PIN = env["HKP11_PIN"]
HOLDER = env["HKP11_HOLDER"]
WORK = env["HKP11_WORK"]
CARD_CTL = env["HKP11_CARD_CTL"].split()
DEVICE = "smartcard"
PREFS = {"security.default_personal_cert": "Select Automatically"}

checks = 0


def ok(text):
    global checks
    checks += 1
    print("ok - firefox %s: %s" % (RUN, text), flush=True)


def check(cond, text, detail=None):
    if not cond:
        print("FAIL: firefox %s: %s%s" % (RUN, text, "" if detail is None else ": %r" % (detail,)),
              file=sys.stderr, flush=True)
        sys.exit(1)
    ok(text)


def holder_certs(g):
    """The holder's certificates, or None while Firefox cannot list them
    (a password dialog is open, or NSS is taking the token in)."""
    try:
        certs = psm.certs(g, HOLDER)
    except MarionetteError:
        return None
    if certs is None:
        return None
    return [c for c in certs if c["commonName"] == HOLDER]


def wait_for(what, pred, timeout=30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.25)
    return None


def device(g):
    """What Security Devices shows for the module, and every certificate."""
    return g.execute(psm._FIND_TOKEN + """
const m = await findModule(arguments[0]);
const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
return {slots: m.slots.map(s => ({name: s.name, status: s.status, token: s.tokenName,
                                  present: s.getToken().isHardwareToken})),
        certs: (await certdb.getCerts()).map(c => [c.tokenName, c.commonName])};
""", [DEVICE])


def tls(g, url):
    g.content()
    t0 = time.monotonic()
    g.navigate(url)
    page = g.execute("return document.body ? document.body.textContent : ''") or ""
    g.chrome()
    subject = re.search(r"Subject:\s*(.*CN\s*=\s*%s.*)" % re.escape(HOLDER), page)
    return subject is not None and "Client certificate" in page, time.monotonic() - t0, page


def card(cmd):
    out = subprocess.run(CARD_CTL + [cmd], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    t0 = time.monotonic()
    with Gecko(env.get("HKP11_FIREFOX", "firefox-esr"), os.path.join(WORK, "profile-" + RUN),
               PREFS, log=os.path.join(WORK, "firefox-%s.log" % RUN)) as g:
        g.chrome()
        dev = psm.add_module(g, DEVICE, MODULE)
        names = [s["tokenName"] for s in dev["slots"]] if dev else []
        check(HOLDER in names, "Firefox lists the card's token %r" % HOLDER, names)
        res = psm.login(g, DEVICE, [PIN])
        check(res["isLoggedIn"] and len(res["prompts"]) == 1,
              "logged in through Firefox's password dialog", res)
        check(len(holder_certs(g)) == 1, "the e-Cert is among Firefox's certificates")
        ca = psm.trust_ca(g, env["HKP11_SERVER_CA"])
        good, dt, page = tls(g, env["HKP11_TLS_URL1"])
        check(good, "TLS client authentication with the e-Cert (%.1fs)" % dt, page[-800:])

        t = time.monotonic()
        # Firefox asks for the password by itself when it sees the card
        # (again): its own dialog, answered as a user would.  It may ask
        # while it takes in the removal too, so the answers are ready first.
        g.execute(psm._answer_dialogs([PIN, PIN]) + "return true;")
        check(card("remove") == "removed", "the card is pulled out")
        gone = wait_for("gone", lambda: holder_certs(g) == [])
        check(gone is not None, "the e-Cert disappears from Firefox (%.1fs)" % (gone or 0))
        check(card("insert") == "inserted card-a", "the card is put back")
        back = wait_for("back", lambda: len(holder_certs(g) or []) == 1, timeout=60)
        check(back is not None, "the e-Cert reappears in Firefox (%.1fs)" % (back or 0),
              back is not None or device(g))
        login = wait_for("login", lambda: psm.token_state(g, DEVICE)["isLoggedIn"])
        prompts = g.execute("return window.__hkp11_state.prompts;")
        check(login is not None and prompts and HOLDER in prompts[-1],
              "a new login went through Firefox's own dialog: %r (%d dialog%s)" %
              (prompts[-1] if prompts else None, len(prompts), "" if len(prompts) == 1 else "s"),
              prompts)
        good, dt, page = tls(g, env["HKP11_TLS_URL2"])
        check(good, "TLS client authentication works again (%.1fs)" % dt, page[-800:])
        print("# time firefox-%s-replug: %.1f" % (RUN, time.monotonic() - t), flush=True)
    print("# time firefox-%s: %.1f (with start-up and shut-down)" % (RUN, time.monotonic() - t0),
          flush=True)


if __name__ == "__main__":
    main()
