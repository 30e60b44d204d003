#!/usr/bin/env python3
"""One RFC 5805 transaction that deletes one entry.  Raw BER, as
txn_abort.py.  An end not answered within TIMEOUT seconds is a deadlock.
usage: txn_delete.py HOST PORT BINDDN PW TIMEOUT DN
Prints the end-of-transaction result code, or "stuck"."""
import socket, sys, time
from rawber import START, END, SPEC, tlv, msg, read_msg, result_of

host, port, binddn, pw, timeout, dn = sys.argv[1:7]

s = socket.create_connection((host, int(port)))
s.settimeout(float(timeout))
buf = b""
try:
    s.sendall(msg(1, tlv(0x60, tlv(0x02, b"\x03") + tlv(0x04, binddn.encode()) + tlv(0x80, pw.encode()))))
    m, buf = read_msg(s, buf)
    s.sendall(msg(2, tlv(0x77, tlv(0x80, START))))
    m, buf = read_msg(s, buf)
    spec = tlv(0xa0, tlv(0x30, tlv(0x04, SPEC) + tlv(0x01, b"\xff") + tlv(0x04, b"")))
    s.sendall(msg(3, tlv(0x4a, dn.encode()), spec))
    m, buf = read_msg(s, buf)
    time.sleep(0.05)   # an end must not overtake the queued write (txn_flip.py)
    s.sendall(msg(4, tlv(0x77, tlv(0x80, END) + tlv(0x81, tlv(0x30, tlv(0x04, b""))))))
    while True:
        m, buf = read_msg(s, buf)
        if m is None:
            print("closed")
            break
        tag, rc = result_of(m)
        if tag == 0x78:
            print(rc)
            break
except socket.timeout:
    print("stuck")
s.close()
