#!/usr/bin/python3
# NB: python-ldap 3.4: LDAPControl(type, crit, value) takes the value as
# controlValue, which the base class never encodes; pass encodedControlValue.
"""Property test driver for slapo-bitemporal (modir).

Applies a seeded random sequence of add/modify/delete/modrdn operations,
each with a random validity period, to a running slapd AND to a small
reference model of the contract, then compares as-of searches at many
(validAt, knownAt) pairs, and the live DIT, against the model.

Prints lines "FAIL <detail>" for each discrepancy (capped) and one line
"STAT k=v ..." at the end.  Run with /usr/bin/python3 (python3-ldap).
"""
import argparse, base64, copy, random, sys, time, calendar
import ldap
from ldap.controls import LDAPControl

OIDB = '2.25.206283864511547100393473690660207568560.3.'
VALID, ASOF = OIDB + '1', OIDB + '2'
INF = 1 << 62
TRACKED = ('uid', 'sn', 'description', 'telephoneNumber')
NAMES = ['u0', 'u1', 'u2', 'u3', 'u4']

ap = argparse.ArgumentParser()
ap.add_argument('--uri', required=True)
ap.add_argument('--base', required=True)       # ou=people,<suffix>
ap.add_argument('--binddn', required=True)
ap.add_argument('--pw', required=True)
ap.add_argument('--seed', type=int, required=True)
ap.add_argument('--batches', type=int, default=5)
ap.add_argument('--ops', type=int, default=8)  # per batch
ap.add_argument('--maxfail', type=int, default=25)
A = ap.parse_args()
rnd = random.Random(A.seed)

def gt(t):
    return time.strftime('%Y%m%d%H%M%SZ', time.gmtime(t))

def now_s():
    return int(time.time())

# ---------------------------------------------------------------- model
# entity: {'segs': [[from, to, state]]}, state: {attr: frozenset(values)}
# (uid holds the RDN value; attributes absent when empty)
ENT = {}          # id -> list of segments
NEXT_ID = [0]

def seg_state_at(segs, t):
    for f, to, st in segs:
        if f <= t < to:
            return st
    return None

def view(ents, t):
    """{dn_uid: state} of the directory valid at t."""
    out = {}
    for eid, segs in ents.items():
        st = seg_state_at(segs, t)
        if st is not None:
            (u,) = tuple(st['uid']) if len(st['uid']) == 1 else (sorted(st['uid'])[0],)
            out[u] = st
    return out

def overlaps(f1, t1, f2, t2):
    return f1 < t2 and f2 < t1

class OpFail(Exception):
    def __init__(self, code, why):
        self.code, self.why = code, why

class Ambiguous(Exception):
    pass

def resolve(uid, P, now):
    """The entity a modify/delete/modrdn names (contract: the live entry if
    any, else the entity that had the DN during the period)."""
    live = [e for e, s in ENT.items()
            if (st := seg_state_at(s, now)) is not None and uid in st['uid']]
    cands = [e for e, s in ENT.items()
             if any(overlaps(f, to, P[0], P[1]) and uid in st['uid'] for f, to, st in s)]
    if live:
        # a live entry that does not exist in P while another entity had the
        # name in P: the contract does not say which one wins -> avoid
        if not any(overlaps(f, to, P[0], P[1]) for f, to, _ in ENT[live[0]]) and \
                [c for c in cands if c != live[0]]:
            raise Ambiguous()
        return live[0]
    if len(cands) > 1:
        raise Ambiguous()
    if not cands:
        raise OpFail(32, 'no entry with that name during the period')
    return cands[0]

def apply_mods(st, mods):
    st = {k: set(v) for k, v in st.items()}
    for op, attr, vals in mods:
        cur = st.get(attr, set())
        if op == 'replace':
            cur = set(vals)
        elif op == 'add':
            if any(v in cur for v in vals):
                raise OpFail(20, 'value exists in a version')
            cur = cur | set(vals)
        elif op == 'delete':
            if not vals:
                if not cur:
                    raise OpFail(16, 'no such attribute in a version')
                cur = set()
            else:
                if any(v not in cur for v in vals):
                    raise OpFail(16, 'no such value in a version')
                cur = cur - set(vals)
        if cur:
            st[attr] = cur
        else:
            st.pop(attr, None)
    if 'sn' not in st:
        raise OpFail(65, 'sn removed')
    return {k: frozenset(v) for k, v in st.items()}

