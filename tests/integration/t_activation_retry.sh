#!/usr/bin/env bash
# A change that falls due but cannot be applied is never dropped (issue 13,
# item 4).  slapo-unique above the overlay refuses bob's scheduled mail
# while ann holds the same address: the change must stay due (also across
# a restart), be retried with backoff, show why in moActivationError, be
# reported by online and offline verify, and apply once ann lets go.
. "$(dirname "$0")/../lib.sh"

P="ou=people,$SUFFIX"
MH="$TOP/tools/modir-history"
D=$T_DIR/s
EXTRA_GLOBAL="moduleload unique" write_conf "$D" "overlay bitemporal" \
  "overlay unique" "unique_uri ldap:///$P?mail?sub" \
  "access to attrs=moActivationError by * none" "access to * by * read"
export SLAPD_DEBUG=2048   # "none": LDAP_DEBUG_ANY messages reach slapd.log
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

person() { printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n%s\n\n' "$1" "$P" "$1" "$1" "$1" "${2:-}"; }
mail_of() { lsearch -b "uid=$1,$P" -s base "${@:2}" mail | sed -n 's/^mail: //p'; }
err_of() { lsearch -b "uid=$1,$P" -s base moActivationError | sed -n 's/^moActivationError: //p'; }
set_mail() { lmodify "${@:3}" -f <(printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: mail\nmail: %s\n' "$1" "$P" "$2") >/dev/null; }
wait_for() {  # wait_for SECONDS CMD...: until CMD succeeds
  local n=$(( $1 * 5 )); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.2; n=$((n-1)); done; return 1
}
bob_live() { [ "$(mail_of bob)" = shared@kommune.dk ]; }
bob_failing() { [ -n "$(err_of bob)" ]; }

check "people" ladd -f <(base_ldif; echo; person ann 'mail: ann@kommune.dk'; person bob)
due=$(gt '+3 seconds')
check "bob gets shared@ from $due (free now)" set_mail bob shared@kommune.dk -e "$(valid "validFrom=$due")"
check "ann takes shared@ at once" set_mail ann shared@kommune.dk
check "the activation fails and says why" wait_for 15 bob_failing
e=$(err_of bob)
case $e in *"due $due"*"result 19"*) ok "moActivationError names the due time and the result (19)";;
  *) not_ok "moActivationError names the due time and the result (19)"; diag "$e";; esac
is "live: bob has no mail yet" "$(mail_of bob)" ""
is "as-of now: bob has shared@ (the history keeps the change)" \
  "$(mail_of bob -E "$(asof "validAt=$(gt now)")")" "shared@kommune.dk"
is "a reader the ACLs deny it does not see moActivationError" \
  "$(ldapsearch -x -H "$URI" -LLL -b "uid=bob,$P" -s base + | grep -c '^moActivationError')" "0"
if "$MH" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX" >"$T_DIR/v1" 2>&1; then
  not_ok "online verify reports the disagreement"; else
  case $(cat "$T_DIR/v1") in *bob*mail*) ok "online verify reports the disagreement (bob, mail)";;
    *) not_ok "online verify reports the disagreement (bob, mail)"; diag "$(cat "$T_DIR/v1")";; esac; fi
sleep 3
e2=$(err_of bob)
case $e2 in *"failed tries"*) ok "it is retried (still due)";; *) not_ok "it is retried (still due)"; diag "$e2";; esac
n1=$(sed -n 's/.*; \([0-9]*\) failed tries.*/\1/p' <<<"$e2")
[ "${n1:-0}" -ge 2 ] && [ "${n1:-0}" -le 4 ] && ok "backoff: $n1 tries in ~5 s" || not_ok "backoff: $n1 tries in ~5 s (expected 2..4)"
grep -q "could not be applied (19" "$D/slapd.log" && ok "the failure is logged" || not_ok "the failure is logged"

# --- across a restart, and offline verify against the live DIT -------------
stop_slapd "$D/slapd.pid"
"$SLAPCAT" -f "$D/slapd.conf" -l "$T_DIR/live.ldif" 2>/dev/null
if "$MH" verify "$D/db" --live "$T_DIR/live.ldif" >"$T_DIR/v2" 2>&1; then
  not_ok "offline verify with the live DIT reports the disagreement"; else
  case $(cat "$T_DIR/v2") in *bob*mail*) ok "offline verify with the live DIT reports the disagreement (bob, mail)";;
    *) not_ok "offline verify with the live DIT reports the disagreement"; diag "$(cat "$T_DIR/v2")";; esac; fi
start_slapd "$D" || { not_ok "slapd restarts"; finish; exit 1; }
check "after the restart the change is still due and failing" wait_for 10 bob_failing
is "live: bob still has no mail" "$(mail_of bob)" ""

# --- the conflict goes away: the change applies -----------------------------
check "ann gives shared@ back" set_mail ann ann@kommune.dk
check "bob's change is applied at the next try" wait_for 20 bob_live
is "moActivationError is gone" "$(err_of bob)" ""
check "online verify agrees" "$MH" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
stop_slapd "$D/slapd.pid"
"$SLAPCAT" -f "$D/slapd.conf" -l "$T_DIR/live2.ldif" 2>/dev/null
check "offline verify with the live DIT agrees" "$MH" verify "$D/db" --live "$T_DIR/live2.ldif"
finish
