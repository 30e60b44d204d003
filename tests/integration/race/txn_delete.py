#!/usr/bin/env python3
"""One RFC 5805 transaction that deletes one entry.  Raw BER, as
txn_abort.py.  An end not answered within TIMEOUT seconds is a deadlock.
usage: txn_delete.py HOST PORT BINDDN PW TIMEOUT DN
Prints the end-of-transaction result code, or "stuck"."""
import socket, sys, time

host, port, binddn, pw, timeout, dn = sys.argv[1:7]
START, END, SPEC = b"1.3.6.1.1.21.1", b"1.3.6.1.1.21.3", b"1.3.6.1.1.21.2"

def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content

def msg(msgid, op, ctrls=b""):
    return tlv(0x30, tlv(0x02, bytes([msgid])) + op + ctrls)

def read_msg(s, buf):
    while True:
        if len(buf) >= 2:
            n, off = buf[1], 2
            if n & 0x80:
                k = n & 0x7f
                n, off = int.from_bytes(buf[2:2 + k], "big"), 2 + k
            if len(buf) >= off + n:
                return buf[:off + n], buf[off + n:]
        d = s.recv(65536)
        if not d:
            return None, buf
        buf += d

def result_of(m):
    i = 1 + (1 + (m[1] & 0x7f) if m[1] & 0x80 else 1)
    i += 2 + m[i + 1]                  # the message id
    tag = m[i]
    j = i + 1
    j += 1 + (m[j] & 0x7f) if m[j] & 0x80 else 1
    return tag, m[j + 2]

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
