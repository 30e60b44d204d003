#!/usr/bin/python3
"""Concurrent writers against a bitemporal database, to exercise the
group commit: CONNS connections each pipeline OPS modifies (all requests
sent before any result is read), on people of their own.  Among them are
writes that must fail after the overlay has already written their history
rows (deleting the required sn: back-mdb refuses the live change), and
writes to a name that does not exist.

Then it checks, over LDAP, what a client may rely on:
  * every write got the result it should (0, 65 objectClassViolation,
    32 noSuchObject) - none was lost or failed for a neighbour's fault;
  * each person's history holds exactly the descriptions of its
    successful writes, and nothing of a failed write;
  * every person still has its sn; the live description is one its
    writes set (pipelined writes to one entry may run in any order).

Prints "OK <what>" / "FAIL <what>" lines and "WRITES <n>" (the successful
writes, for the caller's commit count).

usage: writers.py URI BINDDN PASSWORD PEOPLE_BASE CONNS OPS PEOPLE_PER_CONN
"""
import sys
import threading

import ldap
from ldap.controls import LDAPControl

HISTORY = "2.25.206283864511547100393473690660207568560.3.3"


def person_dn(base, c, k):
    return "uid=w%02d%02d,%s" % (c, k, base)


def writer(uri, binddn, pw, base, c, ops, per, out):
    l = ldap.initialize(uri)
    l.simple_bind_s(binddn, pw)
    sent = []
    for j in range(ops):
        k = j % per
        dn = person_dn(base, c, k)
        value = ("c%d-op%d" % (c, j)).encode()
        if j % 7 == 3:
            # history rows first, then back-mdb refuses: sn is required
            mods = [(ldap.MOD_REPLACE, "description", [b"BAD-" + value]),
                    (ldap.MOD_DELETE, "sn", None)]
            want = ldap.OBJECT_CLASS_VIOLATION.errnum
        elif j % 11 == 5:
            dn = "uid=nobody%d,%s" % (c, base)
            mods = [(ldap.MOD_REPLACE, "description", [b"BAD-" + value])]
            want = ldap.NO_SUCH_OBJECT.errnum
        else:
            mods = [(ldap.MOD_REPLACE, "description", [value])]
            want = 0
        sent.append((l.modify(dn, mods), dn, value, want))
    for msgid, dn, value, want in sent:
        try:
            l.result(msgid)
            got = 0
        except ldap.LDAPError as e:
            got = e.args[0].get("result", -1) if e.args and isinstance(e.args[0], dict) else -1
        out.append((dn, value, want, got))
    l.unbind_s()


def history_descriptions(l, dn):
    ctrl = LDAPControl(HISTORY, True)
    msgid = l.search_ext(dn, ldap.SCOPE_BASE, "(objectClass=*)",
                         ["description", "moSupersededAt"], serverctrls=[ctrl])
    _, data, _, _ = l.result3(msgid)
    return [e for d, e in data if d]


def main():
    uri, binddn, pw, base = sys.argv[1:5]
    conns, ops, per = (int(x) for x in sys.argv[5:8])
    results = [[] for _ in range(conns)]
    threads = [threading.Thread(target=writer, args=(uri, binddn, pw, base, c, ops, per, results[c]))
               for c in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    fails = 0

    def check(ok, what):
        nonlocal fails
        print(("OK " if ok else "FAIL ") + what)
        if not ok:
            fails += 1

    allres = [r for rs in results for r in rs]
    wrong = [r for r in allres if r[2] != r[3]]
    check(len(allres) == conns * ops and not wrong,
          "every write got its own result (%d writes, %d wrong%s)"
          % (len(allres), len(wrong), (": %r" % (wrong[:3],)) if wrong else ""))
    written = {}
    for dn, value, want, got in allres:
        if want == 0 and got == 0:
            written.setdefault(dn.lower(), set()).add(value)
    print("WRITES %d" % sum(len(v) for v in written.values()))

    l = ldap.initialize(uri)
    l.simple_bind_s(binddn, pw)
    bad_hist, bad_live, no_sn = [], [], []
    for c in range(conns):
        for k in range(per):
            dn = person_dn(base, c, k)
            want = written.get(dn.lower(), set())
            seen = []
            for e in history_descriptions(l, dn):
                seen += e.get("description", [])
            # besides the initial value, exactly the values of the
            # successful writes (a value recurs in the versions that
            # keep the time before a later write)
            mine = set(v for v in seen if v != b"initial")
            if mine != want or any(v.startswith(b"BAD-") for v in seen):
                bad_hist.append((dn, sorted(mine)[:4], sorted(want)[:4]))
            live = l.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["description", "sn"])[0][1]
            if not live.get("sn"):
                no_sn.append(dn)
            if want and (live.get("description", [None])[0] not in want):
                bad_live.append((dn, live.get("description")))
    check(not bad_hist, "each history holds its successful writes and nothing of a failed one%s"
          % ((": %r" % (bad_hist[:2],)) if bad_hist else ""))
    check(not no_sn, "no failed write removed an sn%s" % ((": %r" % (no_sn[:3],)) if no_sn else ""))
    check(not bad_live, "each live description is one its writes set%s"
          % ((": %r" % (bad_live[:3],)) if bad_live else ""))
    l.unbind_s()
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
