#!/bin/bash
# t_schema_generator.sh - schema/modir-oio.schema, schema/schema2ldif.sh and
# tools/modir-gen against Debian's slapd (no modir module needed).
#
# TAP output; exit 0 when every check passes.
#   a) schema2ldif.sh output has as many olcAttributeTypes/olcObjectClasses
#      (and olcObjectIdentifier) values as the .schema has definitions
#   b) slaptest accepts a slapd.conf including the schema
#   c) modir-gen is deterministic (same seed => same bytes; other seed differs)
#   d) slapadd loads the base LDIF; slapcat returns as many entries as it has
#   e) slapd + "ldapadd -e relax" loads the base into a fresh DB, explicit
#      entryUUIDs are kept, moRefPerson of an engagement = its person's entryUUID
#   f) cn=config: ldapadd of the generated schema LDIF into cn=schema,cn=config
#
# Usage: bash tests/integration/t_schema_generator.sh
#   (MODIR_KEEP_TMP=1 keeps the temp directory; slapd is stopped either way)

set -u

here=$(cd "$(dirname "$0")" && pwd)
schemadir=$(cd "$here/../../schema" && pwd)
gen=$(cd "$here/../../tools" && pwd)/modir-gen
SCHEMA=$schemadir/modir-oio.schema
S2L=$schemadir/schema2ldif.sh
SYS=/etc/ldap/schema
SLAPD=/usr/sbin/slapd
PY=/usr/bin/python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_schema_gen.XXXXXX") || exit 1
pids=()

