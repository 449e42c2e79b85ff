#!/usr/bin/env python3
"""Speaks the client protocol (README, "Client protocol") with Debian's
python3-zmq, a client that is not ours: starts `fqldb node` on 127.0.0.1
with a free port, sends requests on a DEALER socket, and checks the replies.
Usage: python_client_test.py FQLDB_BINARY. Exits 0 when every check holds."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import zmq

PROTOCOL = b"fqldb/1"
DEADLINE_MS = 20000


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def start_node(binary, data):
    node = subprocess.Popen([binary, "node", "--data", data, "--listen", "tcp://127.0.0.1:0"],
                            stdout=subprocess.PIPE, text=True)
    line = node.stdout.readline()  # "fqldb node listening on tcp://127.0.0.1:PORT (data ...)"
    m = re.search(r"listening on (\S+)", line)
    if not m:
        node.kill()
        fail("no endpoint line from the node: %r" % line)
    return node, m.group(1)


def request(sock, rid, text, options=""):
    sock.send_multipart([PROTOCOL, rid.encode(), options.encode(), text.encode()])
    replies = []
    while True:
        if not sock.poll(DEADLINE_MS):
            fail("no reply to %s within %d ms" % (rid, DEADLINE_MS))
        frames = sock.recv_multipart()
        if frames[0] != PROTOCOL or frames[1].decode() != rid:
            fail("reply not for %s: %r" % (rid, frames))
        kind = frames[2].decode()
        replies.append([f.decode() for f in frames[2:]])
        if kind in ("done", "error"):
            return replies


def main():
    if len(sys.argv) != 2:
        fail("usage: python_client_test.py FQLDB_BINARY")
    data = tempfile.mkdtemp(prefix="fql_pyclient_")
    node, endpoint = start_node(sys.argv[1], os.path.join(data, "db"))
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    try:
        # Three queries: each streams back a result, then "done" with counts.
        r = request(sock, "q1",
                    "CreateCollection({name: 'py'})\n"
                    "Create(Ref(Collection('py'), '1'), {data: {lang: 'python'}})\n"
                    "Select(['data', 'lang'], Get(Ref(Collection('py'), '1')))",
                    "format=json\n")
        if [x[0] for x in r] != ["result", "result", "result", "done"]:
            fail("unexpected reply kinds: %r" % r)
        if [x[1] for x in r[:3]] != ["0", "1", "2"] or any(x[2] != "ok" for x in r[:3]):
            fail("results not in order or not ok: %r" % r)
        if r[2][3] != '"python"':
            fail("wrong value: %r" % r[2][3])
        if r[3][1:] != ["3", "0"]:
            fail("wrong counts: %r" % r[3])
        # A failing query is a result with "error" and Fauna's code and position.
        r = request(sock, "q2", "Add(1, 'x')", "format=json")
        if r[0][2] != "error" or '"code":"invalid argument"' not in r[0][3] or '"line":1' not in r[0][3]:
            fail("bad error result: %r" % r)
        if r[1] != ["done", "1", "1"]:
            fail("bad counts after an error: %r" % r)
        # A malformed request gets an error reply naming the problem.
        sock.send_multipart([PROTOCOL, b"q3", b"format=yaml", b"1"])
        if not sock.poll(DEADLINE_MS):
            fail("no reply to a malformed request")
        frames = [f.decode() for f in sock.recv_multipart()]
        if frames[1:4] != ["q3", "error", "invalid argument"] or "format must be" not in frames[4]:
            fail("bad reply to a malformed request: %r" % frames)
        # The node still serves afterwards.
        r = request(sock, "q4", "Count(Documents(Collection('py')))")
        if r[0][3] != "1":
            fail("bad count: %r" % r)
    finally:
        sock.close()
        ctx.term()
        node.terminate()
        try:
            node.wait(timeout=20)
        except subprocess.TimeoutExpired:
            node.kill()
        shutil.rmtree(data, ignore_errors=True)
    print("python3-zmq client: all checks passed")


if __name__ == "__main__":
    main()
