#!/usr/bin/python3
"""Helpers for t_crash.sh (run with /usr/bin/python3, python3-ldap).

  crash.py write  URI BASE BINDDN PW WRITER SEED LOG
      loops forever doing plain and dated modifies and dated adds on the
      writer's own entries; logs "try <kind> <dn> <value> [period]" before
      each write and "ack ..." after each success (flushed).  Connection
      errors (slapd killed) are retried.
  crash.py verify URI BASE BINDDN PW LOG...
      after the restart: every acknowledged write is in the history, the
      last plain write per entry is what the live DIT shows (or the one
      in flight after it), and as-of (now, now) equals the live DIT.
Prints "FAIL ..." lines and one "STAT ..." line.
"""
import sys, time, random
import ldap
from ldap.controls import LDAPControl

OIDB = '2.25.206283864511547100393473690660207568560.3.'
VALID, ASOF, HIST = OIDB + '1', OIDB + '2', OIDB + '3'
USER = ('uid', 'sn', 'cn', 'description', 'telephoneNumber', 'objectClass')

def ctl(oid, text=None):
    return LDAPControl(oid, True, encodedControlValue=text.encode() if text is not None else None)

def gt(t):
    return time.strftime('%Y%m%d%H%M%SZ', time.gmtime(t))

def connect(uri, binddn, pw):
    l = ldap.initialize(uri)
    l.set_option(ldap.OPT_NETWORK_TIMEOUT, 2)
    l.set_option(ldap.OPT_TIMEOUT, 10)
    l.simple_bind_s(binddn, pw)
    return l

def write(uri, base, binddn, pw, writer, seed, logf):
    rnd = random.Random(int(seed) * 100 + int(writer))
    log = open(logf, 'a', buffering=1)
    ents = ['uid=w%s-e%d,%s' % (writer, k, base) for k in range(3)]
    l = None
    seq = 0
    now = int(time.time())
    while True:
        try:
            if l is None:
                l = connect(uri, binddn, pw)
                for d in ents:   # (re)create the writer's entries, from 2000 on
                    try:
                        u = d.split(',')[0].split('=')[1]
                        l.add_ext_s(d, [('objectClass', [b'inetOrgPerson']), ('uid', [u.encode()]),
                                        ('cn', [b'w']), ('sn', [b'w'])],
                                    serverctrls=[ctl(VALID, 'validFrom=20000101000000Z')])
                    except ldap.ALREADY_EXISTS:
                        pass
            seq += 1
            val = 'w%s-%d' % (writer, seq)
            r = rnd.random()
            if r < 0.6:
                d = rnd.choice(ents)
                log.write('try plain %s %s\n' % (d, val))
                l.modify_ext_s(d, [(ldap.MOD_REPLACE, 'description', [val.encode()])])
                log.write('ack plain %s %s\n' % (d, val))
            elif r < 0.85:
                d = rnd.choice(ents)
                a = now - rnd.randint(10, 3000) * 86400
                b = a + rnd.randint(1, 500) * 86400
                b = min(b, now - 86400)
                if b <= a:
                    b = a + 3600
                p = 'validFrom=%s;validTo=%s' % (gt(a), gt(b))
                log.write('try dated %s %s %s\n' % (d, val, p))
                l.modify_ext_s(d, [(ldap.MOD_REPLACE, 'description', [val.encode()])],
                               serverctrls=[ctl(VALID, p)])
                log.write('ack dated %s %s %s\n' % (d, val, p))
            else:
                d = 'uid=w%s-a%d,%s' % (writer, seq, base)
                a = now - rnd.randint(10, 3000) * 86400
                p = 'validFrom=%s' % gt(a) if rnd.random() < 0.5 else \
                    'validFrom=%s;validTo=%s' % (gt(a), gt(a + 86400 * rnd.randint(1, 9)))
                log.write('try add %s %s %s\n' % (d, val, p))
                l.add_ext_s(d, [('objectClass', [b'inetOrgPerson']), ('uid', [('w%s-a%d' % (writer, seq)).encode()]),
                                ('cn', [b'a']), ('sn', [b'a']), ('description', [val.encode()])],
                            serverctrls=[ctl(VALID, p)])
                log.write('ack add %s %s %s\n' % (d, val, p))
        except (ldap.SERVER_DOWN, ldap.CONNECT_ERROR, ldap.TIMEOUT, ldap.UNAVAILABLE, ldap.BUSY, ldap.OTHER) as e:
            log.write('err %s\n' % type(e).__name__)
            l = None
            time.sleep(0.05)
        except ldap.LDAPError as e:
            log.write('err %r\n' % (e,))
            time.sleep(0.01)