cleanup() {
	local pf pid i
	for pf in "$tmp"/slapd*.pid; do
		[ -f "$pf" ] || continue
		pid=$(cat "$pf" 2>/dev/null) || continue
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	if [ "${MODIR_KEEP_TMP:-0}" = 1 ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	shift
	local f
	for f in "$@"; do
		[ -f "$f" ] && sed -e 's/^/# /' "$f" | tail -n 20
	done
}
check() {   # check "description" command...
	local d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else notok "$d" "$tmp/out"; fi
}

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_slapd NAME URL ARGS... ; waits until the server answers
start_slapd() {
	local name=$1 url=$2 i
	shift 2
	"$SLAPD" -h "$url" "$@" >"$tmp/$name.log" 2>&1 || return 1
	for i in $(seq 1 100); do
		if [ -s "$tmp/$name.pid" ] && ldapsearch -x -H "$url" -b "" -s base -LLL \
			'(objectClass=*)' namingContexts >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

stop_slapd() {
	local pf=$tmp/$1.pid pid i
	[ -f "$pf" ] || return 0
	pid=$(cat "$pf")
	kill "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$pf"; return 0; }
		sleep 0.1
	done
	return 1
}

# count definitions in a .schema (first word of a non-indented line)
count_defs() {
	awk -v kw="$1" 'BEGIN { kw = tolower(kw) } /^[^ \t#]/ { if (tolower($1) == kw) c++ } END { print c + 0 }' "$SCHEMA"
}
count_attr() {   # values of an attribute in an LDIF file
	grep -c "^$1:" "$2"
}

echo "# tmp: $tmp"

# ---------------------------------------------------------------- a) ldif
if sh "$S2L" modir-oio <"$SCHEMA" >"$tmp/modir-oio.ldif" 2>"$tmp/s2l.err"; then
	ok "schema2ldif.sh converts the schema"
else
	notok "schema2ldif.sh converts the schema" "$tmp/s2l.err"
fi
for pair in attributetype:olcAttributeTypes objectclass:olcObjectClasses \
	objectidentifier:olcObjectIdentifier; do
	kw=${pair%%:*}; at=${pair#*:}
	want=$(count_defs "$kw"); got=$(count_attr "$at" "$tmp/modir-oio.ldif")
	if [ "$want" -gt 0 ] && [ "$want" = "$got" ]; then
		ok "$at count $got equals $kw definitions"
	else
		notok "$at count $got equals $kw definitions ($want)"
	fi
done
if awk 'length($0) > 76 { bad = 1 } END { exit bad }' "$tmp/modir-oio.ldif" &&
	head -1 "$tmp/modir-oio.ldif" | grep -qx 'dn: cn=modir-oio,cn=schema,cn=config'; then
	ok "schema LDIF is folded at 76 octets and names cn=modir-oio,cn=schema,cn=config"
else
	notok "schema LDIF is folded at 76 octets and names cn=modir-oio,cn=schema,cn=config"
fi
# every definition survives the round trip (unfold and compare the texts)
if "$PY" - "$SCHEMA" "$tmp/modir-oio.ldif" >"$tmp/rt.out" 2>&1 <<'EOF'
import re, sys
defs, cur = [], None
for line in open(sys.argv[1], encoding="ascii"):
    line = line.rstrip("\n")
    if line.startswith("#") or not line.strip():
        if cur: defs.append(cur); cur = None
        continue
    if line[0] in " \t":
        cur += " " + line.strip()
    else:
        if cur: defs.append(cur)
        cur = line.strip()
if cur: defs.append(cur)
norm = lambda s: re.sub(r"\s+", " ", s).strip()
want = sorted(norm(d.split(None, 1)[1]) for d in defs)
text = open(sys.argv[2], encoding="ascii").read().replace("\n ", "")
got = sorted(norm(l.split(": ", 1)[1]) for l in text.splitlines()
             if l.startswith(("olcAttributeTypes:", "olcObjectClasses:", "olcObjectIdentifier:")))
if want != got:
    print("definitions differ"); sys.exit(1)
EOF
then ok "schema LDIF unfolds to exactly the .schema definitions"
else notok "schema LDIF unfolds to exactly the .schema definitions" "$tmp/rt.out"; fi

# ---------------------------------------------------------------- b) slaptest
SUFFIX="dc=kommune,dc=dk"
ROOTDN="cn=admin,$SUFFIX"
PW=secret
write_conf() {   # write_conf FILE DBDIR PIDNAME
	cat >"$1" <<EOF
include $SYS/core.schema
include $SYS/cosine.schema
include $SYS/inetorgperson.schema
include $SCHEMA
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $tmp/$3.pid
argsfile $tmp/$3.args
database mdb
maxsize 1073741824
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $PW
directory $2
index objectClass eq
index entryUUID eq
index moRefPerson,moRefUnit eq
EOF
	mkdir -p "$2"
}
write_conf "$tmp/slapd.conf" "$tmp/db" slapd-a
# -u: the mdb database does not exist yet
check "slaptest -u -f slapd.conf accepts the schema" slaptest -u -f "$tmp/slapd.conf"

# ---------------------------------------------------------------- c) generator
"$gen" --employees 300 --seed 7 -o "$tmp/base.ldif" --truth "$tmp/truth.json" \
	--history "$tmp/history.ldif" >"$tmp/gen.err" 2>&1
rc=$?
"$gen" --employees 300 --seed 7 >"$tmp/base2.ldif" 2>>"$tmp/gen.err"
rc2=$?
"$gen" --employees 300 --seed 8 >"$tmp/base3.ldif" 2>>"$tmp/gen.err"
rc3=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && [ $rc3 = 0 ] && [ -s "$tmp/base.ldif" ]; then
	ok "modir-gen --employees 300 runs"
else
	notok "modir-gen --employees 300 runs" "$tmp/gen.err"
fi
check "same seed gives byte-identical output" cmp "$tmp/base.ldif" "$tmp/base2.ldif"
if cmp -s "$tmp/base.ldif" "$tmp/base3.ldif"; then
	notok "another seed gives different output"
else
	ok "another seed gives different output"
fi
"$gen" --employees 300 --seed 7 -o "$tmp/b4.ldif" --history "$tmp/h4.ldif" \
	--truth "$tmp/t4.json" 2>>"$tmp/gen.err"
if cmp -s "$tmp/history.ldif" "$tmp/h4.ldif" && cmp -s "$tmp/truth.json" "$tmp/t4.json"; then
	ok "history and truth are deterministic too"
else
	notok "history and truth are deterministic too"
fi
check "every history record carries the validity control" "$PY" - "$tmp/history.ldif" <<'EOF'
import re, sys
recs = [r for r in open(sys.argv[1], encoding="utf-8").read().split("\n\n")]
recs = ["\n".join(l for l in r.splitlines() if not l.startswith("#")) for r in recs]
recs = [r for r in recs if r.strip()]
assert recs, "no records"
pat = re.compile(r"^control: 2\.25\.206283864511547100393473690660207568560\.3\.1 true: "
                 r"validFrom=\d{14}Z(;validTo=\d{14}Z)?$", re.M)
bad = [r for r in recs if not pat.search(r) or "\nchangetype: " not in r]
assert not bad, bad[0]
print(len(recs), "records")
EOF

# the truth JSON agrees with an independent recomputation from the LDIF
# (base alone, and base + history records in effect at --now)
check "truth JSON matches a recomputation from base and history" \
	"$PY" - "$tmp/base.ldif" "$tmp/history.ldif" "$tmp/truth.json" <<'EOF'
import base64, json, re, sys

def records(path):
    for block in open(path, encoding="utf-8").read().split("\n\n"):
        un = []
        for l in block.split("\n"):
            if not l or l.startswith("#"):
                continue
            if l.startswith(" "):
                un[-1] += l[1:]
            else:
                un.append(l)
        rec = []
        for l in un:
            if l == "-":
                rec.append(("-", None))
                continue
            a, v = l.split(":", 1)
            v = base64.b64decode(v[1:].strip()).decode() if v.startswith(":") else v[1:]
            rec.append((a, v))
        if rec:
            yield rec

ents = {}
for r in records(sys.argv[1]):
    e = {}
    for a, v in r[1:]:
        e.setdefault(a, []).append(v)
    ents[r[0][1].lower()] = (r[0][1], e)

def derive():
    oc = lambda e: {x.lower() for x in e.get("objectClass", [])}
    byuuid = {e["entryUUID"][0]: dn for dn, e in ents.values()}
    units = {e["entryUUID"][0]: (dn, e) for dn, e in ents.values() if "moorgunit" in oc(e)}
    parent = {}
    for u, (dn, e) in units.items():
        p = ents.get(dn.split(",", 1)[1].lower())
        parent[u] = p[1]["entryUUID"][0] if p and "moorgunit" in oc(p[1]) else None
    mgr, engs, addrs, cls = {}, {}, {}, {}
    for dn, e in ents.values():
        o = oc(e)
        if "momanager" in o and e.get("moRefPerson"):
            mgr[e["moRefUnit"][0]] = e["moRefPerson"][0]
        if "moengagement" in o:
            engs.setdefault(e["moRefPerson"][0], []).append(e)
        if "moaddress" in o:
            addrs.setdefault(e["moRefOwner"][0], []).append(e)
        if "moclass" in o:
            cls[e["entryUUID"][0]] = e
    def inherited(u, skip=None):
        while u:
            if u in mgr and mgr[u] != skip:
                return mgr[u]
            u = parent[u]
        return None
    def path(u):
        names = []
        while u:
            names.append(units[u][1]["ou"][0])
            u = parent[u]
        return "\\".join(reversed(names))
    U = {}
    for u, (dn, e) in units.items():
        m = inherited(u)
        U[dn] = {"entryUUID": u, "moUnitPath": path(u), "moRefUnitManager": m,
                 "moUnitManagerDN": byuuid[m] if m else None}
    P, reports = {}, {}
    kinds = {"EmailEmployee": "mail", "PhoneEmployee": "telephoneNumber",
             "MobilePhoneEmployee": "mobile"}
    for dn, e in ents.values():
        if "moperson" not in oc(e):
            continue
        me = e["entryUUID"][0]
        es = engs.get(me, [])
        prim = [x for x in es if x.get("moPrimary") == ["TRUE"]]
        r = dict.fromkeys(("title", "ou", "departmentNumber", "employeeNumber",
                           "employeeType", "manager"))
        r.update(entryUUID=me, moActive=bool(es), mail=[], telephoneNumber=[], mobile=[])
        if prim:
            x, u = prim[0], prim[0]["moRefUnit"][0]
            m = inherited(u, skip=me)
            r.update(title=cls[x["moRefJobFunction"][0]]["moName"][0],
                     ou=units[u][1]["ou"][0], departmentNumber=units[u][1]["moUserKey"][0],
                     employeeNumber=x["moUserKey"][0],
                     employeeType=cls[x["moRefEngagementType"][0]]["moName"][0],
                     manager=byuuid[m] if m else None)
            if m:
                reports.setdefault(byuuid[m], []).append(dn)
        for a in addrs.get(me, []):
            k = kinds.get(cls[a["moRefAddressType"][0]]["moUserKey"][0])
            if k and cls[a["moRefVisibility"][0]]["moScope"][0] == "PUBLIC":
                r[k].append(a["moAddressValue"][0])
        for k in kinds.values():
            r[k].sort()
        P[dn] = r
    for dn, r in P.items():
        r["moDirectReports"] = sorted(reports.get(dn, []))
    return {"persons": P, "units": U}

def compare(got, want, label):
    bad = 0
    for sec in ("persons", "units"):
        if got[sec] != want[sec]:
            diff = [k for k in set(got[sec]) | set(want[sec]) if got[sec].get(k) != want[sec].get(k)]
            print(label, sec, len(diff), "differ, e.g.", diff[:1])
            bad += 1
    return bad

truth = json.load(open(sys.argv[3], encoding="utf-8"))
now = truth["now"]
bad = compare(derive(), truth, "base")
for r in records(sys.argv[2]):
    dn = r[0][1]
    d = dict(x for x in r if x[0] in ("control", "changetype", "newrdn"))
    m = re.search(r"validFrom=(\d{14}Z)(?:;validTo=(\d{14}Z))?", d["control"])
    if m.group(1) > now:
        continue                                   # not yet in effect
    ct = d["changetype"]
    if ct == "add":
        if m.group(2) and m.group(2) <= now:
            continue                               # already over
        e = {}
        for a, v in r[1:]:
            if a not in ("control", "changetype"):
                e.setdefault(a, []).append(v)
        ents[dn.lower()] = (dn, e)
    elif ct == "delete":
        ents.pop(dn.lower(), None)
    elif ct == "modify":
        e = ents[dn.lower()][1]
        body = [x for x in r[1:] if x[0] not in ("control", "changetype")]
        i = 0
        while i < len(body):
            op, attr = body[i]
            vals = []
            i += 1
            while body[i][0] != "-":
                vals.append(body[i][1])
                i += 1
            i += 1
            if op == "replace" or (op == "delete" and not vals):
                e[attr] = vals
            elif op == "delete":
                e[attr] = [v for v in e.get(attr, []) if v not in vals]
            else:
                e.setdefault(attr, []).extend(vals)
            if not e[attr]:
                del e[attr]
    elif ct == "modrdn":
        newdn = d["newrdn"] + "," + dn.split(",", 1)[1]
        old = dn.lower()
        for k in [k for k in ents if k == old or k.endswith("," + old)]:
            odn, e = ents.pop(k)
            ndn = odn[:len(odn) - len(dn)] + newdn
            ents[ndn.lower()] = (ndn, e)
        ents[newdn.lower()][1]["ou"] = [d["newrdn"].split("=", 1)[1]]
bad += compare(derive(), truth["after_history"], "after_history")
print(len(truth["persons"]), "persons,", len(truth["after_history"]["persons"]), "after history")
sys.exit(1 if bad else 0)
EOF

# ---------------------------------------------------------------- d) slapadd
ndn=$(grep -c -E '^dn::? ' "$tmp/base.ldif")
if slapadd -f "$tmp/slapd.conf" -l "$tmp/base.ldif" >"$tmp/slapadd.out" 2>&1; then
	ok "slapadd loads the base LDIF ($ndn entries)"
else
	notok "slapadd loads the base LDIF" "$tmp/slapadd.out"
fi
nsc=$(slapcat -f "$tmp/slapd.conf" 2>/dev/null | grep -c -E '^dn::? ')
if [ "$nsc" = "$ndn" ]; then
	ok "slapcat returns $nsc entries = dn: lines"
else
	notok "slapcat returns $nsc entries, LDIF has $ndn"
fi
check "slaptest -f accepts the loaded database" slaptest -f "$tmp/slapd.conf"

# ---------------------------------------------------------------- e) ldapadd -e relax
write_conf "$tmp/slapd-e.conf" "$tmp/db-e" slapd-e
port=$(free_port)
URL="ldap://127.0.0.1:$port/"
if start_slapd slapd-e "$URL" -f "$tmp/slapd-e.conf"; then
	ok "slapd starts on $URL"
	if ldapadd -x -D "$ROOTDN" -w "$PW" -e relax -H "$URL" -f "$tmp/base.ldif" \
		>"$tmp/ldapadd.out" 2>&1; then
		ok "ldapadd -e relax loads the base LDIF into a fresh DB"
	else
		notok "ldapadd -e relax loads the base LDIF into a fresh DB" "$tmp/ldapadd.out"
	fi
	nld=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -D "$ROOTDN" -w "$PW" \
		-b "$SUFFIX" -z 0 '(objectClass=*)' 1.1 2>/dev/null | grep -c -E '^dn::? ')
	if [ "$nld" = "$ndn" ]; then ok "server holds $nld entries"; else
		notok "server holds $nld entries, LDIF has $ndn"; fi
	# a known engagement from the LDIF: its moRefPerson must be the person's entryUUID
	read -r eng_uuid person_uuid < <("$PY" - "$tmp/base.ldif" <<'EOF'
import sys
for rec in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    if "objectClass: moEngagement" in rec:
        d = dict(l.split(": ", 1) for l in rec.splitlines() if ": " in l and "::" not in l.split(": ", 1)[0])
        print(d["entryUUID"], d["moRefPerson"]); break
EOF
)
	pdn=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -b "ou=people,$SUFFIX" \
		"(entryUUID=$person_uuid)" 1.1 2>/dev/null | grep -c -E '^dn::? ')
	ref=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -b "ou=functions,$SUFFIX" \
		"(&(objectClass=moEngagement)(entryUUID=$eng_uuid))" moRefPerson 2>/dev/null |
		sed -n 's/^moRefPerson: //p')
	puuid=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -b "ou=people,$SUFFIX" \
		"(&(objectClass=moPerson)(entryUUID=$ref))" entryUUID 2>/dev/null |
		sed -n 's/^entryUUID: //p')
	if [ -n "$eng_uuid" ] && [ "$pdn" = 1 ] && [ -n "$ref" ] && [ "$ref" = "$person_uuid" ] &&
		[ "$puuid" = "$person_uuid" ]; then
		ok "engagement $eng_uuid: moRefPerson = entryUUID of its person ($ref)"
	else
		notok "engagement moRefPerson = entryUUID of its person (eng=$eng_uuid ref=$ref want=$person_uuid found=$puuid)"
	fi
	# UUID matching is case-insensitive (UUIDMatch); filters on the refs work
	up=$(echo "$person_uuid" | tr a-f A-F)
	cnt=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -b "ou=functions,$SUFFIX" \
		"(&(objectClass=moEngagement)(moRefPerson=$up))" 1.1 2>/dev/null | grep -c '^dn:')
	if [ "$cnt" -ge 1 ]; then ok "moRefPerson equality filter (UUIDMatch, upper case) finds $cnt engagement(s)"
	else notok "moRefPerson equality filter (UUIDMatch, upper case)"; fi
	# without relax, explicit entryUUID is refused (documents why -e relax is needed)
	printf 'dn: cn=x,ou=functions,%s\nobjectClass: moFacet\ncn: x\nmoUserKey: x\nentryUUID: 00000000-0000-4000-8000-000000000001\n' \
		"$SUFFIX" >"$tmp/norelax.ldif"
	if ldapadd -x -D "$ROOTDN" -w "$PW" -H "$URL" -f "$tmp/norelax.ldif" >/dev/null 2>&1; then
		notok "ldapadd without relax refuses an explicit entryUUID"
	else
		ok "ldapadd without relax refuses an explicit entryUUID"
	fi
	if stop_slapd slapd-e; then ok "slapd stopped"; else notok "slapd stopped"; fi
