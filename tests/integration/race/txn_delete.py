#!/usr/bin/env python3
"""One RFC 5805 transaction that deletes one entry.  Raw BER, as
txn_abort.py.  An end not answered within TIMEOUT seconds is a deadlock.
usage: txn_delete.py HOST PORT BINDDN PW TIMEOUT DN
Prints the end-of-transaction result code, or "stuck"."""
import socket, sys, time
from rawber import START, SPEC, tlv, msg, read_msg, bind_request, txn_end_request, txn_end_result

host, port, binddn, pw, timeout, dn = sys.argv[1:7]

s = socket.create_connection((host, int(port)))
s.settimeout(float(timeout))
buf = b""
try:
    s.sendall(msg(1, bind_request(binddn, pw)))
    m, buf = read_msg(s, buf)
    s.sendall(msg(2, tlv(0x77, tlv(0x80, START))))
    m, buf = read_msg(s, buf)
    spec = tlv(0xa0, tlv(0x30, tlv(0x04, SPEC) + tlv(0x01, b"\xff") + tlv(0x04, b"")))
    s.sendall(msg(3, tlv(0x4a, dn.encode()), spec))
    m, buf = read_msg(s, buf)
    time.sleep(0.05)   # an end must not overtake the queued write (txn_flip.py)
    s.sendall(msg(4, txn_end_request()))
    print(txn_end_result(s, buf))
except socket.timeout:
    print("stuck")
s.close()
