#!/usr/bin/env bash
# Entries loaded with slapadd carrying their period (moValidFrom /
# moValidTo): at the next start the overlay records their baseline
# versions with that period and drops the stored attributes from the live
# entries, as an add over LDAP never stores them.  A stored copy would go
# on claiming the import's period after the next dated change.
. "$(dirname "$0")/../lib.sh"

D=$T_DIR/boot
write_conf "$D" "overlay bitemporal"
P="ou=people,$SUFFIX"
{
  base_ldif | sed '/^dn: /a moValidFrom: 20000101000000Z'
  cat <<EOF2

dn: uid=ann,$P
objectClass: inetOrgPerson
uid: ann
cn: Ann Andersen
sn: Andersen
title: Fuldmaegtig
moValidFrom: 20200101000000Z
moValidTo: 20991231000000Z

dn: uid=bo,$P
objectClass: inetOrgPerson
uid: bo
cn: Bo Berg
sn: Berg
EOF2
} > "$T_DIR/load.ldif"
check "slapadd of entries carrying moValidFrom / moValidTo" "$SLAPADD" -q -f "$D/slapd.conf" -l "$T_DIR/load.ldif"
stored() { "$SLAPCAT" -f "$D/slapd.conf" 2>/dev/null | grep -ci '^moValid'; }
is "slapcat: the periods are stored after slapadd" "$(stored)" 5

start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
ok "slapd starts on the loaded database"
is "the live entries no longer store them (a filter on moValidFrom finds none)" \
  "$(lsearch -b "$P" '(moValidFrom=*)' 1.1 | grep -c '^dn:')" 0
is "moValidFrom is shown from the history" \
  "$(lsearch -b "uid=ann,$P" -s base moValidFrom | sed -n 's/^moValidFrom: //p')" 20200101000000Z
is "moValidTo is shown from the history" \
  "$(lsearch -b "uid=ann,$P" -s base moValidTo | sed -n 's/^moValidTo: //p')" 20991231000000Z
is "the baseline version has the loaded period" \
  "$(lsearch -b "uid=ann,$P" -s base -E "$(history_ctl)" moValidFrom moVersionOperation | sed -n 's/^moValidFrom: //p' | head -1)" 20200101000000Z

# a change from a date after the import: the live entry now shows that date
FROM=$(gt 'today 00:00')
rc=$(rc_of lmodify -e "$(valid "validFrom=$FROM")" <<EOF2
dn: uid=ann,$P
changetype: modify
replace: title
title: Specialkonsulent
EOF2
)
is "a dated change from today" "$rc" 0
is "moValidFrom is the new version's, not the import's" \
  "$(lsearch -b "uid=ann,$P" -s base moValidFrom | sed -n 's/^moValidFrom: //p')" "$FROM"
is "moValidTo still the import's end" \
  "$(lsearch -b "uid=ann,$P" -s base moValidTo | sed -n 's/^moValidTo: //p')" 20991231000000Z
is "as of 2021 the entry had its old title" \
  "$(lsearch -b "uid=ann,$P" -s base -E "$(asof validAt=20210101000000Z)" title | sed -n 's/^title: //p')" "Fuldmaegtig"

stop_slapd "$D/slapd.pid"
is "slapcat: nothing stores a period any more" "$(stored)" 0
start_slapd "$D" || not_ok "slapd restarts"
is "after a restart the shown period is unchanged" \
  "$(lsearch -b "uid=ann,$P" -s base moValidFrom | sed -n 's/^moValidFrom: //p')" "$FROM"
check "online verify: the live DIT and the history agree" \
  "$TOP/tools/modir-history" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
stop_slapd "$D/slapd.pid"

# A directory larger than one of the bootstrap's transactions: they are
# committed by the bytes of pages they hold (bitemporal-cache-size, at
# least 4 MiB), so 8,000 entries of ~1 KB at random entryUUIDs take
# several, and every entry has its baseline whichever one it was in.
M=$T_DIR/many
write_conf "$M" "overlay bitemporal" "bitemporal-cache-size 0"
N=8000
{
  base_ldif | sed '/^dn: /a moValidFrom: 20000101000000Z'
  "$PY" - "$N" "$SUFFIX" <<'EOF2'
import base64, random, sys
n, suffix = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(7)
print("\ndn: ou=many,%s\nobjectClass: organizationalUnit\nou: many\nmoValidFrom: 20000101000000Z" % suffix)
for i in range(n):
    text = base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(750))).decode()
    print("\ndn: cn=e%d,ou=many,%s\nobjectClass: person\ncn: e%d\nsn: S%d\n"
          "description: %s\nmoValidFrom: 20000101000000Z" % (i, suffix, i, i, text))
EOF2
} > "$T_DIR/many.ldif"
check "slapadd of $N entries of ~1 KB carrying their period" "$SLAPADD" -q -f "$M/slapd.conf" -l "$T_DIR/many.ldif"
SLAPD_DEBUG=256 start_slapd "$M" || { not_ok "slapd starts on them"; finish; exit 1; }
ok "slapd starts on them"
tx=$(grep -a -o 'recorded baseline versions of [0-9]* existing entries in "[^"]*" ([0-9]* transactions)' "$M/slapd.log" | tail -1)
n_rec=$(echo "$tx" | sed -n 's/.*versions of \([0-9]*\) existing.*/\1/p')
n_tx=$(echo "$tx" | sed -n 's/.*(\([0-9]*\) transactions)/\1/p')
is "the first start recorded the baseline of every entry" "$n_rec" "$(grep -c "^dn:" "$T_DIR/many.ldif")"
if [ "${n_tx:-0}" -ge 2 ]; then ok "in $n_tx transactions, each bounded by the bytes it holds"
else not_ok "in more than one transaction, each bounded by the bytes it holds (${n_tx:-none})"; fi
is "an as-of search in 2010 finds every entry from the history" \
  "$(lsearch -b "ou=many,$SUFFIX" -E "$(asof validAt=20100101000000Z)" '(cn=*)' 1.1 | grep -c '^dn:')" "$N"
is "none stores its period any more" "$(lsearch -b "ou=many,$SUFFIX" '(moValidFrom=*)' 1.1 | grep -c '^dn:')" 0
check "online verify: the live DIT and the history agree" \
  "$TOP/tools/modir-history" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
stop_slapd "$M/slapd.pid"
finish
