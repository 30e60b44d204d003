#!/usr/bin/env bash
# A person's history says when their own facts were valid (issue 13,
# item 6).  Derived attributes (title, ou, manager, mail, ...) are functions
# of other entries' histories: the oio task's writes of them must not become
# versions of the person (valid from whenever the task ran, recorded as the
# admin).  A history listing shows, for each piece of a version, the values
# computed for that piece: a 2023 acting title and its correction appear
# where they held, and a history filter on a derived value finds them.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
P="ou=people,$SUFFIX"; F="ou=functions,$SUFFIX"
BOSS_CLASS=00000000-0000-4000-8000-0000000000c2

D=$T_DIR/s
write_conf "$D" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

hist() { lsearch -b "$1" -s base -E "$(history_ctl)" "${@:2}"; }
jobfn() {  # jobfn CLASS-UUID [ldapmodify args]: ben's engagement's job function
  local c=$1; shift
  lmodify "$@" -f <(printf 'dn: cn=e-ben,%s\nchangetype: modify\nreplace: moRefJobFunction\nmoRefJobFunction: %s\n' "$F" "$c") >/dev/null
}

check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality (since 2000)" ladd -e relax -f "$HERE/oio/fixture.ldif"
wait_is "ben is a Clerk (derived)" "Clerk" val "uid=ben,$P" title
check "ben is acting head of office during the first half of 2023" \
  jobfn "$BOSS_CLASS" -e "$(valid 'validFrom=20230101000000Z;validTo=20230701000000Z')"
check "... which is corrected: it ended in May" \
  jobfn 00000000-0000-4000-8000-0000000000c1 -e "$(valid 'validFrom=20230501000000Z;validTo=20230701000000Z')"
check "and he becomes head of office from now on" jobfn "$BOSS_CLASS"
wait_is "live: head of office (derived)" "Head of office" val "uid=ben,$P" title

# --- the person's own history ------------------------------------------------
is "live moValidFrom is the person's own (2000), not the last derived write" \
  "$(val "uid=ben,$P" moValidFrom)" "20000101000000Z"
is "the person has one version of their own, the add (the derived writes made none)" \
  "$(hist "uid=ben,$P" moRecordedAt moVersionOperation | grep '^moRecordedAt:\|^moVersionOperation:' | sort -u | tr '\n' ' ')" \
  "$(hist "uid=ben,$P" moRecordedAt | grep '^moRecordedAt:' | head -1) moVersionOperation: add "
is "no version of the person records title as changed" \
  "$(hist "uid=ben,$P" moChangedAttributes | grep -ci '^moChangedAttributes: title')" "0"

# --- derived values in the listing: computed for each piece ------------------
pieces=$(hist "uid=ben,$P" title moValidFrom moValidTo | awk '/^dn:/{if(s)print s; s=""} /^(title|moValidFrom|moValidTo):/{s=s" "$0} END{if(s)print s}')
diag "ben's history: $(tr '\n' '|' <<<"$pieces")"
is "the listing cuts ben's version where his engagement changed (5 pieces)" "$(grep -c . <<<"$pieces")" "5"
case $pieces in
  *"moValidFrom: 20000101000000Z moValidTo: 20230101000000Z title: Clerk"*) ok "Clerk until 2023";;
  *) not_ok "Clerk until 2023";; esac
case $pieces in
  *"moValidFrom: 20230101000000Z moValidTo: 20230501000000Z title: Head of office"*) ok "acting head January to May 2023 (the correction shows)";;
  *) not_ok "acting head January to May 2023 (the correction shows)";; esac
case $pieces in
  *"moValidFrom: 20230501000000Z moValidTo: 20230701000000Z title: Clerk"*) ok "Clerk again from May 2023";;
  *) not_ok "Clerk again from May 2023";; esac
is "the last piece is open and says head of office" "$(tail -1 <<<"$pieces" | sed 's/.*moValidFrom: [0-9Z]* //')" "title: Head of office"
is "a history search (title=Head of office) finds ben's pieces" \
  "$(lsearch -b "$P" -E "$(history_ctl)" '(&(uid=ben)(title=Head of office))' moValidFrom | grep -c '^moValidFrom:')" "2"
is "an as-of search in March 2023 finds him with that title" \
  "$(lsearch -b "$P" -E "$(asof validAt=20230301000000Z)" '(&(uid=ben)(title=Head of office))' 1.1 | grep -c '^dn:')" "1"
is "as-of June 2023: Clerk again" "$(val "uid=ben,$P" title -E "$(asof validAt=20230601000000Z)")" "Clerk"

# --- the overlay's own writes are recorded as the overlay -------------------
check "anna is terminated (her functions end by the cascade)" \
  ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=anna,$P"
by=$(hist "cn=e-anna,$F" moRecordedBy moVersionOperation | grep -A1 -i 'moVersionOperation: delete' ; hist "cn=e-anna,$F" moRecordedBy | sed -n 's/^moRecordedBy: //p' | sort -u)
case $by in *"cn=oio,cn=modir"*) ok "the cascade's versions are recorded as cn=oio,cn=modir";;
  *) not_ok "the cascade's versions are recorded as cn=oio,cn=modir"; diag "$by";; esac
# the task recomputes what anna's termination changed within a second
for i in $(seq 1 20); do
  "$TOP/tools/modir-history" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX" >"$T_DIR/verify.out" 2>&1 && break
  sleep 0.5
done
check "online verify: the live DIT (with its derived values) and the history agree" \
  "$TOP/tools/modir-history" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
stop_slapd "$D/slapd.pid"
"$SLAPCAT" -f "$D/slapd.conf" -l "$T_DIR/live.ldif" 2>/dev/null
check "offline verify with the live DIT agrees (derived values are no version's)" \
  "$TOP/tools/modir-history" verify "$D/db" --live "$T_DIR/live.ldif"
finish
