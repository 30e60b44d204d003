#!/usr/bin/env bash
# A dated person termination racing the oio task (issue 13 item 9).
#
# Each round starts a fresh slapd on a small base (so the derived
# attributes are registered in back-mdb's attribute table during the
# round, as on a new directory), then loops: a person, a primary
# engagement (2020) and a manager post for them (2021) in a new unit; a
# pause of 0-1 s; the person's termination dated 2024 (the cascade ends the
# engagement and the post) and at once another post in the same unit; a
# history search of the engagement.  Fails on a slapd abort, on err 80 from
# a search, on an entry that cannot be decoded, or on a stale live model
# (the unit's manager not following the new post).
#
# First, the same mechanism without timing: an aborted RFC 5805 transaction.
# Bounded: ~40 s (MODIR_RACE_SECONDS); MODIR_LONG=1 runs 600 s.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -n "${MODIR_LONG:-}" ]; then budget=${MODIR_RACE_SECONDS:-600}; else budget=${MODIR_RACE_SECONDS:-40}; fi
export SLAPD_DEBUG=${SLAPD_DEBUG:-32768}   # LDAP_DEBUG_ANY messages only
ITER=${MODIR_RACE_ITER:-6}
P="ou=people,$SUFFIX"
F="ou=functions,$SUFFIX"
K="ou=Kommune,o=line,ou=organisation,$SUFFIX"

# the fixture's skeleton: the tree, the classes, the top unit, no people
skeleton() {
  awk 'BEGIN{RS="";ORS="\n\n"} /^dn: (ou=organisation|ou=people|ou=functions|ou=classification|cn=[^,]*,ou=classification|cn=[^,]*,cn=[^,]*,ou=classification|o=line|ou=Kommune,o=line)/' \
    "$HERE/oio/fixture.ldif"
}

uuid() { printf '00000000-0000-4000-8%03d-%012d' "$1" "$2"; }   # uuid ROUND N

# --- the mechanism, deterministic: a transaction the overlay does not own
# (RFC 5805) stores an attribute for the first time, then is aborted; the
# attribute is then stored for real.  Before the fix its entry said
# "attribute 14" while no committed record defined 14 ("mdb_entry_decode:
# attribute index 14 not recognized", err 80, at times the assertion).
D0=$T_DIR/txn
write_conf "$D0" "overlay bitemporal" "overlay oio"
if start_slapd "$D0"; then
  ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5) >/dev/null 2>&1
  ladd -f <(printf 'dn: uid=a,%s\nobjectClass: inetOrgPerson\nuid: a\ncn: a\nsn: a\n\ndn: uid=b,%s\nobjectClass: inetOrgPerson\nuid: b\ncn: b\nsn: b\n' "$SUFFIX" "$SUFFIX") >/dev/null 2>&1
  port=${URI##*:}; port=${port%/}
  is "an LDAP transaction with a failing write is aborted (noSuchObject)" \
    "$("$PY" "$HERE/race/txn_abort.py" 127.0.0.1 "$port" "$ROOTDN" "$ROOTPW" "uid=a,$SUFFIX" "uid=nobody,$SUFFIX" carLicense)" 32
  check "then the attribute is stored for real" lmodify -f <(printf 'dn: uid=b,%s\nchangetype: modify\nadd: carLicense\ncarLicense: X2\n' "$SUFFIX")
  is "the entry decodes" "$(lsearch -b "uid=b,$SUFFIX" -s base carLicense 2>&1 | sed -n 's/^carLicense: //p')" X2
  is "the aborted write left nothing" "$(lsearch -b "uid=a,$SUFFIX" -s base carLicense 2>&1 | grep -c '^carLicense:')" 0
  is "every entry decodes (search of the whole tree)" "$(rc_of lsearch -b "$SUFFIX" '(objectClass=*)' '*')" 0
  stop_slapd "$D0/slapd.pid"
  is "and offline, against the committed attribute table (slapcat)" \
    "$("$SLAPCAT" -f "$D0/slapd.conf" 2>&1 >/dev/null | grep -a -c 'not recognized')" 0
  is "no decode errors in slapd's log" "$(grep -a -c 'not recognized' "$D0/slapd.log")" 0
else
  not_ok "slapd starts (transaction case)"
fi

round=0 aborts=0 err80=0 stale=0 decode=0 iters=0 bad_rounds=0
start=$SECONDS
while [ $((SECONDS - start)) -lt "$budget" ]; do
  round=$((round + 1))
  D=$T_DIR/r$round
  write_conf "$D" \
    "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
    "access to * by * read" \
    "overlay bitemporal" "overlay oio"
  if ! start_slapd "$D"; then not_ok "round $round: slapd starts"; break; fi
  pidfile=$D/slapd.pid
  ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5) >/dev/null 2>&1
  ladd -e relax -f <(skeleton) >/dev/null 2>&1 || { not_ok "round $round: skeleton loads"; break; }
  sleep 1.2    # the task loads the model
  bad=0
  for i in $(seq 1 "$ITER"); do
    iters=$((iters + 1))
    pu=$(uuid "$round" $((i * 10 + 1))) uu=$(uuid "$round" $((i * 10 + 2)))
    ladd -e relax >/dev/null 2>>"$D/client.log" <<LDIF
