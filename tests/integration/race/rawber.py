"""The bits of LDAP's BER the raw transaction scripts of this folder
(txn_abort.py, txn_delete.py, txn_flip.py) send and read: RFC 5805's
transaction identifiers are empty control values, which python-ldap
cannot send.  Definite lengths only; a message id of any size."""

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


def read_msg(s, buf):
    """The next whole message from socket s (None at its end) and the
    bytes after it."""
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


def result_of(m):
    # SEQUENCE { msgid INTEGER, protocolOp [APPLICATION n] { resultCode ENUMERATED ... } }
    i = 1 + (1 + (m[1] & 0x7f) if m[1] & 0x80 else 1)
    i += 2 + m[i + 1]                  # the message id
    tag = m[i]
    j = i + 1
    j += 1 + (m[j] & 0x7f) if m[j] & 0x80 else 1
    return tag, m[j + 2]


def bind_request(binddn, pw):
    """A simple bind, LDAPv3."""
    return tlv(0x60, tlv(0x02, b"\x03") + tlv(0x04, binddn.encode()) + tlv(0x80, pw.encode()))


def txn_end_request():
    """The end of the transaction (identifier empty, as slapd gives it): commit."""
    return tlv(0x77, tlv(0x80, END) + tlv(0x81, tlv(0x30, tlv(0x04, b""))))


def txn_end_result(s, buf):
    """The result code of the end of the transaction, or "closed" when
    slapd drops the connection first."""
    while True:
        m, buf = read_msg(s, buf)
        if m is None:
            return "closed"
        tag, rc = result_of(m)
        if tag == 0x78:
            return rc
