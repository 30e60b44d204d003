#!/usr/bin/env bash
# Live configuration (cn=config): every directive takes effect when the
# cn=config change returns, or the change is refused with a reason; and
# slaptest refuses what slapd would refuse at start.
#  - olcOverlay: bitemporal added to a database that already holds entries
#    records their baseline versions at once (not at the next restart);
#  - olcOverlay: oio without the bitemporal overlay below it is refused,
#    live and in slapd.conf form;
#  - olcOioInternalAddresses changed live re-derives the people's
#    attributes before the modify returns (it took effect only when some
#    unrelated input changed);
#  - olcOioTerminatedManagers, olcBitemporalSubtree,
#    olcBitemporalObjectClass and olcBitemporalGroupCommit changed live
#    apply to the next operation (olcBitemporalCacheSize: t_module_load;
#    olcBitemporalPastAccess: t_access).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
P="ou=people,$SUFFIX"
F="ou=functions,$SUFFIX"
N=100

C=$T_DIR/live
mkdir -p "$C/slapd.d" "$C/db"
cat > "$C/init.conf" <<EOF
include $SYS_SCHEMA/core.schema
include $SYS_SCHEMA/cosine.schema
include $SYS_SCHEMA/inetorgperson.schema
include $SCHEMA_DIR/modir-oio.schema
pidfile $C/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload $MODULE_DIR/modir.so
database config
rootdn "$CFGDN"
rootpw $ROOTPW
database mdb
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $ROOTPW
directory $C/db
maxsize 1073741824
index objectClass eq
index entryUUID eq
index moRefPerson,moRefUnit,moRefOwner,manager eq
EOF
check "build a cn=config directory (module, no overlays)" conf_to_slapdd "$C/init.conf" "$C/slapd.d"

{
  # stored periods, as slapadd would load them: the baselines take them
  base_ldif | awk 'BEGIN{RS="";ORS="\n\n"} !/ou=organisation/' | sed '/^dn: /a moValidFrom: 20000101000000Z'
  for i in $(seq -w 1 $N); do
    printf 'dn: uid=p%s,%s\nobjectClass: inetOrgPerson\nuid: p%s\ncn: Person %s\nsn: P%s\ntitle: Start\nmoValidFrom: 20000101000000Z\n\n' "$i" "$P" "$i" "$i" "$i"
  done
} > "$T_DIR/people.ldif"
check "slapadd of $N people carrying their period, without overlays" "$SLAPADD" -q -F "$C/slapd.d" -l "$T_DIR/people.ldif"

start_slapd "$C" -F || { not_ok "slapd starts from cn=config"; finish; exit 1; }
ok "slapd starts from cn=config"
for i in 1 2 3 4 5; do
  printf 'dn: uid=q%s,%s\nobjectClass: inetOrgPerson\nuid: q%s\ncn: Q %s\nsn: Q\n\n' "$i" "$P" "$i" "$i"
done > "$T_DIR/more.ldif"
check "5 more people added over LDAP, without overlays" ladd -f "$T_DIR/more.ldif"

# --- (1) bitemporal added live: baselines at once -------------------------
cat > "$T_DIR/bt.ldif" <<EOF
dn: olcOverlay=bitemporal,olcDatabase={1}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcBitemporalConfig
olcOverlay: bitemporal
EOF
check "olcOverlay: bitemporal added live" lcfg -f "$T_DIR/bt.ldif"
NOW=$(gt now)
is "as of now, all $N people are found (their baselines were recorded when the add returned)" \
  "$(lsearch -b "$P" -s one -E "$(asof "validAt=$NOW")" '(uid=p*)' 1.1 | grep -c '^dn:')" $N
is "as of now, the 5 added over LDAP are found" \
  "$(lsearch -b "$P" -s one -E "$(asof "validAt=$NOW")" '(uid=q*)' 1.1 | grep -c '^dn:')" 5
is "the history of a person lists its baseline version" \
  "$(lsearch -b "uid=p042,$P" -s base -E "$(history_ctl)" moVersionOperation | sed -n 's/^moVersionOperation: //p' | tr '\n' ' ')" "baseline "
is "the stored periods were dropped from the live entries" \
  "$(lsearch -b "$SUFFIX" '(moValidFrom=*)' 1.1 | grep -c '^dn:')" 0
is "the baseline has the stored period" \
  "$(lsearch -b "uid=p042,$P" -s base moValidFrom | sed -n 's/^moValidFrom: //p')" 20000101000000Z
