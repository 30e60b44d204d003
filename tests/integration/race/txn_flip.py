#!/usr/bin/env python3
"""RFC 5805 transactions in a loop, each replacing one attribute of one
entry with the next of a few values (an engagement moved between units:
an input of oio's derived values, so its task has values to write after
each).  A transaction holds back-mdb's writer lock while its writes pass
through the overlays, the oio overlay's model mutex included; the task
holds that mutex while it computes.  Ends after SECONDS, or when an answer
does not come within TIMEOUT seconds (a deadlock).  Raw BER, as
txn_abort.py.
usage: txn_flip.py HOST PORT BINDDN PW DN ATTR SECONDS TIMEOUT VALUE...
Prints "done N" (N transactions committed), or "stuck after N"."""
import socket, sys, time
from rawber import START, END, SPEC, tlv, msg, read_msg, op_tag, integer

host, port, binddn, pw, dn, attr, seconds, timeout = sys.argv[1:9]
values = [v.encode() for v in sys.argv[9:]]

def replace(dn, attr, val):
    change = tlv(0x30, tlv(0x0a, b"\x02") + tlv(0x30, tlv(0x04, attr.encode()) + tlv(0x31, tlv(0x04, val))))
    return tlv(0x66, tlv(0x04, dn.encode()) + tlv(0x30, change))

s = socket.create_connection((host, int(port)))
s.settimeout(float(timeout))
buf, msgid, n = b"", 1, 0
try:
    s.sendall(msg(msgid, tlv(0x60, integer(3) + tlv(0x04, binddn.encode()) + tlv(0x80, pw.encode()))))
    m, buf = read_msg(s, buf)
    end = time.time() + float(seconds)
    while time.time() < end:
        msgid += 1
        s.sendall(msg(msgid, tlv(0x77, tlv(0x80, START))))
        m, buf = read_msg(s, buf)
        tid = b""   # slapd's identifier is empty (txn_abort.py)
        spec = tlv(0xa0, tlv(0x30, tlv(0x04, SPEC) + tlv(0x01, b"\xff") + tlv(0x04, tid)))
        msgid += 1
        s.sendall(msg(msgid, replace(dn, attr, values[n % len(values)]), spec))
        m, buf = read_msg(s, buf)
        # slapd answers a queued write before it has finished queuing it
        # (txn.c, txn_preop); an end that overtakes it breaks slapd's
        # transaction code: the connection is dropped, also on a database
        # with no overlay at all (seen once in three runs of 10 s)
        time.sleep(0.01)
        msgid += 1
        s.sendall(msg(msgid, tlv(0x77, tlv(0x80, END) + tlv(0x81, tlv(0x30, tlv(0x04, tid))))))
        while True:
            m, buf = read_msg(s, buf)
            if m is None:
                print("closed after %d" % n)
                sys.exit(0)
            if op_tag(m) == 0x78:
                break
        n += 1
    print("done %d" % n)
except socket.timeout:
    print("stuck after %d" % n)
s.close()
