#!/usr/bin/env bash
# A runqueue task that cannot be started refuses the database's open
# (issue 13, "the results of runqueue_insert are ignored").  Before, the
# oio overlay ignored a NULL from ldap_pvt_runqueue_insert(): slapd
# started, and no derived attribute was ever written (nor the model
# loaded).  Now slapd does not start, saying why; added live through
# cn=config, the add is refused and leaves nothing behind (the bitemporal
# overlay still records title, ou, ... as the person's facts, as without
# oio).  The failure is injected by a preloaded shim (shim/fail_task.c)
# that makes ldap_pvt_runqueue_insert() return NULL for one task name, as
# libldap does when its allocation fails.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

SHIM=$T_DIR/fail_task.so
check "the shim builds" ${CC:-cc} -shared -fPIC -O2 -o "$SHIM" "$HERE/shim/fail_task.c" -ldl
# slapd with the shim preloaded (after a sanitizer runtime, if any)
mkdir -p "$T_DIR/shimbin"
cat > "$T_DIR/shimbin/slapd" <<EOF
#!/bin/sh
export LD_PRELOAD="\${LD_PRELOAD:+\$LD_PRELOAD:}$SHIM"
exec "$SLAPD" "\$@"
EOF
chmod +x "$T_DIR/shimbin/slapd"
SHIMMED=$T_DIR/shimbin/slapd

# one_start DIR TASK: slapd run in the foreground with TASK failing; its
# exit status (124: it started and was stopped by the timeout)
one_start() {
  local port; port=$(free_port)
  MODIR_FAIL_TASK=$2 timeout 15 "$SHIMMED" -h "ldap://127.0.0.1:$port/" -f "$1/slapd.conf" \
    -d 32768 >"$1/start.out" 2>&1
  echo $?
}

D=$T_DIR/s
write_conf "$D" "overlay bitemporal" "overlay oio"
rc=$(one_start "$D" oio_derive)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then ok "slapd does not start when oio's task cannot (rc $rc)"
else not_ok "slapd does not start when oio's task cannot (rc $rc)"; fi
grep -q "oio: cannot start the task that writes the derived attributes" "$D/start.out" &&
  ok "... and says why" || { not_ok "... and says why"; tail -5 "$D/start.out" | sed 's/^/#   /'; }
rc=$(one_start "$D" bitemporal_activate)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then ok "nor when the bitemporal overlay's task cannot (the shim works)"
else not_ok "nor when the bitemporal overlay's task cannot (rc $rc)"; fi

# --- added live through cn=config ----------------------------------------------
C=$T_DIR/c
write_conf "$C" "overlay bitemporal"
check "a cn=config directory with the bitemporal overlay only" conf_to_slapdd "$C/slapd.conf" "$C/slapd.d"
export MODIR_FAIL_TASK=oio_derive
SLAPD=$SHIMMED start_slapd "$C" -F || { not_ok "slapd starts from cn=config"; finish; exit 1; }
check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality loads" ladd -e relax -f "$HERE/oio/fixture.ldif"
refused "olcOverlay: oio added live is refused when its task cannot start" \
  "cannot start the task" lcfg -f <(printf 'dn: olcOverlay=oio,olcDatabase={1}mdb,cn=config\nchangetype: add\nobjectClass: olcOverlayConfig\nobjectClass: olcOioConfig\nolcOverlay: oio\n')
is "... and is not there" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b 'olcDatabase={1}mdb,cn=config' '(objectClass=olcOverlayConfig)' olcOverlay | grep -c '^olcOverlay:.*oio')" "0"
# title is a fact of the person's own again, as without oio: a change of it
# is a new version
BEN="uid=ben,ou=people,$SUFFIX"
check "ben's title is written" lmodify -f <(printf 'dn: %s\nchangetype: modify\nreplace: title\ntitle: Chief\n' "$BEN")
is "... recorded in a version of ben (the failed open registered nothing)" \
  "$(lsearch -b "$BEN" -s base -E "$(history_ctl)" '(title=Chief)' 1.1 | grep -c '^dn:')" "1"
is "... shown as-of" "$(val "$BEN" title -E "$(asof "validAt=$(gt '+1 minute')")")" "Chief"
finish