def userattrs(attrs):
    out = {}
    for k, v in attrs.items():
        if k.lower() in [u.lower() for u in USER]:
            out[k.lower()] = sorted(x.decode().lower() for x in v)
    return out

def verify(uri, base, binddn, pw, logs):
    l = connect(uri, binddn, pw)
    fails = []
    def fail(m):
        fails.append(m)
        if len(fails) <= 25:
            print('FAIL ' + m, flush=True)
    acks = 0
    hist_cache = {}
    def history(d):
        if d not in hist_cache:
            try:
                hist_cache[d] = l.search_ext_s(d, ldap.SCOPE_BASE, '(objectClass=*)', ['*', '+'],
                                               serverctrls=[ctl(HIST)])
            except ldap.NO_SUCH_OBJECT:
                hist_cache[d] = []
        return hist_cache[d]
    last_plain = {}      # dn -> (acked value, [values tried after it])
    for lf in logs:
        for line in open(lf):
            f = line.split()
            if len(f) < 4:
                continue
            st, kind, d, val = f[0], f[1], f[2], f[3]
            if kind == 'plain':
                lp = last_plain.setdefault(d, [None, []])
                if st == 'try':
                    lp[1].append(val)
                else:
                    lp[0], lp[1] = val, []
            if st != 'ack':
                continue
            acks += 1
            found = False
            for hd, ha in history(d):
                if val.encode() in ha.get('description', []) and ha.get('moRecordedAt'):
                    found = True
                    break
            if not found:
                fail('acknowledged %s write %s=%s is not in the history of %s' % (kind, 'description', val, d))
    # live value of each entry written plainly
    for d, (acked, tried) in last_plain.items():
        if acked is None:
            continue
        try:
            r = l.search_ext_s(d, ldap.SCOPE_BASE, '(objectClass=*)', ['description'])
            live = [v.decode() for v in r[0][1].get('description', [])]
        except ldap.LDAPError as e:
            live = ['error %r' % (e,)]
        ok = live == [acked] or (len(live) == 1 and live[0] in tried)
        if not ok:
            fail('live %s description %s; last acknowledged plain write %s (in flight after it: %s)'
                 % (d, live, acked, tried))
    # history and live DIT agree at (now, now)
    live = {d.lower(): userattrs(a) for d, a in l.search_ext_s(base, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['*'])}
    t = gt(int(time.time()))
    asof = {d.lower(): userattrs(a) for d, a in l.search_ext_s(
        base, ldap.SCOPE_SUBTREE, '(objectClass=*)', ['*'],
        serverctrls=[ctl(ASOF, 'validAt=%s;knownAt=%s' % (t, t))])}
    for d in sorted(set(live) | set(asof)):
        if live.get(d) != asof.get(d):
            fail('as-of (now, now) differs from the live DIT for %s: live %s, as-of %s' % (d, live.get(d), asof.get(d)))
    print('STAT acks=%d entries=%d fails=%d' % (acks, len(live), len(fails)), flush=True)
    return 1 if fails else 0

if __name__ == '__main__':
    if sys.argv[1] == 'write':
        write(*sys.argv[2:9])
    else:
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]))
