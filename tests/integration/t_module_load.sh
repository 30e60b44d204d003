#!/usr/bin/env bash
# The module loads into Debian's slapd through slapd.conf and through live
# cn=config; both overlays register, accept their configuration and pass
# operations through; a bad configuration value is refused.
. "$(dirname "$0")/../lib.sh"

# --- slapd.conf: moduleload + both overlays, no directives -------------
D=$T_DIR/conf
write_conf "$D" "overlay bitemporal" "overlay oio"
check "slaptest accepts moduleload modir + overlay bitemporal + overlay oio" \
  "$SLAPTEST" -u -f "$D/slapd.conf"
if start_slapd "$D"; then ok "slapd starts with the module (slapd.conf)"; else not_ok "slapd starts with the module (slapd.conf)"; fi
check "add base entries through both overlays" ladd -f <(base_ldif)
cat > "$T_DIR/p.ldif" <<EOF
dn: uid=ann,ou=people,$SUFFIX
objectClass: inetOrgPerson
uid: ann
cn: Ann Hansen
sn: Hansen
EOF
check "add a person" ladd -f "$T_DIR/p.ldif"
check "modify passes through" lmodify -f <(printf 'dn: uid=ann,ou=people,%s\nchangetype: modify\nreplace: sn\nsn: Jensen\n' "$SUFFIX")
is "search sees the modification" "$(lsearch -b "uid=ann,ou=people,$SUFFIX" -s base sn | grep '^sn:')" "sn: Jensen"
check "modrdn passes through" ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -r "uid=ann,ou=people,$SUFFIX" "uid=ann2"
check "delete passes through" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=ann2,ou=people,$SUFFIX"
is "entry is gone" "$(rc_of lsearch -b "uid=ann2,ou=people,$SUFFIX" -s base)" 32
stop_slapd "$D/slapd.pid"

# --- cn=config: load the module and overlays into a running slapd -------
C=$T_DIR/cnconfig
mkdir -p "$C/slapd.d" "$C/db"
cat > "$C/init.conf" <<EOF
include $SYS_SCHEMA/core.schema
include $SYS_SCHEMA/cosine.schema
include $SYS_SCHEMA/inetorgperson.schema
pidfile $C/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database config
rootdn "$CFGDN"
rootpw $ROOTPW
database mdb
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $ROOTPW
directory $C/db
EOF
check "build a cn=config directory with slaptest" conf_to_slapdd "$C/init.conf" "$C/slapd.d"
if start_slapd "$C" -F; then ok "slapd starts from cn=config"; else not_ok "slapd starts from cn=config"; fi
cat > "$T_DIR/mod.ldif" <<EOF
dn: cn=module{0},cn=config
changetype: modify
add: olcModuleLoad
olcModuleLoad: $MODULE_DIR/modir.so
EOF
check "olcModuleLoad: modir over LDAP" lcfg -f "$T_DIR/mod.ldif"
check "schema modir-oio.ldif loads over LDAP" lcfg -a -f "$GEN_SCHEMA_DIR/modir-oio.ldif"
cat > "$T_DIR/ov.ldif" <<EOF
dn: olcOverlay=bitemporal,olcDatabase={1}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcBitemporalConfig
olcOverlay: bitemporal

dn: olcOverlay=oio,olcDatabase={1}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcOioConfig
olcOverlay: oio
olcOioTerminatedManagers: vacate
EOF
check "olcOverlay bitemporal and oio added live" lcfg -f "$T_DIR/ov.ldif"
is "overlays listed in cn=config" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcDatabase={1}mdb,cn=config' '(objectClass=olcOverlayConfig)' olcOverlay | grep '^olcOverlay:' | sort | tr '\n' ' ')" \
  "olcOverlay: {0}bitemporal olcOverlay: {1}oio "
is "config value read back" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcOverlay={1}oio,olcDatabase={1}mdb,cn=config' -s base olcOioTerminatedManagers | grep '^olcOio')" \
  "olcOioTerminatedManagers: vacate"
