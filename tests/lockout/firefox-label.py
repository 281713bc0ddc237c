# SPDX-License-Identifier: BSD-3-Clause
"""The tries-left label in a real Firefox (driven by firefox-label.sh).

NSS ignores the token flags and shows only the token label in its password
dialog, so hkpost-p11 puts the tries left there.  This records what Firefox
really shows, in three runs of Firefox on one profile:

  1. wrong PINs in the dialog: NSS keeps the label it read when it loaded
     the token, so the dialog keeps saying "(eToken)" within this run;
  2. a new Firefox: the dialog and the device show "eToken (4 tries left)",
     the right PIN logs in, the e-Cert is listed under the new name and
     authenticates to an HTTPS server;
  3. a new Firefox after the good PIN: the label is "eToken" again and the
     e-Cert is under it.
"""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "real"))
from marionette import Gecko  # noqa: E402
import psm  # noqa: E402

env = os.environ
MODULE = env["HKP11_MODULE"]
PIN = env["HKP11_PIN"]
HOLDER = env["HKP11_HOLDER"]
WORK = env["HKP11_WORK"]
DEVICE = "hkpost-p11"
PREFS = {"security.default_personal_cert": "Select Automatically"}
checks = 0


def check(cond, text, detail=None):
    global checks
    if not cond:
        print("FAIL: firefox-label: %s%s" % (text, "" if detail is None else ": %r" % (detail,)),
              file=sys.stderr, flush=True)
        sys.exit(1)
    checks += 1
    print("ok - firefox-label: %s" % text, flush=True)


def firefox(run):
    return Gecko(env.get("HKP11_FIREFOX", "firefox-esr"), os.path.join(WORK, "profile"), PREFS,
                 log=os.path.join(WORK, "firefox-%d.log" % run))


def holder_certs(g, token):
    return [c for c in psm.certs(g, token) if c["commonName"] == HOLDER]


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    wrong = ["%08d" % (27182800 + i) for i in range(11)]

    with firefox(1) as g:
        g.chrome()
        dev = psm.add_module(g, DEVICE, MODULE)
        check(dev is not None, "Firefox loaded the module", dev)
        res = psm.login(g, DEVICE, wrong)
        prompts = res["prompts"]
        # 11 wrong PINs, then a 12th dialog that is cancelled.
        check(len(prompts) == 12 and not res["isLoggedIn"],
              "11 wrong PINs typed into Firefox's dialog, then cancelled", res)
        check(all(p == "Please authenticate to the security device (eToken)." for p in prompts),
              "within one Firefox run the dialog keeps the label NSS read at load: %r "
              "(NSS does not read the token info again between tries)" % prompts[-1], prompts)
        time.sleep(2)
        st = psm.token_state(g, DEVICE)
        check(st["tokenName"] == "eToken",
              "nor later in that run: the device still shows %r" % st["tokenName"], st)

    with firefox(2) as g:
        g.chrome()
        st = psm.token_state(g, DEVICE)
        check(st["tokenName"] == "eToken (4 tries left)",
              "a new Firefox shows the device's token as %r" % st["tokenName"], st)
        res = psm.login(g, DEVICE, [PIN])
        check(res["isLoggedIn"] and res["prompts"] ==
              ["Please authenticate to the security device (eToken (4 tries left))."],
              "its password dialog says %r, and the right PIN logs in" % res["prompts"][0], res)
        mine = holder_certs(g, "eToken (4 tries left)")
        check(len(mine) == 1, "the e-Cert is listed under the token's new name: %s (%s)" %
              (mine[0]["subjectName"] if mine else None, mine[0]["tokenName"] if mine else None),
              psm.certs(g, "eToken (4 tries left)"))
        psm.trust_ca(g, env["HKP11_SERVER_CA"])
        g.content()
        g.navigate(env["HKP11_TLS_URL"])
        page = g.execute("return document.body ? document.body.textContent : ''") or ""
        g.chrome()
        check("Client certificate" in page and
              re.search(r"Subject:.*CN\s*=\s*%s" % re.escape(HOLDER), page) is not None,
              "the e-Cert under the new name authenticates to an HTTPS server", page[-1500:])
        st = psm.token_state(g, DEVICE)
        check(st["tokenName"] == "eToken (4 tries left)",
              "after the good PIN this run keeps the name it loaded (%r)" % st["tokenName"], st)

    with firefox(3) as g:
        g.chrome()
        st = psm.token_state(g, DEVICE)
        check(st["tokenName"] == "eToken",
              "a new Firefox after the good PIN shows the token's own label %r" % st["tokenName"],
              st)
        res = psm.login(g, DEVICE, [PIN])
        check(res["isLoggedIn"] and res["prompts"] ==
              ["Please authenticate to the security device (eToken)."],
              "its dialog says %r" % res["prompts"][0], res)
        mine = holder_certs(g, "eToken")
        check(len(mine) == 1, "and the e-Cert is under that name again", psm.certs(g, "eToken"))

    print("# firefox-label: %d checks" % checks, flush=True)


if __name__ == "__main__":
    main()