def split_apply(segs, P, fn):
    out = []
    for f, to, st in segs:
        if not overlaps(f, to, P[0], P[1]):
            out.append([f, to, st]); continue
        if f < P[0]:
            out.append([f, P[0], st])
        out.append([max(f, P[0]), min(to, P[1]), fn(st)])
        if to > P[1]:
            out.append([P[1], to, st])
    return out

def m_add(uid, attrs, P, now):
    if P[0] < PARENT_FROM:
        raise OpFail(32, 'parent does not exist at validFrom')
    for e, s in ENT.items():
        if any(overlaps(f, to, P[0], P[1]) and uid in st['uid'] for f, to, st in s):
            raise OpFail(68, 'name taken during the period')
    st = {'uid': frozenset([uid])}
    for k, v in attrs.items():
        if v:
            st[k] = frozenset(v)
    eid = NEXT_ID[0]; NEXT_ID[0] += 1
    return {eid: [[P[0], P[1], st]]}

def m_modify(uid, mods, P, now):
    eid = resolve(uid, P, now)
    segs = ENT[eid]
    if not any(overlaps(f, to, P[0], P[1]) for f, to, _ in segs):
        raise OpFail(32, 'entry does not exist during the period')
    return {eid: split_apply(segs, P, lambda st: apply_mods(st, mods))}

def m_delete(uid, P, now):
    eid = resolve(uid, P, now)
    segs = ENT[eid]
    if not any(overlaps(f, to, P[0], P[1]) for f, to, _ in segs):
        raise OpFail(32, 'entry does not exist at/after validFrom')
    out = []
    for f, to, st in segs:
        if to <= P[0]:
            out.append([f, to, st])
        elif f < P[0]:
            out.append([f, P[0], st])
    return {eid: out}

def m_modrdn(uid, newuid, P, now):
    eid = resolve(uid, P, now)
    segs = ENT[eid]
    exist = [(max(f, P[0]), min(to, P[1])) for f, to, _ in segs if overlaps(f, to, P[0], P[1])]
    if not exist:
        raise OpFail(32, 'entry does not exist at/after validFrom')
    # the new name must be free while the (clipped) entry carries it
    for e, s in ENT.items():
        if e == eid:
            continue
        for f, to, st in s:
            if newuid in st['uid'] and any(overlaps(f, to, a, b) for a, b in exist):
                raise OpFail(68, 'new name taken during the period')
    def ren(st):
        st = dict(st); st['uid'] = frozenset([newuid]); return st
    return {eid: split_apply(segs, P, ren)}

# ---------------------------------------------------------------- slapd
L = ldap.initialize(A.uri)
L.simple_bind_s(A.binddn, A.pw)
B = A.base
def dn(uid):
    return 'uid=%s,%s' % (uid, B)

def vctrl(text):
    return [LDAPControl(VALID, True, encodedControlValue=text.encode())]

def ptext(P, kind):
    if P is None:
        return None
    s = 'validFrom=' + gt(P[0])
    if P[1] < INF and kind in ('add', 'modify'):
        s += ';validTo=' + gt(P[1])
    return s

def run_ldap(fn):
    try:
        fn()
        return 0, ''
    except ldap.LDAPError as e:
        d = e.args[0] if e.args and isinstance(e.args[0], dict) else {}
        return d.get('result', -1), d.get('info', '') or d.get('desc', '')

MODOP = {'replace': ldap.MOD_REPLACE, 'add': ldap.MOD_ADD, 'delete': ldap.MOD_DELETE}

def search(vt, kt):
    """as-of subtree search; vt/kt None = no control part (now)."""
    ctrls = []
    if vt is not None:
        s = 'validAt=' + gt(vt)
        if kt is not None:
            s += ';knownAt=' + gt(kt)
        ctrls = [LDAPControl(ASOF, True, encodedControlValue=s.encode())]
    res = L.search_ext_s(B, ldap.SCOPE_SUBTREE, '(uid=*)', list(TRACKED), serverctrls=ctrls)
    out = {}
    for d, attrs in res:
        if d is None:
            continue
        rdn = d.split(',', 1)[0]
        key = rdn.split('=', 1)[1].lower()
        st = {}
        for k, vals in attrs.items():
            kk = {a.lower(): a for a in TRACKED}.get(k.lower(), k)
            st[kk] = frozenset(v.decode() for v in vals)
        if key in out:
            out[key + '#dup'] = st
        else:
            out[key] = st
    return out