check "writes pass through the live-added overlays" ladd -f <(base_ldif)
cat > "$T_DIR/bad.ldif" <<EOF
dn: olcOverlay={1}oio,olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcOioTerminatedManagers
olcOioTerminatedManagers: sometimes
EOF
refused "a bad value over cn=config is refused with a message" 'invalid value "sometimes": unknown value; expected terminate or vacate' lcfg -f "$T_DIR/bad.ldif"
is "the refused value left the stored one alone" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcOverlay={1}oio,olcDatabase={1}mdb,cn=config' -s base olcOioTerminatedManagers | grep '^olcOio')" \
  "olcOioTerminatedManagers: vacate"

# --- every directive: a malformed value is refused with the reason, by
# slaptest on slapd.conf and by a cn=config modify (where the attribute's
# syntax refuses a value first, slapd says so: "invalid per syntax"), and
# never taken as a default.  Fields: directive | cn=config attribute |
# value | reason in slapd.conf | reason over cn=config.
SYNTAX='invalid per syntax'
BAD_VALUES=$(cat <<'EOF2'
bitemporal-subtree|olcBitemporalSubtree|ou=elsewhere,dc=example,dc=org|is not within the database suffix|is not within the database suffix
bitemporal-subtree|olcBitemporalSubtree|not a dn|invalid DN|SYNTAX
bitemporal-objectclass|olcBitemporalObjectClass|noSuchClass|unknown objectClass "noSuchClass"|unknown objectClass "noSuchClass"
bitemporal-objectclass|olcBitemporalObjectClass|person)|invalid value "person)": malformed name|invalid value "person)": malformed name
bitemporal-objectclass|olcBitemporalObjectClass||invalid value "": empty value|SYNTAX
bitemporal-group-commit|olcBitemporalGroupCommit|0|invalid value "0": out of range; expected a number of writes from 1 to 2147483647|invalid value "0": out of range
bitemporal-group-commit|olcBitemporalGroupCommit|-1|invalid value "-1": not a decimal number|invalid value "-1": not a decimal number
bitemporal-group-commit|olcBitemporalGroupCommit|2147483648|invalid value "2147483648": out of range|invalid value "2147483648": out of range
bitemporal-group-commit|olcBitemporalGroupCommit|010|invalid value "010": leading zero|SYNTAX
bitemporal-group-commit|olcBitemporalGroupCommit|0x40|invalid value "0x40": not a decimal number|SYNTAX
bitemporal-group-commit|olcBitemporalGroupCommit| 5|invalid value " 5": not a decimal number|SYNTAX
bitemporal-group-commit|olcBitemporalGroupCommit|64k|invalid value "64k": not a decimal number|SYNTAX
bitemporal-group-commit|olcBitemporalGroupCommit||invalid value "": empty value|SYNTAX
bitemporal-past-access|olcBitemporalPastAccess|read|invalid value "read": unknown value; expected manage or write|invalid value "read": unknown value; expected manage or write
bitemporal-past-access|olcBitemporalPastAccess|manage write|invalid value "manage write": unknown value|extra cruft after <manage|write>
bitemporal-past-access|olcBitemporalPastAccess||invalid value "": empty value|SYNTAX
bitemporal-cache-size|olcBitemporalCacheSize|64MiB|invalid value "64MiB": not a decimal number; expected a number of bytes from 0 to 18446744073709551615|SYNTAX
bitemporal-cache-size|olcBitemporalCacheSize|-1|invalid value "-1": not a decimal number|invalid value "-1": not a decimal number
bitemporal-cache-size|olcBitemporalCacheSize|18446744073709551616|invalid value "18446744073709551616": out of range|invalid value "18446744073709551616": out of range
bitemporal-cache-size|olcBitemporalCacheSize|0x10|invalid value "0x10": not a decimal number|SYNTAX
bitemporal-cache-size|olcBitemporalCacheSize||invalid value "": empty value|SYNTAX
oio-internal-addresses|olcOioInternalAddresses|maybe|invalid value "maybe": unknown value; expected on or off|SYNTAX
oio-internal-addresses|olcOioInternalAddresses||invalid value "": empty value|SYNTAX
oio-terminated-managers|olcOioTerminatedManagers|vacate!|invalid value "vacate!": unknown value|invalid value "vacate!": unknown value
oio-terminated-managers|olcOioTerminatedManagers||invalid value "": empty value|SYNTAX
EOF2
)
cfg_entries() {
  ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -o ldif-wrap=no -b 'olcDatabase={1}mdb,cn=config' \
    '(objectClass=olcOverlayConfig)' '*' | sort
}
before=$(cfg_entries)
while IFS='|' read -r dir attr value conf_why live_why; do
  [ "$live_why" = SYNTAX ] && live_why=$SYNTAX
  case $dir in bitemporal-*) ov='olcOverlay={0}bitemporal' ;; *) ov='olcOverlay={1}oio' ;; esac
  write_conf "$T_DIR/badval" "overlay bitemporal" "overlay oio" "$dir \"$value\""
  refused "slaptest refuses $dir \"$value\", saying why" "$conf_why" "$SLAPTEST" -u -f "$T_DIR/badval/slapd.conf"
  refused "cn=config refuses $attr: \"$value\", saying why" "$live_why" lcfg <<EOF2
