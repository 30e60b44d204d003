#!/usr/bin/env bash
# Parent cycles through dated moves (issue 13, item 1).  Two units under
# one parent: dated moves can make each the other's parent at some instant
# (A under B from 2030, then B under A from 2031).  Such a move must be
# refused naming the instant, and a history or as-of read of either unit
# must answer, not recurse without end.
. "$(dirname "$0")/../lib.sh"

O="ou=organisation,$SUFFIX"
D=$T_DIR/s
write_conf "$D" "overlay bitemporal"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

unit() { printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$1" "$2" "$1"; }
mv_rdn() {  # mv_rdn VALIDITY|"" DN NEWSUP
  local e=(); [ -n "$1" ] && e=(-e "$(valid "$1")")
  ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "${e[@]}" -s "$3" "$2" "${2%%,*}"
}
result_of() { local out rc; out=$("$@" 2>&1); rc=$?
  printf '%s %s' "$rc" "$(sed -n 's/^[[:space:]]*additional info: //Ip' <<<"$out" | head -1)"; }
alive() { ldapsearch -x -H "$URI" -b "" -s base -LLL 1.1 >/dev/null 2>&1; }
nversions() { lsearch -b "$1" -s base -E "$(history_ctl)" 1.1 2>/dev/null | grep -c '^dn:'; }

check "base and units A, B, C, D (since 2000)" ladd -e "$(valid validFrom=20000101000000Z)" \
  -f <(base_ldif; echo; unit A "$O"; unit B "$O"; unit C "$O"; unit D "$O")

# --- the issue's sequence ----------------------------------------------------
check "A moves under B from 2030" mv_rdn validFrom=20300101000000Z "ou=A,$O" "ou=B,$O"
r=$(result_of mv_rdn validFrom=20310101000000Z "ou=B,$O" "ou=A,$O")
is "B under A (A is then under B) from 2031: 53" "${r%% *}" "53"
case $r in *20310101000000Z*) ok "the refusal names the instant";;
  *) not_ok "the refusal names the instant"; diag "$r";; esac
is "B's history answers: its one version" "$(nversions "ou=B,$O")" "1"
is "A's history answers: its three versions (the first, superseded, split at 2030)" "$(nversions "ou=A,$O")" "3"
is "as-of 2032, A is still under B" \
  "$(lsearch -b "ou=A,ou=B,$O" -s base -E "$(asof validAt=20320101000000Z)" 1.1 | grep -c '^dn:')" "1"
check "slapd is alive" alive

# --- an undated move that meets a scheduled one ------------------------------
check "C moves under D from 2030" mv_rdn validFrom=20300101000000Z "ou=C,$O" "ou=D,$O"
r=$(result_of mv_rdn "" "ou=D,$O" "ou=C,$O")
is "D under C now (C is under D from 2030): 53" "${r%% *}" "53"
case $r in *20300101000000Z*) ok "the refusal names 2030";;
  *) not_ok "the refusal names 2030"; diag "$r";; esac
is "D is still live under the organisation" \
  "$(lsearch -b "ou=D,$O" -s base 1.1 | grep -c '^dn:')" "1"

# --- a cycle deeper than one step --------------------------------------------
check "units E > F > G" ladd -e "$(valid validFrom=20000101000000Z)" \
  -f <(unit E "$O"; unit F "ou=E,$O"; unit G "ou=F,ou=E,$O")
r=$(result_of mv_rdn validFrom=20400101000000Z "ou=E,$O" "ou=G,ou=F,ou=E,$O")
is "E under its grandchild G from 2040: 53" "${r%% *}" "53"

# --- moves that never overlap are allowed ------------------------------------
check "H, K" ladd -e "$(valid validFrom=20000101000000Z)" -f <(unit H "$O"; unit K "$O")
check "H under K from 2030" mv_rdn validFrom=20300101000000Z "ou=H,$O" "ou=K,$O"
check "H back under the organisation from 2031" mv_rdn validFrom=20310101000000Z "ou=H,ou=K,$O" "$O"
check "K under H from 2032 (H is back under the organisation then)" \
  mv_rdn validFrom=20320101000000Z "ou=K,$O" "ou=H,$O"
is "as-of 2030: H under K" \
  "$(lsearch -b "ou=H,ou=K,$O" -s base -E "$(asof validAt=20300601000000Z)" 1.1 | grep -c '^dn:')" "1"
is "as-of mid 2032: K under H" \
  "$(lsearch -b "ou=K,ou=H,$O" -s base -E "$(asof validAt=20320601000000Z)" 1.1 | grep -c '^dn:')" "1"
r=$(result_of mv_rdn validFrom=20300601000000Z "ou=K,$O" "ou=H,$O")
is "K under H (then under K) from mid 2030: 53" "${r%% *}" "53"
case $r in *20300601000000Z*) ok "the refusal names mid 2030";;
  *) not_ok "the refusal names mid 2030"; diag "$r";; esac
check "slapd is alive at the end" alive
stop_slapd "$D/slapd.pid"
finish