dn: ou=U$i,$K
objectClass: organizationalUnit
objectClass: moOrgUnit
ou: U$i
entryUUID: $uu
moValidFrom: 20000101000000Z

dn: uid=p$i,$P
objectClass: inetOrgPerson
objectClass: moPerson
uid: p$i
cn: Person $i
sn: P$i
entryUUID: $pu
moValidFrom: 20000101000000Z
LDIF
    ladd -e "$(valid validFrom=20200101000000Z)" >/dev/null 2>>"$D/client.log" <<LDIF
dn: cn=e-p$i,$F
objectClass: moEngagement
cn: e-p$i
moUserKey: 9$i
moRefPerson: $pu
moRefUnit: $uu
moRefJobFunction: 00000000-0000-4000-8000-0000000000c1
moRefEngagementType: 00000000-0000-4000-8000-0000000000c3
moPrimary: TRUE
LDIF
    ladd -e "$(valid validFrom=20210101000000Z)" >/dev/null 2>>"$D/client.log" <<LDIF
dn: cn=m-p$i,$F
objectClass: moManager
cn: m-p$i
moRefUnit: $uu
moRefPerson: $pu
LDIF
    # a second person, the next manager of the unit
    qu=$(uuid "$round" $((i * 10 + 3)))
    ladd -e relax >/dev/null 2>>"$D/client.log" <<LDIF
dn: uid=q$i,$P
objectClass: inetOrgPerson
objectClass: moPerson
uid: q$i
cn: Next $i
sn: Q$i
entryUUID: $qu
moValidFrom: 20000101000000Z
LDIF
    # odd iterations: the issue's termination dated in the past (2024);
    # even ones: dated a moment ahead, so that it falls due while the task
    # writes the person's derived values (the activation has not yet
    # removed the live entry: that write fails, in the task's batch)
    if [ $((i % 2)) -eq 1 ]; then end=20240101000000Z; else end=$(gt '+1 second'); fi
    sleep "$(awk -v r=$RANDOM 'BEGIN{printf "%.2f", r/32768}')"
    ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid "validFrom=$end")" \
      "uid=p$i,$P" >/dev/null 2>>"$D/client.log" &
    dpid=$!
    [ $((i % 2)) -eq 1 ] || sleep "$(awk -v r=$RANDOM 'BEGIN{printf "%.2f", 0.6 + r/32768}')"
    ladd >/dev/null 2>>"$D/client.log" <<LDIF &