dn: $ov,olcDatabase={1}mdb,cn=config
changetype: modify
replace: $attr
$attr:${value:+: $(printf '%s' "$value" | base64 -w0)}
EOF2
done <<<"$BAD_VALUES"
is "the refused values changed nothing in cn=config" "$(cfg_entries)" "$before"

stop_slapd "$C/slapd.pid"
if start_slapd "$C" -F; then ok "slapd restarts from cn=config with module and overlays"; else not_ok "slapd restarts from cn=config with module and overlays"; fi
is "data survives the restart" "$(lsearch -b "$SUFFIX" -s base o | grep '^o:')" "o: Test Kommune"
stop_slapd "$C/slapd.pid"

# --- a config error: slapd refuses to start ------------------------------
E=$T_DIR/bad
write_conf "$E" "overlay bitemporal" "overlay oio" "oio-terminated-managers sometimes"
port=$(free_port)
timeout 20 "$SLAPD" -h "ldap://127.0.0.1:$port/" -f "$E/slapd.conf" -d config >"$T_DIR/bad2.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && [ ! -f "$E/slapd.pid" ] && grep -q 'invalid value "sometimes"' "$T_DIR/bad2.out"; then
  ok "slapd does not start on an unknown oio-terminated-managers value, and says why"
else
  not_ok "slapd refuses a bad oio-terminated-managers value (rc=$rc)"; sed 's/^/#   /' "$T_DIR/bad2.out"
  stop_slapd "$E/slapd.pid"
fi
# slapd.conf takes "suffix" after "overlay"; a subtree given before it
# aborted slaptest (an assertion in dnIsSuffix)
write_conf "$E"
sed -e '/^suffix /,/^rootpw /d' "$E/slapd.conf" > "$E/nosuffix.conf"   # and the rootdn under it
printf 'overlay bitemporal\nbitemporal-subtree "ou=people,%s"\nsuffix "%s"\n' "$SUFFIX" "$SUFFIX" >> "$E/nosuffix.conf"
refused "a bitemporal-subtree before the database's suffix is refused, saying why" \
  'the database has no suffix yet' "$SLAPTEST" -u -f "$E/nosuffix.conf"
EXTRA_GLOBAL="moduleload syncprov" write_conf "$E" "overlay syncprov" "overlay bitemporal"
refused "slaptest refuses bitemporal above another overlay, as slapd does" 'must be the first overlay configured' "$SLAPTEST" -u -f "$E/slapd.conf"
EXTRA_GLOBAL="moduleload syncprov" write_conf "$E" "overlay bitemporal" "overlay syncprov"
check "slaptest accepts bitemporal below syncprov" "$SLAPTEST" -u -f "$E/slapd.conf"