FROM=$(gt 'today 00:00')
rc=$(rc_of lmodify -e "$(valid "validFrom=$FROM")" <<EOF
dn: uid=p042,$P
changetype: modify
replace: title
title: Later
EOF
)
is "a dated modify of a person who existed before the overlay" "$rc" 0
# the baseline [2000, inf) superseded by [2000, today) and [today, inf)
is "its history lists the baseline and the change" \
  "$(lsearch -b "uid=p042,$P" -s base -E "$(history_ctl)" title moVersionOperation | sed -n 's/^\(title\|moVersionOperation\): //p' | sort | tr '\n' ' ')" "Later Start Start baseline modify modify "
is "as of yesterday the person had the old title" \
  "$(lsearch -b "uid=p042,$P" -s base -E "$(asof "validAt=$(gt 'yesterday 12:00')")" title | sed -n 's/^title: //p')" "Start"

# --- (2) oio needs bitemporal below it ---------------------------------------
cat > "$T_DIR/oio-below.ldif" <<EOF
dn: olcOverlay={0}oio,olcDatabase={1}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcOioConfig
olcOverlay: {0}oio
EOF
refused "oio added live below bitemporal is refused with a reason" 'oio overlay needs the bitemporal overlay below it' lcfg -f "$T_DIR/oio-below.ldif"
is "the refused overlay is not in cn=config" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcDatabase={1}mdb,cn=config' '(objectClass=olcOverlayConfig)' olcOverlay | grep '^olcOverlay:' | tr '\n' ' ')" \
  "olcOverlay: {0}bitemporal "
is "bitemporal still serves as-of reads after the refusal" \
  "$(lsearch -b "$P" -s one -E "$(asof "validAt=$(gt 'yesterday 12:00')")" '(uid=p*)' 1.1 | grep -c '^dn:')" $N

E=$T_DIR/conf
write_conf "$E" "overlay oio"
refused "slaptest refuses oio without bitemporal, with the reason" 'oio overlay needs the bitemporal overlay below it' "$SLAPTEST" -u -f "$E/slapd.conf"
write_conf "$E" "overlay oio" "overlay bitemporal"
refused "slaptest refuses oio configured before (below) bitemporal" 'oio overlay needs the bitemporal overlay below it' "$SLAPTEST" -u -f "$E/slapd.conf"
port=$(free_port)
timeout 20 "$SLAPD" -h "ldap://127.0.0.1:$port/" -f "$E/slapd.conf" -d 0 >"$T_DIR/start.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && [ ! -f "$E/slapd.pid" ]; then ok "slapd does not start with oio below bitemporal"
else not_ok "slapd does not start with oio below bitemporal (rc=$rc)"; stop_slapd "$E/slapd.pid"; fi
write_conf "$E" "overlay bitemporal" "overlay oio"
check "slaptest accepts oio above bitemporal" "$SLAPTEST" -u -f "$E/slapd.conf"

# --- (3) oio added live; olcOioInternalAddresses takes effect at once ---------
cat > "$T_DIR/oio.ldif" <<EOF
dn: olcOverlay=oio,olcDatabase={1}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcOioConfig
olcOverlay: oio
EOF
check "olcOverlay: oio added live above bitemporal" lcfg -f "$T_DIR/oio.ldif"
{
  awk 'BEGIN{RS="";ORS="\n\n"} !/^dn: ou=people,/' "$HERE/oio/fixture.ldif"
  cat <<EOF
dn: cn=Internal,cn=visibility,ou=classification,$SUFFIX
objectClass: moClass
cn: Internal
moUserKey: Internal
moName: Intern
moScope: INTERNAL
moRefFacet: 00000000-0000-4000-8000-0000000000f3
entryUUID: 00000000-0000-4000-8000-0000000000c9
moValidFrom: 20000101000000Z

dn: cn=a-dora-phone,$F
objectClass: moAddress
cn: a-dora-phone
moRefOwner: 00000000-0000-4000-8000-000000000105
moRefAddressType: 00000000-0000-4000-8000-0000000000c7
moRefVisibility: 00000000-0000-4000-8000-0000000000c9
moAddressValue: +4577771234
entryUUID: 00000000-0000-4000-8000-000000000409
moValidFrom: 20000101000000Z
EOF
} > "$T_DIR/fixture.ldif"
check "the small municipality loads through the live overlays" ladd -e relax -f "$T_DIR/fixture.ldif"
for i in $(seq 1 40); do [ "$(val "uid=carl,$P" telephoneNumber)" = "+4588881234" ] && break; sleep 0.25; done
is "derived values follow the load (a public phone)" "$(val "uid=carl,$P" telephoneNumber)" "+4588881234"
is "an internal phone is not published by default" "$(val "uid=dora,$P" telephoneNumber)" ""
sleep 1.5   # the task has nothing left to do
setia() {
  lcfg <<EOF
dn: olcOverlay={1}oio,olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcOioInternalAddresses
olcOioInternalAddresses: $1
EOF
}
# as-of reads keep the values they computed (oio_asof.c): computed with
# the old setting, they must not outlive the modify either
phone_asof() { val "uid=dora,$P" telephoneNumber -E "$(asof "validAt=$(gt '+1 minute')")"; }
is "an as-of read of dora: no internal phone" "$(phone_asof)" ""
is "... read again (its values kept)" "$(phone_asof)" ""
check "olcOioInternalAddresses: TRUE live" setia TRUE
is "the internal phone is published when the modify returns" "$(val "uid=dora,$P" telephoneNumber)" "+4577771234"
is "... also in an as-of read" "$(phone_asof)" "+4577771234"
is "the public phone stays" "$(val "uid=carl,$P" telephoneNumber)" "+4588881234"
check "olcOioInternalAddresses: FALSE live" setia FALSE
is "the internal phone is withdrawn when the modify returns" "$(val "uid=dora,$P" telephoneNumber)" ""
is "... also in an as-of read" "$(phone_asof)" ""

