#!/usr/bin/python3
"""As-of reads of one entry against the whole organisation (issue 13,
item 3): a base as-of search computes a person's or a unit's derived
attributes from the entries they depend on only (overlay/oio/oio_asof.c), a
subtree as-of search from the whole organisation at that point.  Both must
agree for every person and unit, at several points of the history, and at
now both must equal the generator's truth.

usage: check_asof_one.py URI BINDDN PASSWORD TRUTH.json [--no-truth] VALIDAT...
The first VALIDAT is the generator's now, checked against the truth too,
unless --no-truth (the directory was changed since).
Prints TAP lines; exits 1 on any mismatch.
"""
import json
import sys

import ldap
from ldap.controls import LDAPControl

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from check_derived import PERSON_ATTRS, UNIT_ATTRS, norm  # noqa: E402

ASOF = "2.25.206283864511547100393473690660207568560.3.2"


def asof(t):
    return [LDAPControl(ASOF, True, encodedControlValue=("validAt=%s" % t).encode())]


def entries(l, base, scope, flt, attrs, t):
    msgid = l.search_ext(base, scope, flt, attrs, serverctrls=asof(t))
    _, data, _, _ = l.result3(msgid)
    return {dn.lower(): {a.lower(): [v.decode() for v in vs] for a, vs in e.items()}
            for dn, e in data if dn}


def main():
    uri, binddn, pw, truthfile = sys.argv[1:5]
    dates = sys.argv[5:]
    check_truth = not (dates and dates[0] == "--no-truth")
    if not check_truth:
        dates = dates[1:]
    truth = json.load(open(truthfile, encoding="utf-8"))
    t = truth["after_history"]
    l = ldap.initialize(uri)
    l.simple_bind_s(binddn, pw)
    suffix = truth["suffix"]
    failed = 0
    for i, when in enumerate(dates):
        for kind, oc, attrs, expect in (("person", "moPerson", PERSON_ATTRS, t["persons"]),
                                        ("unit", "moOrgUnit", UNIT_ATTRS, t["units"])):
            whole = entries(l, suffix, ldap.SCOPE_SUBTREE, "(objectClass=%s)" % oc, attrs, when)
            bad = []
            for dn, w in sorted(whole.items()):
                one = entries(l, dn, ldap.SCOPE_BASE, "(objectClass=*)", attrs, when).get(dn)
                if one is None:
                    bad.append("%s: found by the subtree search, not by a base search" % dn)
                    continue
                for a in attrs:
                    if norm(a, one.get(a.lower())) != norm(a, w.get(a.lower())):
                        bad.append("%s %s: base %s, subtree %s" % (dn, a, norm(a, one.get(a.lower())),
                                                                    norm(a, w.get(a.lower()))))
                if i == 0 and check_truth:  # the first point is now: the truth too
                    exp = expect.get(dn) or {k.lower(): v for k, v in
                                             next((v for d, v in expect.items() if d.lower() == dn), {}).items()}
                    exp = {k.lower(): v for k, v in exp.items()}
                    for a in attrs:
                        if norm(a, one.get(a.lower())) != norm(a, exp.get(a.lower())):
                            bad.append("%s %s: base %s, truth %s" % (dn, a, norm(a, one.get(a.lower())),
                                                                      norm(a, exp.get(a.lower()))))
            label = "now (and the truth)" if i == 0 and check_truth else when
            if bad or not whole:
                failed += 1
                print("not ok - as-of %s: base and subtree searches agree on every %s (%d wrong of %d)"
                      % (label, kind, len(bad), len(whole)))
                for b in bad[:10]:
                    print("#   " + b)
            else:
                print("ok - as-of %s: base and subtree searches agree on all %d %ss" % (label, len(whole), kind))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