def fmt(v):
    return '{' + ', '.join('%s: %s' % (u, ' '.join('%s=%s' % (k, '|'.join(sorted(s)))
                                             for k, s in sorted(st.items())))
                           for u, st in sorted(v.items())) + '}'

def norm(v):
    return {u: {k: frozenset(x.lower() for x in s) for k, s in st.items()} for u, st in v.items()}

# ---------------------------------------------------------------- generator
NOW0 = now_s()
DAY = 86400
PAST = sorted(NOW0 - d * DAY for d in (3000, 2200, 1500, 900, 400, 120, 30, 3))
FUT = sorted(NOW0 + d * DAY for d in (5, 60, 400, 2000))
PARENT_FROM = calendar.timegm((2000, 1, 1, 0, 0, 0))
BOUNDS = set(PAST + FUT)
VAL = [0]

def fresh(prefix):
    VAL[0] += 1
    return '%s%d' % (prefix, VAL[0])

def rand_period(kind):
    """(P or None for undated, label)."""
    r = rnd.random()
    if r < 0.12:
        return None, 'now'
    if kind in ('delete', 'modrdn'):
        pts = PAST + FUT if rnd.random() < 0.8 else PAST
        return (rnd.choice(pts), INF), 'from'
    if r < 0.40:                         # past
        i, j = sorted(rnd.sample(range(len(PAST)), 2))
        return (PAST[i], PAST[j]), 'past'
    if r < 0.75:                         # spanning now
        return (rnd.choice(PAST), rnd.choice(FUT + [INF])), 'span'
    if r < 0.95:                         # future
        f = rnd.choice(FUT[:-1])
        return (f, rnd.choice([t for t in FUT if t > f] + [INF])), 'future'
    return (rnd.choice(PAST), INF), 'open'

def existing_values(uid, attr):
    vals = set()
    for s in ENT.values():
        for f, to, st in s:
            if uid in st['uid']:
                vals |= st.get(attr, set())
    return sorted(vals)

def gen_mods(uid):
    mods = []
    for _ in range(rnd.choice([1, 1, 2])):
        attr = rnd.choice(['description', 'description', 'telephoneNumber', 'sn'])
        if attr == 'sn':
            mods.append(('replace', 'sn', [fresh('S')])); continue
        r = rnd.random()
        pfx = 'd' if attr == 'description' else '555'
        if r < 0.45:
            mods.append(('replace', attr, [fresh(pfx) for _ in range(rnd.choice([0, 1, 1, 2]))]))
        elif r < 0.8:
            mods.append(('add', attr, [fresh(pfx)]))
        else:
            ex = existing_values(uid, attr)
            if ex and rnd.random() < 0.7:
                mods.append(('delete', attr, [rnd.choice(ex)]))
            else:
                mods.append(('delete', attr, []))
    return mods

def gen_op():
    r = rnd.random()
    known = sorted({u for s in ENT.values() for f, to, st in s for u in st['uid']})
    if r < 0.25 or not known:
        uid = rnd.choice(NAMES)
        P, lab = rand_period('add')
        attrs = {'sn': [fresh('S')]}
        if rnd.random() < 0.6: attrs['description'] = [fresh('d')]
        if rnd.random() < 0.3: attrs['telephoneNumber'] = [fresh('555')]
        if rnd.random() < 0.03:
            P, lab = (PARENT_FROM - 400 * DAY, PAST[0]), 'noparent'
        return ('add', uid, attrs, P, lab)
    uid = rnd.choice(known if rnd.random() < 0.9 else NAMES)
    if r < 0.62:
        P, lab = rand_period('modify')
        return ('modify', uid, gen_mods(uid), P, lab)
    if r < 0.80:
        P, lab = rand_period('delete')
        return ('delete', uid, None, P, lab)
    if r < 0.97:
        P, lab = rand_period('modrdn')
        new = rnd.choice([n for n in NAMES if n != uid])
        return ('modrdn', uid, new, P, lab)
    # bad input: must fail, must change nothing
    kind = rnd.choice(['badvalue', 'badorder', 'delto', 'rdnto'])
    return ('bad', uid, kind, None, kind)

# ---------------------------------------------------------------- driver
fails = []
stat = dict(ops=0, succeeded=0, refused=0, ambiguous=0, mismatched_ops=0,
            probes=0, probe_fail=0, live_checks=0, live_fail=0, undated=0, straddled=0)
seen_codes = {}

