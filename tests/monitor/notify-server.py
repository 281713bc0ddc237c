# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in desktop notification server for the tests.

It owns org.freedesktop.Notifications on the session bus named by
DBUS_SESSION_BUS_ADDRESS, answers Notify, GetServerInformation,
GetCapabilities and CloseNotification as the freedesktop Notifications
specification says, and records each Notify as one JSON line in FILE:
the time it arrived (time.time(), the clock the audit log's timestamps
use), the caller's arguments and every hint (bytes as numbers).

    /usr/bin/python3 notify-server.py FILE

It writes "ready" to stdout once the name is its own, and ends on SIGTERM.
Debian's python3-dbus and python3-gi belong to /usr/bin/python3.
"""

import json
import signal
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


def plain(value):
    """A D-Bus value as JSON can hold it."""
    if isinstance(value, dbus.Byte):
        return int(value)
    if isinstance(value, (dbus.Boolean, bool)):
        return bool(value)
    if isinstance(value, (dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32,
                          dbus.UInt64, int)):
        return int(value)
    if isinstance(value, (dbus.Double, float)):
        return float(value)
    if isinstance(value, (dbus.Array, list)):
        return [plain(v) for v in value]
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


class Server(dbus.service.Object):
    def __init__(self, bus, out):
        super().__init__(bus, PATH)
        self.out = out
        self.next_id = 1

    @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u",
                         sender_keyword="sender")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints,
               expire_timeout, sender=None):
        nid = int(replaces_id) or self.next_id
        self.next_id = max(self.next_id, nid) + 1
        record = {
            "time": time.time(),
            "id": nid,
            "sender": str(sender),
            "app_name": str(app_name),
            "replaces_id": int(replaces_id),
            "app_icon": str(app_icon),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
            "hints": plain(hints),
            "expire_timeout": int(expire_timeout),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return dbus.UInt32(nid)

    @dbus.service.method(NAME, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("hkpost-p11-test-notifications", "hkpost-p11 tests", "1.0", "1.2")

    @dbus.service.method(NAME, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(NAME, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.signal(NAME, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    reply = bus.request_name(NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    if reply != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
        print("cannot own %s (reply %d)" % (NAME, reply), file=sys.stderr)
        return 1
    server = Server(bus, sys.argv[1])
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print("ready", flush=True)
    loop.run()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
