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
finish
