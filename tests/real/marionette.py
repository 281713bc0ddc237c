# SPDX-License-Identifier: BSD-3-Clause
"""A small Marionette client (Python 3 standard library only).

Firefox and Thunderbird carry a remote-control server, Marionette, that
geckodriver normally talks to.  Its wire format is simple enough to speak
directly: each message is "LENGTH:JSON"; a command is [0, id, name, params]
and its answer [1, id, error, result].  No geckodriver, nothing downloaded.

Gecko starts the way a user's would, headless, with a throwaway profile:

    with Gecko("firefox-esr", profile_dir, prefs) as g:
        g.chrome()
        g.execute("return Services.appinfo.version")

The port is chosen by Gecko (marionette.port = 0) and read back from the
MarionetteActivePort file it writes in the profile, so parallel runs never
collide.
"""

import json
import os
import signal
import socket
import subprocess
import time


class MarionetteError(Exception):
    """An error answer from Marionette, or a protocol failure."""


class Marionette:
    def __init__(self, port, host="127.0.0.1", timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.next_id = 1
        hello = self._read()
        if hello.get("marionetteProtocol") != 3:
            raise MarionetteError("unexpected greeting %r" % hello)
        self.application = hello.get("applicationType")

    def _read(self):
        while b":" not in self.buf:
            self._fill()
        length, rest = self.buf.split(b":", 1)
        n = int(length)
        self.buf = rest
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return json.loads(data.decode("utf-8"))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise MarionetteError("connection closed by the application")
        self.buf += chunk

    def command(self, name, params=None):
        msg_id = self.next_id
        self.next_id += 1
        data = json.dumps([0, msg_id, name, params or {}]).encode("utf-8")
        self.sock.sendall(str(len(data)).encode("ascii") + b":" + data)
        while True:
            reply = self._read()
            if reply[0] == 1 and reply[1] == msg_id:
                break
        error, result = reply[2], reply[3]
        if error:
            raise MarionetteError("%s: %s: %s" % (name, error.get("error"),
                                  error.get("message")))
        if isinstance(result, dict) and set(result) == {"value"}:
            return result["value"]
        return result

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Gecko:
    """Runs a Gecko application headless under Marionette and drives it.

    Every process it starts is in its own process group and is gone when
    the context ends, whatever happened inside it."""

    def __init__(self, binary, profile, prefs=None, env=None, start_timeout=90,
             script_timeout=60, log=None):
        self.binary = binary
        self.profile = profile
        self.prefs = dict(DEFAULT_PREFS)
        self.prefs.update(prefs or {})
        self.env = dict(os.environ if env is None else env)
        self.env.update({"MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1",
                 "MOZ_DISABLE_AUTO_SAFE_MODE": "1"})
        self.start_timeout = start_timeout
        self.script_timeout = script_timeout
        self.log = log
        self.proc = None
        self.m = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        os.makedirs(self.profile, exist_ok=True)
        with open(os.path.join(self.profile, "user.js"), "w", encoding="utf-8") as f:
            for k, v in self.prefs.items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))
        port_file = os.path.join(self.profile, "MarionetteActivePort")
        if os.path.exists(port_file):
            os.unlink(port_file)
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                [self.binary, "--headless", "--marionette", "-remote-allow-system-access",
                 "--no-remote", "--profile", self.profile],
                env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True)
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        deadline = time.monotonic() + self.start_timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MarionetteError("%s exited with status %d during start-up" %
                              (self.binary, self.proc.returncode))
            try:
                with open(port_file, encoding="ascii") as f:
                    port = int(f.read().strip() or "0")
                if port:
                    self.m = Marionette(port)
                    break
            except (OSError, ValueError) as e:
                last = e
            time.sleep(0.2)
        else:
            raise MarionetteError("no Marionette server within %ds (%s)" %
                          (self.start_timeout, last))
        self.m.command("WebDriver:NewSession", {"unhandledPromptBehavior": "ignore"})
        self.m.command("WebDriver:SetTimeouts", {"script": self.script_timeout * 1000,
                             "pageLoad": self.script_timeout * 1000})

    def stop(self):
        if self.m is not None:
            try:
                self.m.sock.settimeout(10)
                self.m.command("Marionette:Quit", {"flags": ["eForceQuit"]})
            except (MarionetteError, OSError):
                pass
            self.m.close()
            self.m = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            # The group holds the content processes too.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None

    def chrome(self):
        self.m.command("Marionette:SetContext", {"value": "chrome"})

    def content(self):
        self.m.command("Marionette:SetContext", {"value": "content"})

    def execute(self, script, args=None):
        """Runs script as the body of an async function (so it may use
        await) with args as `arguments`; returns what it returns."""
        wrapped = "return (async function () {\n%s\n}).apply(this, arguments);" % script
        return self.m.command("WebDriver:ExecuteScript",
                              {"script": wrapped, "args": args or [], "newSandbox": True})

    def navigate(self, url):
        self.m.command("WebDriver:Navigate", {"url": url})


# Quiet, offline, and nothing that phones home or asks questions.
DEFAULT_PREFS = {
    "marionette.port": 0,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.aboutwelcome.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.newtabpage.enabled": False,
    "browser.region.network.url": "",
    "browser.search.geoip.url": "",
    "captivedetect.canonicalURL": "",
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "remote.prefs.recommended": True,
    "security.OCSP.enabled": 0,
    "security.remote_settings.crlite_filters.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.server": "",
    "toolkit.startup.max_resumed_crashes": -1,
    "mail.shell.checkDefaultClient": False,
    "mailnews.start_page.enabled": False,
    "mail.provider.enabled": False,
}
