#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks audit log files against the record format documented in README.md
("Audit log").  Usage: check-records.py json|text FILE...

Every line must be one record; every field must have its documented name and
type; and within each chain the sequence numbers must run 1, 2, 3 ... with
each "prev" the SHA-256 of the line before.  Prints a summary per file and
exits non-zero at the first problem."""
import hashlib
import json
import re
import sys

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
RESULT = re.compile(r"^(CKR_[A-Z0-9_]+|0x[0-9a-f]{8,16})$")
ARG_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
KINDS = {"security", "call", "event"}
REQUIRED = {"ts": str, "seq": int, "chain": str, "prev": str, "host": str, "pid": int,
            "uid": int, "program": str, "kind": str, "event": str, "args": dict}
OPTIONAL = {"phase": str, "slot": int, "token": str, "session": int, "result": str,
            "duration_us": int}
TEXT = re.compile(r'^(?P<ts>\S+) seq=(?P<seq>\d+) chain=(?P<chain>\S+) prev=(?P<prev>[0-9a-f]{64}) '
                  r'host="[^"]*" pid=(?P<pid>\d+) uid=\d+ program="(?:[^"\\]|\\.)*" '
                  r'kind=(?P<kind>security|call|event) event=(?P<event>\S+)')


def fail(where, why):
    sys.exit(f"{where}: {why}")


def check_json(where, line):
    try:
        r = json.loads(line)
    except ValueError as e:
        fail(where, f"not JSON: {e}")
    if not isinstance(r, dict):
        fail(where, "not a JSON object")
    for k, t in REQUIRED.items():
        if k not in r:
            fail(where, f"no field {k}")
        if not isinstance(r[k], t) or (t is int and isinstance(r[k], bool)):
            fail(where, f"{k} is not {t.__name__}")
    for k in r:
        if k not in REQUIRED and k not in OPTIONAL:
            fail(where, f"undocumented field {k}")
        if k in OPTIONAL and not isinstance(r[k], OPTIONAL[k]):
            fail(where, f"{k} is not {OPTIONAL[k].__name__}")
    if not TS.match(r["ts"]):
        fail(where, f"ts {r['ts']!r} is not RFC 3339 UTC with microseconds")
    if not HEX64.match(r["prev"]):
        fail(where, "prev is not 64 hex digits")
    if r["kind"] not in KINDS:
        fail(where, f"kind {r['kind']!r}")
    if not r["chain"].split("/")[1] == str(r["pid"]):
        fail(where, "chain does not name the pid")
    if "result" in r and not RESULT.match(r["result"]):
        fail(where, f"result {r['result']!r}")
    if r["kind"] == "call" and ("result" not in r or "duration_us" not in r):
        fail(where, "a call record without result or duration_us")
    if r.get("phase") not in (None, "attempt"):
        fail(where, f"phase {r['phase']!r}")
    for k, v in r["args"].items():
        if not ARG_KEY.match(k):
            fail(where, f"argument name {k!r}")
        ok = isinstance(v, (str, int, bool)) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        if not ok:
            fail(where, f"argument {k} has type {type(v).__name__}")
    return r["chain"], r["seq"], r["prev"], r["kind"], r["event"]


def check_text(where, line):
    m = TEXT.match(line)
    if not m:
        fail(where, "not a text record")
    if not TS.match(m["ts"]):
        fail(where, "bad ts")
    if m["chain"].split("/")[1] != m["pid"]:
        fail(where, "chain does not name the pid")
    if "\t" in line or "\r" in line:
        fail(where, "raw control character")
    return m["chain"], int(m["seq"]), m["prev"], m["kind"], m["event"]


def main():
    fmt, files = sys.argv[1], sys.argv[2:]
    check = check_json if fmt == "json" else check_text
    for path in files:
        chains = {}
        kinds = {}
        events = set()
        n = 0
        with open(path, "rb") as f:
            for i, raw in enumerate(f, 1):
                where = f"{path}:{i}"
                if not raw.endswith(b"\n"):
                    fail(where, "last line is not terminated")
                body = raw[:-1]
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    fail(where, "not UTF-8")
                chain, seq, prev, kind, event = check(where, text)
                last = chains.get(chain)
                want_seq, want_prev = (1, "0" * 64) if last is None else (last[0] + 1, last[1])
                if seq != want_seq:
                    fail(where, f"chain {chain}: seq {seq}, expected {want_seq}")
                if prev != want_prev:
                    fail(where, f"chain {chain}: prev does not match the record before")
                chains[chain] = (seq, hashlib.sha256(body).hexdigest())
                kinds[kind] = kinds.get(kind, 0) + 1
                events.add(event)
                n += 1
        print(f"{path}: {n} {fmt} records, {len(chains)} chains, kinds {kinds}, "
              f"events {' '.join(sorted(events))}")


main()
