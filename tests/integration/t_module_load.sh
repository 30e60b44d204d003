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
stop_slapd "$C/slapd.pid"
if start_slapd "$C" -F; then ok "slapd restarts from cn=config with module and overlays"; else not_ok "slapd restarts from cn=config with module and overlays"; fi
is "data survives the restart" "$(lsearch -b "$SUFFIX" -s base o | grep '^o:')" "o: Test Kommune"
stop_slapd "$C/slapd.pid"

# --- a config error: slapd refuses to start ------------------------------
E=$T_DIR/bad
write_conf "$E" "overlay bitemporal" "bitemporal-objectclass noSuchClass"
"$SLAPTEST" -u -f "$E/slapd.conf" >"$T_DIR/bad.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -q 'unknown objectClass "noSuchClass"' "$T_DIR/bad.out"; then
  ok "unknown objectClass in bitemporal-objectclass is refused with a message"
else
  not_ok "unknown objectClass is refused (rc=$rc)"; sed 's/^/#   /' "$T_DIR/bad.out"
fi
write_conf "$E" "overlay bitemporal" "overlay oio" "oio-terminated-managers sometimes"
port=$(free_port)
timeout 20 "$SLAPD" -h "ldap://127.0.0.1:$port/" -f "$E/slapd.conf" -d config >"$T_DIR/bad2.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && [ ! -f "$E/slapd.pid" ] && grep -q 'invalid value "sometimes"' "$T_DIR/bad2.out"; then
  ok "slapd does not start on an unknown oio-terminated-managers value, and says why"
else
  not_ok "slapd refuses a bad oio-terminated-managers value (rc=$rc)"; sed 's/^/#   /' "$T_DIR/bad2.out"
  stop_slapd "$E/slapd.pid"
fi
write_conf "$E" "overlay bitemporal" "bitemporal-subtree \"ou=elsewhere,dc=example,dc=org\""
"$SLAPTEST" -u -f "$E/slapd.conf" >"$T_DIR/bad3.out" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -q 'is not within the database suffix' "$T_DIR/bad3.out"; then
  ok "a bitemporal-subtree outside the suffix is refused"
else
  not_ok "a bitemporal-subtree outside the suffix is refused (rc=$rc)"; sed 's/^/#   /' "$T_DIR/bad3.out"
fi
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
  start_slapd "$C" || { not_ok "slapd starts with bitemporal-cache-size $size"; continue; }
  ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif; for i in $(seq 1 30); do
    printf '\ndn: uid=p%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: p%s\ncn: p%s\nsn: P\n' "$i" "$SUFFIX" "$i" "$i"; done) >/dev/null
  n1=$(lsearch -b "$SUFFIX" -E "$(asof validAt=20100101000000Z)" 1.1 | grep -c '^dn:')
  n2=$(lsearch -b "$SUFFIX" -E "$(asof validAt=20100101000000Z)" 1.1 | grep -c '^dn:')
  is "bitemporal-cache-size $size: an as-of search of the whole database finds all 33, twice" "$n1 $n2" "33 33"
  stop_slapd "$C/slapd.pid"
done
for bad in lots -5; do
  write_conf "$T_DIR/cachebad" "overlay bitemporal" "bitemporal-cache-size $bad"
  refused "bitemporal-cache-size $bad is refused" "invalid value \"$bad\"" "$SLAPTEST" -u -f "$T_DIR/cachebad/slapd.conf"
done
conf_to_slapdd "$T_DIR/cache2000/slapd.conf" "$T_DIR/cache2000/slapd.d"
is "olcBitemporalCacheSize in the cn=config form" \
  "$(grep -rh '^olcBitemporalCacheSize:' "$T_DIR/cache2000/slapd.d" | tr -d ' ')" "olcBitemporalCacheSize:2000"

finish
