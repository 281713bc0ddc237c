#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drives a program through a pseudo-terminal, as a person at a terminal would.

    pty-drive.py [--timeout S] STEP... -- PROGRAM [ARG...]

Steps, in order:
    expect:REGEX    wait until the output since the last match matches REGEX
    send:TEXT       type TEXT and Enter
    sendenv:NAME    type the value of the environment variable NAME and Enter
                    (so that a password appears in no command line and no file)
    eof             type Ctrl-D (end of input)

Everything the program writes on the terminal goes to standard output, with
CR LF turned into LF.  The exit status is the program's; 124 when an expect
timed out (the transcript so far is printed first), 125 on bad usage.
The terminal is the program's controlling terminal, so /dev/tty is this pty.
"""
import codecs
import os
import pty
import re
import select
import sys
import time


def usage():
    sys.stderr.write(__doc__)
    sys.exit(125)


def main(argv):
    timeout = 10.0
    steps = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if a == "--timeout":
            timeout = float(argv[i + 1])
            i += 2
            continue
        kind, _, arg = a.partition(":")
        if kind not in ("expect", "send", "sendenv", "eof"):
            usage()
        steps.append((kind, arg))
        i += 1
    command = argv[i:]
    if not command:
        usage()

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    transcript = []  # decoded text, CR LF as LF
    start = 0  # where the next expect starts looking, in the joined text

    def read_some(deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the program closed the terminal
            return None
        if not data:
            return None
        transcript.append(decoder.decode(data))
        return True

    def text():
        return "".join(transcript).replace("\r\n", "\n").replace("\r", "")

    status = None
    for kind, arg in steps:
        if kind == "expect":
            deadline = time.monotonic() + timeout
            pattern = re.compile(arg)
            while True:
                m = pattern.search(text(), start)
                if m:
                    start = m.end()
                    break
                got = read_some(deadline)
                if not got:
                    sys.stdout.write(text())
                    sys.stdout.write("\n[pty-drive: timed out or ended waiting for /%s/]\n" % arg)
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                    os.waitpid(pid, 0)
                    return 124
        elif kind == "send":
            os.write(fd, arg.encode() + b"\r")
        elif kind == "sendenv":
            os.write(fd, os.environ.get(arg, "").encode() + b"\r")
        elif kind == "eof":
            os.write(fd, b"\x04")

    # The rest of the output, until the program ends.
    deadline = time.monotonic() + timeout
    got = True
    while got:
        got = read_some(deadline)
    if got is False:  # still running at the deadline
        sys.stdout.write(text())
        sys.stdout.write("\n[pty-drive: the program did not end]\n")
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        return 124
    sys.stdout.write(text())
    sys.stdout.flush()
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
