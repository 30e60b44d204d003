#!/usr/bin/env python3
"""Raw LDAP messages with hand-built control values (issue 10): a validity
or as-of control whose value is not a well-formed primitive OCTET STRING of
the documented text must get protocolError (2), critical or not, and change
nothing.  usage: ctrl_ber.py HOST PORT BINDDN PW DN
Prints one line per case: "<case> <result code or 'closed'>"."""
import socket, sys

VALIDITY = b"2.25.206283864511547100393473690660207568560.3.1"
ASOF = b"2.25.206283864511547100393473690660207568560.3.2"

def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def tlv(tag, content, longform=False):
    l = (bytes([0x81, len(content)]) if longform and len(content) < 256 else length(len(content)))
    return bytes([tag]) + l + content

def integer(n):
    return tlv(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big"))

def octets(b):
    return tlv(0x04, b)

def control(oid, critical, raw_value):
    body = octets(oid)
    if critical:
        body += b"\x01\x01\xff"
    if raw_value is not None:
        body += raw_value
    return tlv(0x30, body)

def message(msgid, op, controls=None):
    body = integer(msgid) + op
    if controls is not None:
        body += tlv(0xa0, controls)
    return tlv(0x30, body)

def read_result(sock):
    """The result code of the next response, or None if the server closed."""
    data = b""
    try:
        while True:
            if len(data) >= 2:
                l = data[1]
                hl = 2
                if l & 0x80:
                    n = l & 0x7f
                    if len(data) < 2 + n:
                        raise ValueError
                    l = int.from_bytes(data[2:2 + n], "big")
                    hl = 2 + n
                if len(data) >= hl + l:
                    break
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
    except (ValueError, ConnectionResetError, socket.timeout):
        if not data:
            return None
    # skip messageID, then the op's tag/length, then resultCode (ENUMERATED)
    i = 2 if not (data[1] & 0x80) else 2 + (data[1] & 0x7f)
    i += 2 + data[i + 1]                     # messageID
    if data[i] == 0x78 and 0:                # extended response (notice of disconnection)
        pass
    i += 1
    if data[i] & 0x80:
        i += 1 + (data[i] & 0x7f)
    else:
        i += 1
    assert data[i] == 0x0a
    return data[i + 2]

def connect(host, port, dn, pw):
    s = socket.create_connection((host, int(port)), timeout=10)
    bind = tlv(0x60, integer(3) + octets(dn.encode()) + tlv(0x80, pw.encode()))
    s.sendall(message(1, bind))
    assert read_result(s) == 0, "bind failed"
    return s

def modify(dn, value):
    change = tlv(0x30, tlv(0x0a, b"\x02") + tlv(0x30, octets(b"description") + tlv(0x31, octets(value))))
    return tlv(0x66, octets(dn.encode()) + tlv(0x30, change))

def search(dn):
    return tlv(0x63, octets(dn.encode()) + tlv(0x0a, b"\x00") + tlv(0x0a, b"\x00") +
               integer(0) + integer(0) + b"\x01\x01\x00" + tlv(0x87, b"objectClass") + tlv(0x30, b""))

def main():
    host, port, binddn, pw, dn = sys.argv[1:6]
    good = b"validFrom=20990101000000Z"
    bad_values = {
        "sequence": tlv(0x30, octets(good)),
        "constructed": tlv(0x24, octets(good)),
        "empty": octets(b""),
        "none": None,
        "garbage": octets(b"validFrom=tomorrow"),
    }
    msgid = 2
    for name, raw in bad_values.items():
        for crit in (True, False):
            s = connect(host, port, binddn, pw)
            s.sendall(message(msgid, modify(dn, b"changed-" + name.encode()),
                              control(VALIDITY, crit, raw)))
            rc = read_result(s)
            print("validity-%s-%s %s" % (name, "critical" if crit else "noncritical",
                                          "closed" if rc is None else rc))
            s.close()
            s = connect(host, port, binddn, pw)
            s.sendall(message(msgid, search(dn), control(ASOF, crit, raw and raw.replace(good, b"validAt=20200101000000Z"))))
            rc = read_result(s)
            print("asof-%s-%s %s" % (name, "critical" if crit else "noncritical",
                                      "closed" if rc is None else rc))
            s.close()
    # a length that overruns the message
    s = connect(host, port, binddn, pw)
    ctrl = tlv(0x30, octets(VALIDITY) + b"\x04\x7f" + good)
    s.sendall(message(msgid, modify(dn, b"changed-overrun"), ctrl))
    rc = read_result(s)
    print("validity-overrun %s" % ("closed" if rc is None else rc))
    s.close()
    # long-form length of a well-formed value: legal BER, accepted
    s = connect(host, port, binddn, pw)
    ctrl = tlv(0x30, octets(VALIDITY) + b"\x01\x01\xff" + tlv(0x04, good, longform=True))
    s.sendall(message(msgid, modify(dn, b"changed-longform"), ctrl))
    rc = read_result(s)
    print("validity-longform %s" % ("closed" if rc is None else rc))
    s.close()

main()
