# SPDX-License-Identifier: BSD-3-Clause
"""Thunderbird with the module, driven headless through Marionette.

Run by thunderbird.sh, which provides the token and the fixtures in the
environment (HKP11_*).  One Thunderbird process: load the module as a
security device, log in through Thunderbird's password dialog, find the
e-Cert among the user's certificates, and sign a message with it through
Thunderbird's own S/MIME encoder (thunderbird.sh verifies the result).
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from marionette import Gecko  # noqa: E402
import psm  # noqa: E402

env = os.environ
MODULE = env["HKP11_MODULE"]
TOKEN = env["HKP11_TOKEN"]
HOLDER = env["HKP11_HOLDER"]
WORK = env["HKP11_WORK"]
FX = env["HKP11_FIXTURES"]
DEVICE = "hkpost-p11"

checks = 0


def check(cond, text, detail=None):
    global checks
    if not cond:
        print("FAIL: thunderbird: %s%s" % (text, "" if detail is None else ": %r" % (detail,)),
              file=sys.stderr, flush=True)
        sys.exit(1)
    checks += 1
    print("ok - thunderbird: %s" % text, flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    t0 = time.monotonic()
    with Gecko(env.get("HKP11_THUNDERBIRD", "thunderbird"), os.path.join(WORK, "profile"),
               log=os.path.join(WORK, "thunderbird.log")) as g:
        g.chrome()
        version = g.execute("return Services.appinfo.version")
        print("# Thunderbird %s started in %.1fs" % (version, time.monotonic() - t0), flush=True)

        # Settings > Privacy & Security > Security Devices > Load
        dev = psm.add_module(g, DEVICE, MODULE)
        check(dev is not None and dev["libName"] == MODULE,
              "Thunderbird %s loaded %s as security device %r" % (version, MODULE, DEVICE), dev)
        names = [s["tokenName"] for s in dev["slots"]]
        token = next((n for n in names if n and n.startswith(TOKEN)), None)
        check(token is not None, "the device shows token %r" % token, names)

        res = psm.login(g, DEVICE, [env["HKP11_PIN"]])
        check(res["isLoggedIn"] and res["error"] is None and len(res["prompts"]) == 1,
              "logged in by answering Thunderbird's password dialog", res)

        # Settings > Certificates > Your Certificates
        certs = psm.certs(g, token)
        mine = [c for c in certs if c["commonName"] == HOLDER]
        check(len(mine) == 1 and mine[0]["emailAddress"],
              "the e-Cert is among the user's certificates: %s <%s>" %
              (mine[0]["displayName"], mine[0]["emailAddress"]) if mine else "no e-Cert", certs)

        # S/MIME: the root trusted for e-mail, as Mozilla's store has it.
        psm.trust_ca(g, os.path.join(FX, "ca-root.pem"), ",C,")
        psm.trust_ca(g, os.path.join(FX, "ca-ca2-17.pem"), ",,")
        err = psm.smime_sign(g, mine[0]["dbKey"], mine[0]["emailAddress"], "someone@example.com",
                             "Signed with an e-Cert through hkpost-p11",
                             "Hello from Thunderbird.", os.path.join(WORK, "signed.eml"))
        check(err is None, "Thunderbird's S/MIME encoder signed a message with the e-Cert", err)
    print("# thunderbird: %d checks, %.1fs with start-up and shut-down" %
          (checks, time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    main()
