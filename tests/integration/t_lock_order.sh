#!/usr/bin/env bash
# The lock order written in oio.h: back-mdb's writer lock before the oio
# overlay's model mutex.  An RFC 5805 transaction holds the writer lock
# while its writes pass through the oio overlay, which takes the mutex
# (oio_op_write, oio_response); so the oio task must never wait for the
# writer lock while it holds the mutex.  Here transactions move an
# engagement between units in a loop, each leaving the task derived
# values to write.  Before the fix, the task (mutex held, waiting for the
# writer lock to write a batch) and a transaction (writer lock held,
# waiting for the mutex) waited for each other: slapd answered no write
# any more.  Bounded: MODIR_LOCK_SECONDS (15) of transactions.
#
# Then a person terminated inside an LDAP transaction: the cascade that
# ends their functions is written while the transaction's thread holds
# the writer lock, and must run nested in that transaction.  Before the
# fix it began a transaction of its own and waited for its own thread.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${MODIR_LOCK_SECONDS:-15}

# a generated municipality: the task's computation takes long enough for
# a transaction to begin while it holds the mutex
D=$T_DIR/s
write_conf "$D" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio"
"$TOP/tools/modir-gen" --employees "${MODIR_LOCK_EMPLOYEES:-400}" --seed 7 --now "$(gt now)" \
  -o "$T_DIR/base.ldif" >/dev/null 2>&1
check "generated base loads with slapadd" "$SLAPADD" -q -f "$D/slapd.conf" -l "$T_DIR/base.ldif"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

# an engagement of a person, and units to move it between
E=$(lsearch -b "$SUFFIX" '(&(objectClass=moEngagement)(moPrimary=TRUE))' dn | sed -n 's/^dn: //p' | head -1)
mapfile -t U < <(lsearch -b "$SUFFIX" '(objectClass=moOrgUnit)' entryUUID | sed -n 's/^entryUUID: //p' | head -3)
PERSON=$(lsearch -b "$E" -s base moRefPerson | sed -n 's/^moRefPerson: //p')
PDN=$(lsearch -b "$SUFFIX" "(entryUUID=$PERSON)" dn | sed -n 's/^dn: //p')
unit_ou() { lsearch -b "$SUFFIX" "(entryUUID=$1)" ou | sed -n 's/^ou: //p' | head -1; }
is "an engagement and three units to move it between" "$([ -n "$E" ] && [ -n "$PDN" ] && echo ${#U[@]})" 3
cur=$(lsearch -b "$E" -s base moRefUnit | sed -n 's/^moRefUnit: //p')
wait_is "the task has derived the values (the person's unit)" "$(unit_ou "$cur")" val "$PDN" ou

port=${URI##*:}; port=${port%/}
"$PY" "$HERE/race/txn_flip.py" 127.0.0.1 "$port" "$ROOTDN" "$ROOTPW" "$E" moRefUnit \
  "$SECS" 10 "${U[0]}" "${U[1]}" "${U[2]}" >"$T_DIR/flip.out" 2>&1
diag "$(tail -1 "$T_DIR/flip.out")"
is "transactions moving the engagement never wait for the oio task" \
  "$(tail -1 "$T_DIR/flip.out" | cut -d' ' -f1)" done
is "a plain write is answered afterwards" \
  "$(rc_of timeout 10 ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -f <(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: after\n' "$PDN"))" 0

# the last transaction decides the unit; the derived values follow it
# (written after the model's mutex was released)
n=$(sed -n 's/^done //p' "$T_DIR/flip.out")
if [ -n "$n" ] && [ "$n" -gt 0 ]; then
  wait_is "the person's derived unit follows the last transaction" "$(unit_ou "${U[$(( (n - 1) % 3 ))]}")" val "$PDN" ou
else
  not_ok "the person's derived unit follows the last transaction (no transaction ended)"
fi
stop_slapd "$D/slapd.pid"

# --- a termination inside an LDAP transaction --------------------------
D2=$T_DIR/t
write_conf "$D2" "overlay bitemporal" "overlay oio"
start_slapd "$D2" || { not_ok "slapd starts (termination case)"; finish; exit 1; }
check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality loads" ladd -e relax -f "$HERE/oio/fixture.ldif"
wait_is "ben's derived values are there" "B" val "uid=ben,ou=people,$SUFFIX" ou
port=${URI##*:}; port=${port%/}
is "a transaction deleting ben commits (the cascade joins it)" \
  "$("$PY" "$HERE/race/txn_delete.py" 127.0.0.1 "$port" "$ROOTDN" "$ROOTPW" 10 "uid=ben,ou=people,$SUFFIX")" 0
is "ben is gone" "$(rc_of timeout 10 ldapsearch -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "uid=ben,ou=people,$SUFFIX" -s base dn)" 32
is "his engagement ended with him, in the same transaction" \
  "$(rc_of timeout 10 ldapsearch -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "cn=e-ben,ou=functions,$SUFFIX" -s base dn)" 32
is "a plain write is answered afterwards" \
  "$(rc_of timeout 10 ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -f <(printf 'dn: uid=carl,ou=people,%s\nchangetype: modify\nreplace: description\ndescription: after\n' "$SUFFIX"))" 0
finish