dn: cn=n-p$i,$F
objectClass: moManager
cn: n-p$i
moRefUnit: $uu
moRefPerson: $qu
LDIF
    apid=$!
    wait $dpid $apid
    lsearch -b "cn=e-p$i,$F" -s base -E "$(history_ctl)" '(objectClass=*)' 1.1 >"$D/hist.out" 2>&1
    hrc=$?
    if ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
      aborts=$((aborts + 1)); bad=1
      diag "round $round iteration $i: slapd died"; grep -a -E 'Assertion|not recognized|cannot update derived' "$D/slapd.log" | head -5 | sed 's/^/#   /'
      break
    fi
    if [ "$hrc" -eq 80 ] || grep -q 'cannot read history' "$D/hist.out"; then
      err80=$((err80 + 1)); bad=1
      diag "round $round iteration $i: history search: $(tr '\n' ' ' <"$D/hist.out")"
    fi
  done
  if kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
    # the live model: each unit's manager is the second post's person
    waits=24    # 6 s for the first unit, then 1 s each
    for j in $(seq 1 "$i"); do
      want="uid=q$j,$P" got=
      for k in $(seq 1 "$waits"); do
        got=$(lsearch -b "ou=U$j,$K" -s base moUnitManagerDN 2>/dev/null | sed -n 's/^moUnitManagerDN: //p')
        [ "$got" = "$want" ] && break
        sleep 0.25
      done
      if [ "$got" != "$want" ]; then
        stale=$((stale + 1)); bad=1; waits=4
        diag "round $round: ou=U$j manager '$got', expected '$want'"
      fi
    done
    # someone reports to the first unit's new manager: moDirectReports
    # stored now (a registration lost with an aborted batch shows here)
    su=$(uuid "$round" 9001)
    ladd -e relax >/dev/null 2>>"$D/client.log" <<LDIF
dn: uid=s1,$P
objectClass: inetOrgPerson
objectClass: moPerson
uid: s1
cn: Staff 1
sn: S1
entryUUID: $su
moValidFrom: 20000101000000Z

dn: cn=e-s1,$F
objectClass: moEngagement
cn: e-s1
moUserKey: 8001
moRefPerson: $su
moRefUnit: $(uuid "$round" 12)
moRefJobFunction: 00000000-0000-4000-8000-0000000000c1
moRefEngagementType: 00000000-0000-4000-8000-0000000000c3
moPrimary: TRUE
moValidFrom: 20000101000000Z
LDIF
    for k in $(seq 1 24); do
      got=$(lsearch -b "uid=q1,$P" -s base moDirectReports 2>/dev/null | sed -n 's/^moDirectReports: //p')
      [ "$got" = "uid=s1,$P" ] && break
      sleep 0.25
    done
    if [ "$got" != "uid=s1,$P" ]; then
      stale=$((stale + 1)); bad=1; diag "round $round: q1's direct reports '$got', expected uid=s1"
    fi
    # every entry decodes
    out=$(lsearch -b "$SUFFIX" '(objectClass=*)' '*' '+' 2>&1 >/dev/null); src=$?
    if [ "$src" -ne 0 ]; then decode=$((decode + 1)); bad=1; diag "round $round: full search rc $src: $out"; fi
    if grep -a -q 'not recognized' "$D/slapd.log"; then
      decode=$((decode + 1)); bad=1; diag "round $round: $(grep -a -m1 'not recognized' "$D/slapd.log")"
    fi
  fi
  stop_slapd "$pidfile"
  # offline, every entry against the attribute table that was committed
  # (an entry stored with an index registered in an aborted transaction
  # decodes in the running slapd only until that table is reread)
  if ! "$SLAPCAT" -f "$D/slapd.conf" >"$D/slapcat.out" 2>"$D/slapcat.err" ||
     grep -a -q 'not recognized' "$D/slapcat.err"; then
    decode=$((decode + 1)); bad=1; diag "round $round: slapcat: $(grep -a -m2 -i 'not recognized\|error' "$D/slapcat.err" | tr '\n' ' ')"
  fi
  if [ "$bad" -ne 0 ]; then
    bad_rounds=$((bad_rounds + 1))
    grep -a -E 'Assertion|not recognized|cannot update derived|cannot read|failed' "$D/slapd.log" | sort | uniq -c | head -8 | sed 's/^/#   log: /'
  fi
done

diag "$round rounds, $iters iterations in $((SECONDS - start)) s; bad rounds $bad_rounds"
is "no slapd abort" "$aborts" 0
is "no err 80 on a history search" "$err80" 0
is "no entry that cannot be decoded" "$decode" 0
is "the live model follows every new post" "$stale" 0
finish
