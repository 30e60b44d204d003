#!/usr/bin/python3
"""Compares the derived attributes in a running modir directory with the
generator's truth file (tools/modir-gen --truth).

usage: check_derived.py URI BINDDN PASSWORD TRUTH.json [section]
section: "after_history" (default) or "base".
Prints a TAP line per kind of check and details of the first mismatches;
exits 1 on any mismatch.
"""
import json
import sys

import ldap
from ldap.controls import SimplePagedResultsControl

PERSON_ATTRS = ["title", "ou", "departmentNumber", "employeeNumber", "employeeType",
                "manager", "mail", "telephoneNumber", "mobile", "moActive", "moDirectReports"]
UNIT_ATTRS = ["moUnitPath", "moRefUnitManager", "moUnitManagerDN"]


def norm(attr, v):
    if v is None:
        return []
    if isinstance(v, bool):
        return ["TRUE" if v else "FALSE"]
    if not isinstance(v, list):
        v = [v]
    out = []
    for x in v:
        x = str(x)
        if attr in ("manager", "moDirectReports", "moUnitManagerDN"):
            x = x.lower()
        if attr == "moRefUnitManager":
            x = x.lower()
        out.append(x)
    return sorted(out)


def paged(l, base, flt, attrs):
    pg = SimplePagedResultsControl(True, size=1000, cookie=b"")
    while True:
        msgid = l.search_ext(base, ldap.SCOPE_SUBTREE, flt, attrs, serverctrls=[pg])
        _, data, _, ctrls = l.result3(msgid)
        for dn, e in data:
            if dn:
                yield dn, e
        pc = [c for c in ctrls if c.controlType == SimplePagedResultsControl.controlType]
        if not pc or not pc[0].cookie:
            return
        pg.cookie = pc[0].cookie


def main():
    uri, binddn, pw, truthfile = sys.argv[1:5]
    section = sys.argv[5] if len(sys.argv) > 5 else "after_history"
    truth = json.load(open(truthfile, encoding="utf-8"))
    t = truth[section] if section != "base" else truth
    l = ldap.initialize(uri)
    l.simple_bind_s(binddn, pw)
    suffix = truth["suffix"]
    failed = 0
    for kind, objclass, attrs, expect in (
            ("person", "moPerson", PERSON_ATTRS, t["persons"]),
            ("unit", "moOrgUnit", UNIT_ATTRS, t["units"])):
        got = {}
        for dn, e in paged(l, suffix, "(objectClass=%s)" % objclass, attrs):
            got[dn.lower()] = {a.lower(): [v.decode() for v in vs] for a, vs in e.items()}
        bad = []
        for dn, exp in expect.items():
            g = got.get(dn.lower())
            if g is None:
                bad.append("%s: missing" % dn)
                continue
            for a in attrs:
                want = norm(a, exp.get(a))
                have = norm(a, g.get(a.lower()))
                if want != have:
                    bad.append("%s %s: got %s, want %s" % (dn, a, have, want))
        extra = set(got) - {d.lower() for d in expect}
        for dn in sorted(extra)[:5]:
            bad.append("%s: not in the truth" % dn)
        if bad:
            failed += 1
            print("not ok - derived attributes of every %s match the generator's truth (%d of %d wrong)"
                  % (kind, len(bad), len(expect)))
            for b in bad[:15]:
                print("#   " + b)
        else:
            print("ok - derived attributes of all %d %ss match the generator's truth" % (len(expect), kind))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