def fail(msg):
    fails.append(msg)
    if len(fails) <= A.maxfail:
        print('FAIL seed=%d %s' % (A.seed, msg), flush=True)

def wait_in_second():
    # keep an undated op well inside one second so "now" is unambiguous
    # (and clear of the coarse-clock lag just after a boundary, see checkpoint)
    f = time.time() % 1
    if f > 0.6 or f < 0.1:
        time.sleep((1.1 - f) % 1)

def do_op(opn, op):
    kind, uid, arg, P, lab = op
    t_b = time.time()
    now = int(t_b)
    if kind == 'bad':
        ctrl_text, expect = {
            'badvalue': ('validFrom=notatime', 2),
            'badorder': ('validFrom=%s;validTo=%s' % (gt(PAST[3]), gt(PAST[1])), 53),
            'delto': ('validFrom=%s;validTo=%s' % (gt(PAST[3]), gt(FUT[0])), 53),
            'rdnto': ('validFrom=%s;validTo=%s' % (gt(PAST[3]), gt(FUT[0])), 53),
        }[arg]
        c = vctrl(ctrl_text)
        if arg in ('badvalue', 'badorder'):
            f = lambda: L.modify_ext_s(dn(uid), [(ldap.MOD_REPLACE, 'description', [b'bad'])], serverctrls=c)
        elif arg == 'delto':
            f = lambda: L.delete_ext_s(dn(uid), serverctrls=c)
        else:
            f = lambda: L.rename_s(dn(uid), 'uid=zz', delold=1, serverctrls=c)
        rc, info = run_ldap(f)
        stat['ops'] += 1
        if rc != expect:
            stat['mismatched_ops'] += 1
            fail('op#%d bad input %s on %s: result %s (%s), expected %d' % (opn, arg, uid, rc, info, expect))
        else:
            stat['refused'] += 1
        return
    undated = P is None
    if undated:
        wait_in_second()
        t_b = time.time(); now = int(t_b)
        Pm = (now, INF)
        stat['undated'] += 1
    else:
        Pm = P
    # model
    try:
        if kind == 'add':
            upd = m_add(uid, arg, Pm, now)
        elif kind == 'modify':
            upd = m_modify(uid, arg, Pm, now)
        elif kind == 'delete':
            upd = m_delete(uid, Pm, now)
        else:
            upd = m_modrdn(uid, arg, Pm, now)
        expect, why = 0, ''
    except OpFail as e:
        upd, expect, why = None, e.code, e.why
    except Ambiguous:
        stat['ambiguous'] += 1
        return
    c = vctrl(ptext(P, kind)) if not undated else None
    if kind == 'add':
        ents = [('objectClass', [b'inetOrgPerson']), ('uid', [uid.encode()]), ('cn', [b'C ' + uid.encode()])]
        ents += [(k, [x.encode() for x in v]) for k, v in arg.items() if v]
        f = lambda: L.add_ext_s(dn(uid), ents, serverctrls=c)
    elif kind == 'modify':
        ml = [(MODOP[o], a, [x.encode() for x in v] or None) for o, a, v in arg]
        f = lambda: L.modify_ext_s(dn(uid), ml, serverctrls=c)
    elif kind == 'delete':
        f = lambda: L.delete_ext_s(dn(uid), serverctrls=c)
    else:
        f = lambda: L.rename_s(dn(uid), 'uid=' + arg, delold=1, serverctrls=c)
    rc, info = run_ldap(f)
    t_a = time.time()
    if undated and int(t_a) != now:
        stat['straddled'] += 1
        print('# seed=%d op#%d: undated op straddled a second boundary; model uses %s'
              % (A.seed, opn, gt(now)), flush=True)
    stat['ops'] += 1
    seen_codes[rc] = seen_codes.get(rc, 0) + 1
    desc = '%s %s %r period=%s..%s (%s)' % (kind, uid, arg, gt(Pm[0]),
                                           'inf' if Pm[1] >= INF else gt(Pm[1]), lab)
    OPLOG.append('op#%d @%s %s -> %s' % (opn, gt(int(t_b))[8:14], desc, rc))
    if undated:
        BOUNDS.add(now)
    if (rc == 0) != (expect == 0) or (expect in (2, 32, 53, 66, 68) and rc != expect):
        stat['mismatched_ops'] += 1
        fail('op#%d %s: slapd %s (%s), model %s (%s)' % (opn, desc, rc, info, expect, why))
        if rc == 0 and expect != 0:
            # slapd changed something the model refused: the model cannot
            # follow any more; stop comparing this seed's later state
            raise SystemExit(finish(broken=True))
        return
    if rc == 0:
        stat['succeeded'] += 1
        ENT.update(upd)
    else:
        stat['refused'] += 1