# the as-of cache is bounded in bytes (bitemporal-cache-size): whatever the
# bound, whole-database as-of searches answer the same, by walking when a
# point does not fit
for size in 0 2000 67108864; do
  C=$T_DIR/cache$size
  write_conf "$C" "overlay bitemporal" "bitemporal-cache-size $size"
  SLAPD_DEBUG=config start_slapd "$C" || { not_ok "slapd starts with bitemporal-cache-size $size"; continue; }
  ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif; for i in $(seq 1 30); do
    printf '\ndn: uid=p%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: p%s\ncn: p%s\nsn: P\n' "$i" "$SUFFIX" "$i" "$i"; done) >/dev/null
  n1=$(lsearch -b "$SUFFIX" -E "$(asof validAt=20100101000000Z)" 1.1 | grep -c '^dn:')
  n2=$(lsearch -b "$SUFFIX" -E "$(asof validAt=20100101000000Z)" 1.1 | grep -c '^dn:')
  is "bitemporal-cache-size $size: an as-of search of the whole database finds all 33, twice" "$n1 $n2" "33 33"
  if [ "$size" = 67108864 ]; then
    # the point just kept (33 entries) is larger than the new bound: it
    # is dropped when the modify returns, not when a later point is built
    check "olcBitemporalCacheSize lowered live to 1000" lcfg <<EOF
dn: olcOverlay={0}bitemporal,olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcBitemporalCacheSize
olcBitemporalCacheSize: 1000
EOF
    if grep -q 'as-of points of [0-9]* bytes dropped (bitemporal-cache-size 1000)' "$C/slapd.log"; then
      ok "the kept point larger than the new bound was dropped when the modify returned"
    else
      not_ok "the kept point larger than the new bound was dropped when the modify returned"
    fi
    is "the new bound is read back" \
      "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcOverlay={0}bitemporal,olcDatabase={1}mdb,cn=config' -s base olcBitemporalCacheSize | grep '^olcBitemporal')" \
      "olcBitemporalCacheSize: 1000"
    is "as-of searches answer the same under the new bound" \
      "$(lsearch -b "$SUFFIX" -E "$(asof validAt=20100101000000Z)" 1.1 | grep -c '^dn:')" 33
  fi
  stop_slapd "$C/slapd.pid"
done

# every directive's value as cn=config stores it (slaptest -f -F writes
# what each handler emits), and read back from there
F=$T_DIR/forms
write_conf "$F" "overlay bitemporal" "bitemporal-subtree \"ou=People,$SUFFIX\"" \
  "bitemporal-objectclass 2.16.840.1.113730.3.2.2" "bitemporal-objectclass organizationalUnit" \
  "bitemporal-group-commit 8" "bitemporal-past-access WRITE" "bitemporal-cache-size 2000" \
  "overlay oio" "oio-internal-addresses on" "oio-terminated-managers Vacate"
conf_to_slapdd "$F/slapd.conf" "$F/slapd.d"
is "every directive in its cn=config form" \
  "$(grep -rh '^olc\(Bitemporal\|Oio\)' "$F/slapd.d" | sed 's/^\([^:]*\): {[0-9]*}/\1: /' | LC_ALL=C sort | tr '\n' ';')" \
  "olcBitemporalCacheSize: 2000;olcBitemporalGroupCommit: 8;olcBitemporalObjectClass: inetOrgPerson;olcBitemporalObjectClass: organizationalUnit;olcBitemporalPastAccess: write;olcBitemporalSubtree: ou=People,$SUFFIX;olcOioInternalAddresses: TRUE;olcOioTerminatedManagers: vacate;"
check "slaptest reads the cn=config form back" "$SLAPTEST" -u -F "$F/slapd.d"

finish
