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

host, port, binddn, pw, dn, attr, seconds, timeout = sys.argv[1:9]
values = [v.encode() for v in sys.argv[9:]]
START, END, SPEC = b"1.3.6.1.1.21.1", b"1.3.6.1.1.21.3", b"1.3.6.1.1.21.2"

def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content

def integer(n):
    return tlv(0x02, n.to_bytes((n.bit_length() + 8) // 8, "big"))

def msg(msgid, op, ctrls=b""):
    return tlv(0x30, integer(msgid) + op + ctrls)

def replace(dn, attr, val):
    change = tlv(0x30, tlv(0x0a, b"\x02") + tlv(0x30, tlv(0x04, attr.encode()) + tlv(0x31, tlv(0x04, val))))
    return tlv(0x66, tlv(0x04, dn.encode()) + tlv(0x30, change))

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

def op_tag(m):
    # SEQUENCE { messageID INTEGER, protocolOp [APPLICATION n] ... }
    i = 1 + (1 + (m[1] & 0x7f) if m[1] & 0x80 else 1)
    return m[i + 2 + m[i + 1]]

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
