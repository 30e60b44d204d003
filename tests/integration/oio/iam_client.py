#!/usr/bin/python3
"""An IAM-style client: all active employees with unit, title, manager and
mail in ONE paged search, now and, with the as-of control, at a past and a
future date.  Prints per point in time: the time, the number of active
employees, and "uid:ou:title:manager:mail" of the one with uid UID.

usage: iam_client.py URI BINDDN PASSWORD PEOPLE_BASE UID [WHEN...]
"""
import sys

import ldap
from ldap.controls import LDAPControl, SimplePagedResultsControl

ASOF = "2.25.206283864511547100393473690660207568560.3.2"
ATTRS = ["uid", "ou", "title", "manager", "mail", "telephoneNumber"]


def active_employees(l, base, when=None):
    pg = SimplePagedResultsControl(True, size=2, cookie=b"")
    ctrls = [pg]
    if when:
        ctrls.append(LDAPControl(ASOF, True, encodedControlValue=("validAt=" + when).encode()))
    out = []
    while True:
        msgid = l.search_ext(base, ldap.SCOPE_ONELEVEL, "(moActive=TRUE)", ATTRS, serverctrls=ctrls)
        _, data, _, rctrls = l.result3(msgid)
        out += [e for dn, e in data if dn]
        pc = [c for c in rctrls if c.controlType == SimplePagedResultsControl.controlType]
        if not pc or not pc[0].cookie:
            return out
        pg.cookie = pc[0].cookie


def first(v):
    return v[0].decode() if v else ""


def main():
    uri, binddn, pw, base, uid = sys.argv[1:6]
    l = ldap.initialize(uri)
    l.simple_bind_s(binddn, pw)
    for when in [None] + sys.argv[6:]:
        people = active_employees(l, base, when)
        e = ([p for p in people if first(p.get("uid")) == uid] or [{}])[0]
        print(when or "now", len(people), ":".join(
            first(e.get(a)) for a in ("uid", "ou", "title", "manager", "mail")))


if __name__ == "__main__":
    main()
