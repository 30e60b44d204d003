#!/usr/bin/env bash
# A dated write may name an entry by the DN it had at validFrom (issue 13,
# item 10): the write reaches the live entry under its present name, and
# the oio model must follow that entry, not the DN the client sent.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
P="ou=people,$SUFFIX"; L="o=line,ou=organisation,$SUFFIX"

D=$T_DIR/s
write_conf "$D" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality (since 2000)" ladd -e relax -f "$HERE/oio/fixture.ldif"
wait_is "dora works in C (departmentNumber 120)" "120" val "uid=dora,$P" departmentNumber

check "C is renamed Digital from 2023 (live now)" ldapmodrdn -r -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" \
  -e "$(valid validFrom=20230101000000Z)" "ou=C,ou=Kommune,$L" "ou=Digital"
wait_is "dora's ou follows the rename" "Digital" val "uid=dora,$P" ou
check "the unit's key changes from 2022, the unit named as it was then (ou=C)" \
  lmodify -e "$(valid validFrom=20220101000000Z)" \
  -f <(printf 'dn: ou=C,ou=Kommune,%s\nchangetype: modify\nreplace: moUserKey\nmoUserKey: 121\n' "$L")
is "the live unit has the new key" "$(val "ou=Digital,ou=Kommune,$L" moUserKey)" "121"
wait_is "dora's live departmentNumber follows (the model learnt of it)" "121" val "uid=dora,$P" departmentNumber
is "as-of now agrees" "$(val "uid=dora,$P" departmentNumber -E "$(asof "validAt=$(gt now)")")" "121"

check "the unit moves under A from mid 2022, named as it was then (ou=C)" \
  ldapmodrdn -r -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid validFrom=20220601000000Z)" \
  -s "ou=A,ou=Kommune,$L" "ou=C,ou=Kommune,$L" "ou=C"
is "live: the unit is under A" "$(lsearch -b "ou=A,ou=Kommune,$L" -s one '(moUserKey=121)' 1.1 | grep -c '^dn:')" "1"
udn=$(lsearch -b "ou=A,ou=Kommune,$L" -s one '(moUserKey=121)' 1.1 | sed -n 's/^dn: //p')
wait_is "its live moUnitPath follows the move" 'Kommune\A\C' val "$udn" moUnitPath
is "dora's live ou is the unit's name" "$(val "uid=dora,$P" ou)" "$(val "$udn" ou)"
check "online verify: live and history agree" "$TOP/tools/modir-history" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
finish