setcfg() {  # setcfg DN replace|delete ATTR [VALUE]
  lcfg <<EOF
dn: $1
changetype: modify
$2: $3${4:+
$3: $4}
EOF
}
OIO="olcOverlay={1}oio,olcDatabase={1}mdb,cn=config"
check "olcOioTerminatedManagers: vacate live" setcfg "$OIO" replace olcOioTerminatedManagers vacate
check "anna (manager of A) is terminated" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=anna,$P"
is "her post stays (vacate applies to the next termination)" "$(rc_of lsearch -b "cn=m-a,$F" -s base)" "0"
is "... vacant" "$(val "cn=m-a,$F" moRefPerson)" ""
check "olcOioTerminatedManagers deleted live (terminate, the default)" setcfg "$OIO" delete olcOioTerminatedManagers
check "boss (manager of the top unit) is terminated" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=boss,$P"
is "his post ended with him" "$(rc_of lsearch -b "cn=m-kommune,$F" -s base)" "32"

# --- (4) the tracked scope changed live: baselines for what it now covers -----
BT="olcOverlay={0}bitemporal,olcDatabase={1}mdb,cn=config"
check "olcBitemporalSubtree narrowed live to the functions" lcfg <<EOF
dn: $BT
changetype: modify
replace: olcBitemporalSubtree
olcBitemporalSubtree: $F
EOF
check "a person added while people are not tracked" ladd <<EOF
dn: uid=late,$P
objectClass: inetOrgPerson
uid: late
cn: Late Comer
sn: Comer
EOF
rc=$(rc_of lsearch -b "uid=late,$P" -s base -E "$(history_ctl)" 1.1)
is "it has no history while untracked" "$rc" 32
check "a second olcBitemporalSubtree added live" setcfg "$BT" add olcBitemporalSubtree "ou=organisation,$SUFFIX"
check "the first deleted by value" setcfg "$BT" delete olcBitemporalSubtree "$F"
is "the second is left" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -o ldif-wrap=no -b "$BT" -s base olcBitemporalSubtree | sed -n 's/^olcBitemporalSubtree: //p' | tr '\n' ' ')" "ou=organisation,$SUFFIX "
check "olcBitemporalSubtree removed live (the whole database again)" lcfg <<EOF
dn: $BT
changetype: modify
delete: olcBitemporalSubtree
EOF
is "the person has a baseline when the modify returns" \
  "$(lsearch -b "uid=late,$P" -s base -E "$(history_ctl)" moVersionOperation | sed -n 's/^moVersionOperation: //p' | tr '\n' ' ')" "baseline "
is "as of now it is found" \
  "$(lsearch -b "uid=late,$P" -s base -E "$(asof "validAt=$(gt now)")" uid | sed -n 's/^uid: //p')" late