OPLOG = []
CHECKPOINTS = []        # (second, deep copy of ENT)

def compare(vt, kt, model_ents, label):
    stat['probes'] += 1
    try:
        got = search(vt, kt)
    except ldap.LDAPError as e:
        got = 'error %r' % (e.args[0].get('result') if e.args and isinstance(e.args[0], dict) else e)
    exp = view(model_ents, vt if vt is not None else now_s())
    if not isinstance(got, dict) or norm(got) != norm(exp):
        stat['probe_fail'] += 1
        if stat['probe_fail'] <= 2 and isinstance(got, dict):
            dump_history(set(norm(got)) ^ set(norm(exp)) | {u for u in got if u in exp and norm(got)[u] != norm(exp)[u]})
        fail('%s validAt=%s knownAt=%s: slapd %s, model %s' % (
            label, gt(vt) if vt else 'now', gt(kt) if kt else 'now',
            got if not isinstance(got, dict) else fmt(got), fmt(exp)))
        return False
    return True

HIST = OIDB + '3'
def dump_history(uids):
    """diagnostics: the history rows of the DNs a probe disagreed on"""
    for u in sorted(uids):
        u = u.split('#')[0]
        try:
            rows = L.search_ext_s(dn(u), ldap.SCOPE_BASE, '(objectClass=*)', list(TRACKED) + ['+'],
                                  serverctrls=[LDAPControl(HIST, True)])
        except ldap.LDAPError as e:
            rows = []
        print('# history of uid=%s:' % u)
        for d, a in rows:
            g = lambda k: ','.join(v.decode() for v in a.get(k, [])) or '-'
            print('#   uid=%s sn=%s description=%s valid=[%s,%s) recorded=[%s,%s) op=%s' % (
                g('uid'), g('sn'), g('description'), g('moValidFrom'), g('moValidTo'),
                g('moRecordedAt'), g('moSupersededAt'), g('moVersionOperation')))

def checkpoint():
    t = int(time.time())
    CHECKPOINTS.append((t, copy.deepcopy(ENT)))
    OPLOG.append('checkpoint knownAt=%s' % gt(t))
    # slapd stamps registrations with time(2), which on Linux reads a coarse
    # clock that can lag time.time() by a few ms: leave a margin past the
    # second boundary so the next batch is registered after knownAt=t
    while time.time() < t + 1.1:
        time.sleep(0.02)

def live_check(tag):
    stat['live_checks'] += 1
    try:
        got = search(None, None)
    except ldap.LDAPError as e:
        got = 'error %r' % (e,)
    exp = view(ENT, now_s())
    if not isinstance(got, dict) or norm(got) != norm(exp):
        stat['live_fail'] += 1
        fail('live DIT %s: slapd %s, model %s' % (tag, got if not isinstance(got, dict) else fmt(got), fmt(exp)))

def vt_points():
    pts = set()
    for b in sorted(BOUNDS):
        pts.add(b); pts.add(b - 1)
    sb = sorted(BOUNDS)
    for a, b in zip(sb, sb[1:]):
        pts.add((a + b) // 2)
    pts.add(PARENT_FROM)
    return sorted(pts)

def finish(broken=False):
    if not broken:
        # probes: every checkpoint's knownAt, and knownAt = now
        for vt in vt_points():
            for kt, snap in CHECKPOINTS:
                compare(vt, kt, snap, 'as-of')
            compare(vt, None, ENT, 'as-of(knownAt=now)')
        live_check('at the end')
    if fails:
        print('# op log (seed %d):' % A.seed)
        for l in OPLOG[-60:]:
            print('#   ' + l)
    print('STAT seed=%d broken=%d fails=%d %s codes=%s' % (
        A.seed, int(broken), len(fails), ' '.join('%s=%d' % kv for kv in stat.items()),
        ','.join('%s:%d' % kv for kv in sorted(seen_codes.items()))), flush=True)
    return 1 if fails else 0

checkpoint()
opn = 0
for b in range(A.batches):
    for _ in range(A.ops):
        opn += 1
        do_op(opn, gen_op())
    live_check('after batch %d' % (b + 1))
    checkpoint()
sys.exit(finish())
