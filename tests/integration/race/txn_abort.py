#!/usr/bin/env python3
"""An RFC 5805 transaction that is aborted after one of its writes stored
an attribute the directory has never stored before (issue 13 item 9:
back-mdb's attribute table).  Raw BER: slapd's transaction identifier is
empty, which python-ldap cannot send as a control value.
usage: txn_abort.py HOST PORT BINDDN PW DN_OK DN_MISSING ATTR
Prints the end-of-transaction result code."""
import socket, sys, time
from rawber import START, SPEC, tlv, msg, read_msg, bind_request, txn_end_request, txn_end_result

host, port, binddn, pw, dn_ok, dn_missing, attr = sys.argv[1:8]

def modify(dn, attr, val):
    change = tlv(0x30, tlv(0x0a, b"\x00") + tlv(0x30, tlv(0x04, attr.encode()) + tlv(0x31, tlv(0x04, val))))
    return tlv(0x66, tlv(0x04, dn.encode()) + tlv(0x30, change))

spec = tlv(0xa0, tlv(0x30, tlv(0x04, SPEC) + tlv(0x01, b"\xff") + tlv(0x04, b"")))

s = socket.create_connection((host, int(port)))
buf = b""
s.sendall(msg(1, bind_request(binddn, pw)))
m, buf = read_msg(s, buf)
s.sendall(msg(2, tlv(0x77, tlv(0x80, START))))
m, buf = read_msg(s, buf)
# one at a time: slapd answers each queued write (txn_preop); an end that
# overtakes a write still being queued races inside slapd's txn.c
for msgid, dn in ((3, dn_ok), (4, dn_missing)):
    s.sendall(msg(msgid, modify(dn, attr, b"T1"), spec))
    m, buf = read_msg(s, buf)
    if m is None:
        print("closed")
        sys.exit(0)
    # slapd answers a queued write before it has finished queuing it: a
    # request that overtakes it drops the connection, on any database
    # (txn_flip.py; seen here once in 25 runs, before this pause)
    time.sleep(0.05)
s.sendall(msg(5, txn_end_request()))
print(txn_end_result(s, buf))
s.close()