check "olcBitemporalObjectClass set live to organizationalUnit and dcObject" lcfg <<EOF
dn: $BT
changetype: modify
replace: olcBitemporalObjectClass
olcBitemporalObjectClass: organizationalUnit
olcBitemporalObjectClass: dcObject
EOF
check "one of the two values deleted live" setcfg "$BT" delete olcBitemporalObjectClass dcObject
is "the other one is left" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b "$BT" -s base olcBitemporalObjectClass | sed -n 's/^olcBitemporalObjectClass: //p' | tr '\n' ' ')" "organizationalUnit "
check "a person added while only units are tracked" ladd <<EOF
dn: uid=later,$P
objectClass: inetOrgPerson
uid: later
cn: Later Comer
sn: Comer
EOF
is "it has no history while untracked" "$(rc_of lsearch -b "uid=later,$P" -s base -E "$(history_ctl)" 1.1)" 32
check "olcBitemporalObjectClass deleted live (every entry again)" setcfg "$BT" delete olcBitemporalObjectClass
is "the person has a baseline when the modify returns" \
  "$(lsearch -b "uid=later,$P" -s base -E "$(history_ctl)" moVersionOperation | sed -n 's/^moVersionOperation: //p' | tr '\n' ' ')" "baseline "

# olcBitemporalGroupCommit: read by every write as it starts (a group is
# not visible from outside): writes at 1 and back at the default record
# their history as before
check "olcBitemporalGroupCommit: 1 live" setcfg "$BT" replace olcBitemporalGroupCommit 1
is "it is read back" "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b "$BT" -s base olcBitemporalGroupCommit | sed -n 's/^olcBitemporalGroupCommit: //p')" 1
for i in 1 2 3 4; do
  lmodify >/dev/null 2>&1 <<EOF &
dn: uid=p00$i,$P
changetype: modify
replace: title
title: Grouped
EOF
done
wait
is "four concurrent writes, each committed alone, are in the history" \
  "$(for i in 1 2 3 4; do lsearch -b "uid=p00$i,$P" -s base -E "$(history_ctl)" title | grep -c '^title: Grouped'; done | tr '\n' ' ')" "1 1 1 1 "
check "olcBitemporalGroupCommit deleted live (64, the default)" setcfg "$BT" delete olcBitemporalGroupCommit

# --- (5) bitemporal deleted live under oio: oio refuses writes, saying why --------
rc=$(rc_of ldapdelete -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" "$BT")
is "olcOverlay={0}bitemporal deleted live (back-config has no veto for it)" "$rc" 0
rc=$(rc_of lmodify <<EOF
dn: uid=late,$P
changetype: modify
replace: sn
sn: Later
EOF
)
if [ "$rc" = 53 ] && grep -q 'no bitemporal overlay below it' "$T_DIR/last.out"; then
  ok "a write through oio without bitemporal below is refused with the reason"
else
  not_ok "a write through oio without bitemporal below is refused with the reason (rc=$rc)"; sed 's/^/#   /' "$T_DIR/last.out"
fi
check "olcOverlay={0}bitemporal added back live, below oio" lcfg -f <(sed 's/^dn: olcOverlay=bitemporal/dn: olcOverlay={0}bitemporal/; s/^olcOverlay: bitemporal/olcOverlay: {0}bitemporal/' "$T_DIR/bt.ldif")
is "overlays in cn=config" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcDatabase={1}mdb,cn=config' '(objectClass=olcOverlayConfig)' olcOverlay | grep '^olcOverlay:' | sort | tr '\n' ' ')" \
  "olcOverlay: {0}bitemporal olcOverlay: {1}oio "
check "writes through oio work again" lmodify <<EOF
dn: uid=late,$P
changetype: modify
replace: sn
sn: Later
EOF
is "the history kept across the removal" \
  "$(lsearch -b "uid=p042,$P" -s base -E "$(history_ctl)" title | sed -n 's/^title: //p' | sort | tr '\n' ' ')" "Later Start Start "

# --- the live configuration is what a restart reads --------------------------
stop_slapd "$C/slapd.pid"
start_slapd "$C" -F || not_ok "slapd restarts from the live-changed cn=config"
is "after a restart: all $N people as of now" \
  "$(lsearch -b "$P" -s one -E "$(asof "validAt=$(gt now)")" '(&(objectClass=inetOrgPerson)(uid=p*))' 1.1 | grep -c '^dn:')" $N
is "after a restart the history of the person is unchanged" \
  "$(lsearch -b "uid=p042,$P" -s base -E "$(history_ctl)" title | sed -n 's/^title: //p' | sort | tr '\n' ' ')" "Later Start Start "
stop_slapd "$C/slapd.pid"
finish