else
	notok "slapd starts on $URL" "$tmp/slapd-e.log"
fi

# ---------------------------------------------------------------- f) cn=config
cat >"$tmp/minimal.conf" <<EOF
include $SYS/core.schema
include $SYS/cosine.schema
include $SYS/inetorgperson.schema
pidfile $tmp/slapd-f.pid
argsfile $tmp/slapd-f.args
database config
rootdn "cn=admin,cn=config"
rootpw $PW
EOF
mkdir -p "$tmp/slapd.d"
check "slaptest converts minimal.conf to a slapd.d" \
	slaptest -f "$tmp/minimal.conf" -F "$tmp/slapd.d"
port=$(free_port)
URL="ldap://127.0.0.1:$port/"
if start_slapd slapd-f "$URL" -F "$tmp/slapd.d"; then
	ok "slapd -F slapd.d starts on $URL"
	if ldapadd -x -D "cn=admin,cn=config" -w "$PW" -H "$URL" -f "$tmp/modir-oio.ldif" \
		>"$tmp/cfgadd.out" 2>&1; then
		ok "ldapadd of modir-oio.ldif into cn=schema,cn=config"
	else
		notok "ldapadd of modir-oio.ldif into cn=schema,cn=config" "$tmp/cfgadd.out"
	fi
	ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -D "cn=admin,cn=config" -w "$PW" \
		-b "cn=schema,cn=config" '(cn=*modir-oio)' olcAttributeTypes olcObjectClasses \
		>"$tmp/cfg.out" 2>&1
	nat=$(grep -c '^olcAttributeTypes:' "$tmp/cfg.out")
	noc=$(grep -c '^olcObjectClasses:' "$tmp/cfg.out")
	if grep -q '^dn: cn={[0-9]*}modir-oio,cn=schema,cn=config' "$tmp/cfg.out" &&
		[ "$nat" = "$(count_defs attributetype)" ] && [ "$noc" = "$(count_defs objectclass)" ]; then
		ok "cn={N}modir-oio appears in cn=schema,cn=config with $nat types, $noc classes"
	else
		notok "cn=modir-oio appears in cn=schema,cn=config" "$tmp/cfg.out"
	fi
	if ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -b cn=Subschema -s base \
		'(objectClass=*)' objectClasses 2>/dev/null | grep -q "NAME 'moEngagement'"; then
		ok "moEngagement is live in the subschema"
	else
		notok "moEngagement is live in the subschema"
	fi
	if stop_slapd slapd-f; then ok "slapd (cn=config) stopped"; else notok "slapd (cn=config) stopped"; fi
else
	notok "slapd -F slapd.d starts on $URL" "$tmp/slapd-f.log"
fi

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n checks failed"
	exit 1
fi
exit 0
