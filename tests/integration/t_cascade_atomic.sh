#!/usr/bin/env bash
# A person's termination and the ending of their functions succeed or fail
# together (issue 13, "the results of oio_cascade are ignored").
#
# One of ben's functions cannot be ended: his phone address has an entry
# below it that lives on (the bitemporal overlay refuses to end an entry
# whose subordinates outlive the termination date: 66).  Before, the
# person's delete was written first and acknowledged with 0, and the
# cascade in oio's response callback ended what it could and logged the
# rest: ben gone, his engagement and mail ended, the phone still naming
# him.  Now the termination is refused (19, naming the function and why)
# and nothing changes: neither ben nor any function, live, as-of or in the
# history, whether the termination is undated, dated, or inside an RFC
# 5805 transaction.  Once the obstacle is gone the cascade works as ever.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

D=$T_DIR/s
write_conf "$D" \
  "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
  "overlay bitemporal" "overlay oio"
export SLAPD_DEBUG=${SLAPD_DEBUG:-32768}   # LDAP_DEBUG_ANY messages only
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
F="ou=functions,$SUFFIX"
BEN="uid=ben,$P"
# ben's functions: his engagement, his account (the only entry below
# ou=accounts: ending it makes its parent a leaf), his two addresses (the
# phone last: the cascade ends the others first, so a half-done
# termination shows)
FUNCS=("cn=e-ben,$F" "cn=u-ben,ou=accounts,$F" "cn=a-ben-mail,$F" "cn=a-ben-phone,$F")
NOTE="cn=note,cn=a-ben-phone,$F"
ldel() { ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
live() { rc_of lsearch -b "$1" -s base 1.1; }
says() {  # says DESC PATTERN: the last client output contains PATTERN
  if grep -q -- "$2" "$T_DIR/last.out"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$T_DIR/last.out" | head -5; fi
}
NEXT=$(gt '+1 year'); LATER=$(gt '+2 years')
# everything there is to know about ben and his functions: live (with
# the derived values), as-of next year and later, and every version
state() {
  local dn
  for dn in "$BEN" "${FUNCS[@]}"; do
    echo "== $dn"
    lsearch -b "$dn" -s base '*' moValidFrom moValidTo 2>&1
    lsearch -b "$dn" -s base -E "$(asof "validAt=$NEXT")" '*' moValidFrom moValidTo 2>&1
    lsearch -b "$dn" -s base -E "$(asof "validAt=$LATER")" '*' moValidFrom moValidTo 2>&1
    lsearch -b "$dn" -s base -E "$(history_ctl)" '*' moValidFrom moValidTo moRecordedAt moSupersededAt 2>&1
  done
}
versions() { lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' 1.1 | grep -c '^dn:'; }
unchanged() {  # unchanged DESC: the state is what it was before
  state > "$T_DIR/after"
  if cmp -s "$T_DIR/before" "$T_DIR/after"; then ok "$1"
  else not_ok "$1"; diff "$T_DIR/before" "$T_DIR/after" | head -20 | sed 's/^/#   /'; fi
}

check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality loads" ladd -e relax -f "$HERE/oio/fixture.ldif"
wait_is "ben's derived values are there" "B" val "$BEN" ou
check "an IT system" ladd -f <(printf 'dn: cn=AD,ou=classification,%s\nobjectClass: moITSystem\ncn: AD\nmoUserKey: AD\n' "$SUFFIX")
check "ben's account in it, alone in ou=accounts" \
  ladd -f <(printf 'dn: ou=accounts,%s\nobjectClass: organizationalUnit\nou: accounts\n\ndn: cn=u-ben,ou=accounts,%s\nobjectClass: moITUser\ncn: u-ben\nmoRefITSystem: %s\nmoUserName: ben\nmoRefPerson: %s\n' \
    "$F" "$F" "$(val "cn=AD,ou=classification,$SUFFIX" entryUUID)" "$(val "$BEN" entryUUID)")
check "a note below ben's phone address, with no end" \
  ladd -f <(printf 'dn: %s\nobjectClass: organizationalRole\ncn: note\n' "$NOTE")
sleep 1
state > "$T_DIR/before"
nv=$(versions)
is "ben and his four functions are live" \
  "$(for dn in "$BEN" "${FUNCS[@]}"; do live "$dn"; done | tr '\n' ' ')" "0 0 0 0 0 "

# --- undated ------------------------------------------------------------------
is "terminating ben now is refused (constraintViolation)" "$(rc_of ldel "$BEN")" "19"
says "... naming the function that cannot end" "cn=a-ben-phone,$F"
says "... and why" "subordinates"
diag "$(grep -i "additional info" "$T_DIR/last.out")"
sleep 1.5   # the oio task's next run: nothing for it to follow either
unchanged "ben and every function unchanged: live, as-of, history"
is "no version was written" "$(versions)" "$nv"
is "ben is live" "$(live "$BEN")" "0"
is "his engagement is live" "$(live "cn=e-ben,$F")" "0"
is "his derived unit is still there" "$(val "$BEN" ou)" "B"

# --- dated --------------------------------------------------------------------
is "terminating ben from next year is refused (constraintViolation)" \
  "$(rc_of ldel -e "$(valid "validFrom=$NEXT")" "$BEN")" "19"
says "... naming the function" "cn=a-ben-phone,$F"
unchanged "ben and every function unchanged after the dated attempt"
is "no version was written" "$(versions)" "$nv"

# --- inside an RFC 5805 transaction ---------------------------------------------
port=${URI##*:}; port=${port%/}
r=$("$PY" "$HERE/race/txn_delete.py" 127.0.0.1 "$port" "$ROOTDN" "$ROOTPW" 10 "$BEN")
if [ "$r" != 0 ] && [ "$r" != stuck ] && [ "$r" != closed ]; then
  ok "a transaction terminating ben fails ($r)"; else not_ok "a transaction terminating ben fails (got $r)"; fi
unchanged "ben and every function unchanged after the transaction"
is "no version was written" "$(versions)" "$nv"
is "a plain write is answered afterwards" \
  "$(rc_of timeout 10 ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -f <(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: after\n' "uid=carl,$P"))" 0

# --- the obstacle gone, the cascade works as before ------------------------------
check "the note is deleted" ldel "$NOTE"
check "terminating ben from next year succeeds" ldel -e "$(valid "validFrom=$NEXT")" "$BEN"
is "as-of later, none of his functions is there" \
  "$(for dn in "${FUNCS[@]}"; do rc_of lsearch -b "$dn" -s base -E "$(asof "validAt=$LATER")" 1.1; done | tr '\n' ' ')" "32 32 32 32 "
is "... live until then" \
  "$(for dn in "$BEN" "${FUNCS[@]}"; do live "$dn"; done | tr '\n' ' ')" "0 0 0 0 0 "
check "terminating ben now succeeds (his account's parent becomes a leaf)" ldel "$BEN"
is "ben and his functions are gone" \
  "$(for dn in "$BEN" "${FUNCS[@]}"; do live "$dn"; done | tr '\n' ' ')" "32 32 32 32 32 "
# back-mdb 2.5 answers "commit failed" for a delete that leaves its parent
# a leaf in a transaction it does not own (a stale MDB_NOTFOUND): the
# cascade's writes and an LDAP transaction's alike
check "a box with one entry" \
  ladd -f <(printf 'dn: ou=box,%s\nobjectClass: organizationalUnit\nou: box\n\ndn: cn=only,ou=box,%s\nobjectClass: organizationalRole\ncn: only\n' "$F" "$F")
is "a transaction deleting the box's only entry commits" \
  "$("$PY" "$HERE/race/txn_delete.py" 127.0.0.1 "$port" "$ROOTDN" "$ROOTPW" 10 "cn=only,ou=box,$F")" 0
is "... and it is gone" "$(live "cn=only,ou=box,$F")" "32"
is "slapd is still running" "$(rc_of ldapsearch -x -H "$URI" -b "" -s base -LLL 1.1)" "0"
finish
