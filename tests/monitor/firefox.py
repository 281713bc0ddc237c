# SPDX-License-Identifier: BSD-3-Clause
"""Wrong passwords typed into a real Firefox (headless, Marionette), one at
a time as a person types them, while hkpost-p11 monitor runs (driven by
firefox.sh).  After each, the warning must be in the notifications file
before the next password is typed.

Environment: HKP11_MODULE, HKP11_NOTES (the stand-in server's records),
HKP11_WORK, HKP11_FIREFOX, top_srcdir.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "real"))
from marionette import Gecko  # noqa: E402
import psm  # noqa: E402

env = os.environ
DEVICE = "hkpost-p11"
checks = 0


def check(cond, text, detail=None):
    global checks
    if not cond:
        print("FAIL: firefox: %s%s" % (text, "" if detail is None else ": %r" % (detail,)),
              file=sys.stderr, flush=True)
        sys.exit(1)
    checks += 1
    print("ok - %s" % text, flush=True)


def notes():
    with open(env["HKP11_NOTES"], encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def wait_notes(n, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if notes() >= n:
            return True
        time.sleep(0.05)
    return False


def main():
    wrong = ["%08d" % (97310000 + i) for i in range(1, 7)]
    with Gecko(env.get("HKP11_FIREFOX", "firefox-esr"), os.path.join(env["HKP11_WORK"], "profile"),
               log=os.path.join(env["HKP11_WORK"], "firefox.log")) as g:
        g.chrome()
        dev = psm.add_module(g, DEVICE, env["HKP11_MODULE"])
        check(dev is not None, "Firefox loaded the module")
        # 5, 4, 3, 2 tries left; at 1 the guard holds too (2 warnings).
        for i, expected in enumerate([1, 2, 3, 4, 6]):
            res = psm.login(g, DEVICE, [wrong[i]])
            check(not res["isLoggedIn"] and len(res["prompts"]) == 2,
                  "wrong password %d typed into Firefox's dialog (it asks again; cancelled)" % (i + 1),
                  res)
            check(wait_notes(expected), "the warning arrived before the next password (%d in all)"
                  % expected, notes())
        res = psm.login(g, DEVICE, [wrong[5]])
        check(not res["isLoggedIn"], "a sixth password: the guard refuses Firefox", res)
        check(wait_notes(7), "the refusal is told", notes())
    print("# firefox: %d checks" % checks, flush=True)


if __name__ == "__main__":
    main()
