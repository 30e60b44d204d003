#!/usr/bin/python3
"""Gives configurations A and B the same data shape as C: the derived
attributes that modir's oio overlay computes in C (title, mail, manager,
...) are written into the base LDIF from the generator's truth file, so
that every configuration stores, indexes and returns the same attributes.

usage: add_derived.py BASE.ldif TRUTH.json > BASE-DERIVED.ldif
"""
import base64
import json
import sys

ATTRS = ["title", "ou", "departmentNumber", "employeeNumber", "employeeType", "manager",
         "mail", "telephoneNumber", "mobile", "moActive", "moDirectReports",
         "moUnitPath", "moRefUnitManager", "moUnitManagerDN"]


def line(attr, v):
    if isinstance(v, bool):
        v = "TRUE" if v else "FALSE"
    v = str(v)
    if v.isascii() and v.isprintable() and not v.startswith((" ", ":", "<")):
        return "%s: %s\n" % (attr, v)
    return "%s:: %s\n" % (attr, base64.b64encode(v.encode()).decode())


def main():
    base, truthfile = sys.argv[1:3]
    truth = json.load(open(truthfile, encoding="utf-8"))
    derived = {}
    for section in ("persons", "units"):
        for dn, vals in truth[section].items():
            derived[dn.lower()] = vals
    out = sys.stdout
    block = []

    def flush():
        if not block:
            return
        dn = block[0][4:].strip().lower() if block[0].startswith("dn: ") else None
        out.write("".join(block))
        vals = derived.get(dn)
        if vals:
            for a in ATTRS:
                v = vals.get(a)
                for x in (v if isinstance(v, list) else [v] if v not in (None, "") else []):
                    out.write(line(a, x))
        out.write("\n")
        block.clear()

    for raw in open(base, encoding="utf-8"):
        if raw.strip() == "":
            flush()
        else:
            block.append(raw)
    flush()


if __name__ == "__main__":
    main()
