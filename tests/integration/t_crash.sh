#!/usr/bin/env bash
# Crash safety of the bitemporal overlay: history rows commit in back-mdb's
# own transaction, so a kill -9 at any moment must leave (a) a slapd that
# restarts, (b) every acknowledged write in the history, and the last
# acknowledged plain write per entry in the live DIT (or the one in flight
# after it), (c) history and live DIT in agreement.  Then a crash around
# the due time of scheduled (future-dated) changes: after the restart they
# are applied, exactly once, in agreement with the history.
# Writers: tests/integration/prop/crash.py.  MODIR_LONG=1: more rounds.
. "$(dirname "$0")/../lib.sh"

HELPER=$(dirname "$0")/prop/crash.py
ROUNDS=3; [ -n "${MODIR_LONG:-}" ] && ROUNDS=${MODIR_CRASH_ROUNDS:-15}
NWRITERS=4
SEED=${MODIR_SEED:-$$}
diag "seed $SEED (MODIR_SEED=N to rerun), $ROUNDS crash rounds"
RANDOM=$SEED
P="ou=people,$SUFFIX"

D=$T_DIR/crash
write_conf "$D" "overlay bitemporal"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif) >/dev/null 2>&1
logs=()
for w in $(seq 1 $NWRITERS); do logs+=("$T_DIR/w$w.log"); done

for round in $(seq 1 "$ROUNDS"); do
  wpids=()
  for w in $(seq 1 $NWRITERS); do
    "$PY" "$HELPER" write "$URI" "$P" "$ROOTDN" "$ROOTPW" "$w" "$SEED$round" "$T_DIR/w$w.log" 2>>"$T_DIR/writers.err" &
    wpids+=($!)
  done
  # let them write for 1.0 .. 3.0 s, then crash slapd mid-stream
  sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
  acks_before=$(cat "${logs[@]}" 2>/dev/null | grep -c '^ack ')
  kill9_slapd "$D/slapd.pid"
  sleep 0.3
  for p in "${wpids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${wpids[@]}"; do wait "$p" 2>/dev/null; done
  if start_slapd "$D"; then ok "round $round: slapd restarts after kill -9 ($acks_before writes acknowledged so far)"
  else not_ok "round $round: slapd restarts after kill -9"; break; fi
  "$PY" "$HELPER" verify "$URI" "$P" "$ROOTDN" "$ROOTPW" "${logs[@]}" >"$T_DIR/verify.out" 2>&1
  rc=$?
  while IFS= read -r line; do
    case $line in FAIL\ *) not_ok "round $round: ${line#FAIL }";; STAT\ *) diag "round $round: ${line#STAT }";; *) echo "# $line";; esac
  done <"$T_DIR/verify.out"
  if [ $rc -eq 0 ]; then ok "round $round: acknowledged writes in history, live DIT = last write, as-of(now) = live"
  else not_ok "round $round: verification after the crash (rc=$rc)"; fi
done
[ "$(cat "${logs[@]}" | grep -c '^ack ')" -gt 0 ] && ok "writers got writes acknowledged" || not_ok "writers got writes acknowledged"

# --- crash around a scheduled activation ------------------------------------
for round in 1 2; do
  due=$(gt '+3 seconds')
  k=s$round
  printf 'dn: uid=%s-m,%s\nobjectClass: inetOrgPerson\nuid: %s-m\ncn: m\nsn: m\ndescription: before\n' "$k" "$P" "$k" \
    | ladd -e "$(valid validFrom=20000101000000Z)" >/dev/null 2>&1
  printf 'dn: uid=%s-m,%s\nchangetype: modify\nreplace: description\ndescription: due-%s\n-\nadd: telephoneNumber\ntelephoneNumber: 1234%s\n' "$k" "$P" "$k" "$round" \
    | lmodify -e "$(valid "validFrom=$due")" >/dev/null 2>&1
  r1=$?
  printf 'dn: uid=%s-n,%s\nobjectClass: inetOrgPerson\nuid: %s-n\ncn: n\nsn: n\ndescription: new\n' "$k" "$P" "$k" \
    | ladd -e "$(valid "validFrom=$due")" >/dev/null 2>&1
  r2=$?
  printf 'dn: uid=%s-m2,%s\nobjectClass: inetOrgPerson\nuid: %s-m2\ncn: m\nsn: m\n' "$k" "$P" "$k" \
    | ladd -e "$(valid validFrom=20000101000000Z)" >/dev/null 2>&1
  printf 'dn: uid=%s-m2,%s\nchangetype: delete\n' "$k" "$P" | lmodify -e "$(valid "validFrom=$due")" >/dev/null 2>&1
  r3=$?
  is "activation round $round: scheduled modify/add/delete accepted" "$r1 $r2 $r3" "0 0 0"
  # crash before (round 1) or around (round 2) the due time
  if [ $round = 1 ]; then sleep 1.5; else sleep "2.$((RANDOM % 10))"; fi
  kill9_slapd "$D/slapd.pid"
  sleep 2.5          # the due time passes while slapd is down
  if start_slapd "$D"; then ok "activation round $round: slapd restarts"; else not_ok "activation round $round: slapd restarts"; break; fi
  got=""
  for i in $(seq 1 50); do
    got=$(lsearch -b "$P" "(|(uid=$k-m)(uid=$k-n)(uid=$k-m2))" description telephoneNumber 2>/dev/null | grep -v '^$' | sort | tr '\n' ' ')
    [ "$got" = "description: due-$k description: new dn: uid=$k-m,$P dn: uid=$k-n,$P telephoneNumber: 1234$round " ] && break
    sleep 0.1
  done
  is "activation round $round: due changes applied once after the restart" "$got" \
    "description: due-$k description: new dn: uid=$k-m,$P dn: uid=$k-n,$P telephoneNumber: 1234$round "
  cur=$(lsearch -b "uid=$k-m,$P" -s base -E "$(history_ctl)" '(objectClass=*)' '*' + 2>/dev/null \
    | awk 'BEGIN{RS="";} !/moSupersededAt/ && /moValidFrom: '"$due"'/' | grep -c '^dn:')
  is "activation round $round: history has one current version from the due time" "$cur" 1
  "$PY" "$HELPER" verify "$URI" "$P" "$ROOTDN" "$ROOTPW" /dev/null >"$T_DIR/verify.out" 2>&1
  rc=$?
  grep '^FAIL' "$T_DIR/verify.out" | sed 's/^FAIL /#   /'
  is "activation round $round: as-of (now, now) equals the live DIT" "$rc" 0
done
stop_slapd "$D/slapd.pid"
finish
