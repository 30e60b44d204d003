#!/usr/bin/env bash
# Access control over time (issue 10): dated writes, scheduled changes,
# corrections of the past, as-of and history reads are decided by slapd's
# own ACLs for the requesting identity, as ordinary bound users see them.
#
#   uid=reader  reads ou=people, writes nothing
#   uid=clerk   writes ou=people (not other people's passwords), no manage
#   uid=boss    manages ou=people and ou=hidden
#   ou=hidden   invisible to everybody but boss
. "$(dirname "$0")/../lib.sh"

P="ou=people,$SUFFIX"
H="ou=hidden,$SUFFIX"
BOSS="uid=boss,$P"; CLERK="uid=clerk,$P"; READER="uid=reader,$P"

D=$T_DIR/s
write_conf "$D" "overlay bitemporal" \
  "access to attrs=userPassword by self write by dn.exact=\"$BOSS\" manage by anonymous auth by * none" \
  "access to attrs=moRecordedBy by dn.exact=\"$BOSS\" read by * none" \
  "access to attrs=employeeNumber by dn.exact=\"$BOSS\" manage by * none" \
  "access to dn.subtree=\"$H\" by dn.exact=\"$BOSS\" manage by * none" \
  "access to dn.subtree=\"$P\" by dn.exact=\"$BOSS\" manage by dn.exact=\"$CLERK\" write by * read" \
  "access to * by dn.exact=\"$BOSS\" manage by * read"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

person() {  # person UID [extra lines]
  printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nuserPassword: pw-%s\n%s\n\n' \
    "$1" "${P2:-$P}" "$1" "$1" "$1" "$1" "${2:-}"
}
as()      { local who=$1; shift; "$@" -x -H "$URI" -D "uid=$who,$P" -w "pw-$who"; }
asearch() { local who=$1; shift; ldapsearch -x -H "$URI" -D "uid=$who,$P" -w "pw-$who" -LLL -o ldif-wrap=no "$@"; }
binds()   { ldapwhoami -x -H "$URI" -D "$1" -w "$2" >/dev/null 2>&1; }
versions() { lsearch -b "$1" -s base -E "$(history_ctl)" 1.1 2>/dev/null | grep -c '^dn:'; }
mod_ldif() { printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n' "$1" "$2" "$2" "$3"; }
path_ctl() {  # path_ctl plain|asof|history: sets ctl, the search controls of that path
  case $1 in
    plain) ctl=() ;;
    asof) ctl=(-E "$(asof 'validAt=20050101000000Z')") ;;
    history) ctl=(-E "$(history_ctl)") ;;
  esac
}
result_of() {  # result_of CMD...: "rc text" of an ldap client run
  local out rc; out=$("$@" 2>&1); rc=$?
  printf '%s %s' "$rc" "$(sed -n 's/^[[:space:]]*additional info: //p' <<<"$out" | head -1)"
}

check "base loaded (since 2000)" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif; printf '\ndn: %s\nobjectClass: organizationalUnit\nou: hidden\n\n' "$H")
check "people loaded (since 2000)" ladd -e "$(valid validFrom=20000101000000Z)" -f <(
  person boss; person clerk; person reader; person victim 'employeeNumber: 1234'; person moved
  P2=$H person secret)

# --- account takeover: a scheduled password change by a read-only user ----
due=$(gt '+3 seconds')
is "reader's scheduled password change on victim: 50" \
  "$(rc_of as reader ldapmodify -e "$(valid "validFrom=$due")" -f <(mod_ldif "uid=victim,$P" userPassword taken))" "50"
is "clerk's scheduled password change on victim: 50 (no write on others' passwords)" \
  "$(rc_of as clerk ldapmodify -e "$(valid "validFrom=$due")" -f <(mod_ldif "uid=victim,$P" userPassword taken))" "50"
is "reader's scheduled delete of victim: 50" \
  "$(rc_of as reader ldapdelete -e "$(valid "validFrom=$due")" "uid=victim,$P")" "50"
is "reader's future-dated add: 50" \
  "$(rc_of as reader ldapadd -e "$(valid "validFrom=$due")" -f <(person intruder))" "50"
is "reader's future-dated move out of the hidden subtree: 50" \
  "$(rc_of as reader ldapmodrdn -e "$(valid "validFrom=$due")" -s "$P" "uid=secret,$H" uid=secret)" "50"
is "clerk's future-dated move out of the hidden subtree: 50" \
  "$(rc_of as clerk ldapmodrdn -e "$(valid "validFrom=$due")" -s "$P" "uid=secret,$H" uid=secret)" "50"
is "reader's past rewrite of victim's history: 50" \
  "$(rc_of as reader ldapmodify -e "$(valid 'validFrom=20100101000000Z;validTo=20110101000000Z')" -f <(mod_ldif "uid=victim,$P" sn rewritten))" "50"
is "reader's past rewrite of a hidden entry: 50" \
  "$(rc_of as reader ldapmodify -e "$(valid 'validFrom=20100101000000Z;validTo=20110101000000Z')" -f <(mod_ldif "uid=secret,$H" sn rewritten))" "50"
is "nothing was recorded for victim" "$(versions "uid=victim,$P")" "1"
is "nothing was recorded for secret" "$(versions "uid=secret,$H")" "1"
sleep 4
if binds "uid=victim,$P" pw-victim; then ok "after the due time the old password still binds"; else not_ok "after the due time the old password still binds"; fi
if binds "uid=victim,$P" taken; then not_ok "the attacker's password never binds"; else ok "the attacker's password never binds"; fi
is "victim is still there" "$(lsearch -b "uid=victim,$P" -s base 1.1 | grep -c '^dn:')" "1"
is "no intruder, live or as-of" "$(lsearch -b "$P" -E "$(asof "validAt=$(gt '+1 day')")" '(uid=intruder)' 1.1 | grep -c '^dn:')" "0"
is "secret is still hidden where it was" "$(lsearch -b "uid=secret,$H" -s base 1.1 | grep -c '^dn:')" "1"

# --- what the right people may do ------------------------------------------
is "clerk may schedule a change to ou=people" \
  "$(rc_of as clerk ldapmodify -e "$(valid "validFrom=$(gt '+1 year')")" -f <(mod_ldif "uid=victim,$P" title Senior))" "0"
is "which is recorded as clerk's" \
  "$(lsearch -b "uid=victim,$P" -s base -E "$(asof "validAt=$(gt '+2 years')")" moRecordedBy | sed -n 's/^moRecordedBy: //p')" "$CLERK"
r=$(result_of as clerk ldapmodify -e "$(valid 'validFrom=20200101000000Z')" -f <(mod_ldif "uid=victim,$P" title Junior))
is "clerk may not correct the past (write is not manage)" "$r" "50 a change that starts before now corrects the past: it needs manage access to the entry"
is "boss may correct the past" \
  "$(rc_of as boss ldapmodify -e "$(valid 'validFrom=20200101000000Z;validTo=20210101000000Z')" -f <(mod_ldif "uid=victim,$P" title Junior))" "0"
is "the correction is there" "$(lsearch -b "uid=victim,$P" -s base -E "$(asof 'validAt=20200601000000Z')" title | sed -n 's/^title: //p')" "Junior"
is "clerk's future add under ou=people is allowed" \
  "$(rc_of as clerk ldapadd -e "$(valid "validFrom=$(gt '+1 year')")" -f <(person newhire))" "0"
is "clerk's future add under the hidden subtree is refused" \
  "$(rc_of as clerk ldapadd -e "$(valid "validFrom=$(gt '+1 year')")" -f <(P2=$H person mole))" "50"

# --- hidden entries are indistinguishable from absent ones -----------------
for path in plain asof history; do
  path_ctl $path
  hidden=$(result_of asearch reader -b "uid=secret,$H" -s base "${ctl[@]}" 1.1)
  absent=$(result_of asearch reader -b "uid=nobody,$H" -s base "${ctl[@]}" 1.1)
  is "$path: a hidden DN answers like one that never existed" "$hidden" "$absent"
  is "$path: which is noSuchObject" "${hidden%% *}" "32"
  is "$path: boss sees it" "$(rc_of asearch boss -b "uid=secret,$H" -s base "${ctl[@]}" 1.1)" "0"
done
same=1
for d in 19990101000000Z 20010101000000Z 20240101000000Z 20300101000000Z; do
  [ "$(result_of asearch reader -b "uid=secret,$H" -s base -E "$(asof "validAt=$d")" 1.1)" = \
    "$(result_of asearch reader -b "uid=nobody,$H" -s base -E "$(asof "validAt=$d")" 1.1)" ] || same=0
done
is "bisecting validAt tells nothing about when the hidden entry existed" "$same" "1"

# --- filters and attributes of past versions --------------------------------
for path in plain asof history; do
  path_ctl $path
  is "$path: a filter on an attribute reader may not search matches nothing" \
    "$(asearch reader -b "$P" "${ctl[@]}" '(employeeNumber=12*)' 1.1 | grep -c '^dn:')" "0"
  is "$path: boss's does, as the rootdn's" \
    "$(asearch boss -b "$P" "${ctl[@]}" '(employeeNumber=12*)' 1.1 | grep -c '^dn:')" \
    "$(lsearch -b "$P" "${ctl[@]}" '(employeeNumber=12*)' 1.1 | grep -c '^dn:')"
  is "$path: reader is not shown employeeNumber" \
    "$(asearch reader -b "uid=victim,$P" -s base "${ctl[@]}" employeeNumber | grep -c '^employeeNumber:')" "0"
done
check "victim's password changed (as rootdn)" lmodify -f <(mod_ldif "uid=victim,$P" userPassword newpw)
hist_reader=$(asearch reader -b "uid=victim,$P" -s base -E "$(history_ctl)" '*' +)
hist_boss=$(asearch boss -b "uid=victim,$P" -s base -E "$(history_ctl)" '*' +)
is "history for reader names no userPassword change" "$(grep -ci '^moChangedAttributes: userPassword' <<<"$hist_reader")" "0"
is "history for boss does, as for the rootdn" "$(grep -ci '^moChangedAttributes: userPassword' <<<"$hist_boss")" \
  "$(lsearch -b "uid=victim,$P" -s base -E "$(history_ctl)" moChangedAttributes | grep -ci '^moChangedAttributes: userPassword')"
is "moRecordedBy is hidden from reader by an ACL" "$(grep -c '^moRecordedBy:' <<<"$hist_reader")" "0"
is "and shown to boss" "$(( $(grep -c '^moRecordedBy:' <<<"$hist_boss") > 0 ))" "1"

# --- today's visibility governs past versions -------------------------------
check "moved is hidden from now on (as rootdn)" ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -s "$H" "uid=moved,$P" uid=moved
is "reader does not see moved as it was in 2005, under its old public name" \
  "$(rc_of asearch reader -b "uid=moved,$P" -s base -E "$(asof 'validAt=20050101000000Z')" 1.1)" "32"
is "nor in a subtree search of that time" \
  "$(asearch reader -b "$P" -E "$(asof 'validAt=20050101000000Z')" '(uid=moved)' 1.1 | grep -c '^dn:')" "0"
is "nor in the history of ou=people" \
  "$(asearch reader -b "$P" -E "$(history_ctl)" '(uid=moved)' 1.1 | grep -c '^dn:')" "0"
is "boss does" \
  "$(asearch boss -b "uid=moved,$P" -s base -E "$(asof 'validAt=20050101000000Z')" 1.1 | grep -c '^dn:')" "1"

# --- the directive that relaxes corrections of the past ---------------------
D2=$T_DIR/s2
write_conf "$D2" "overlay bitemporal" "bitemporal-past-access write" \
  "access to attrs=userPassword by self write by anonymous auth by * none" \
  "access to dn.subtree=\"$P\" by dn.exact=\"$CLERK\" write by * read" \
  "access to * by * read"
URI1=$URI
start_slapd "$D2" || not_ok "second slapd starts"
check "base loaded" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif; echo; person clerk; person victim)
is "with bitemporal-past-access write, clerk may correct the past" \
  "$(rc_of as clerk ldapmodify -e "$(valid 'validFrom=20200101000000Z')" -f <(mod_ldif "uid=victim,$P" title Junior))" "0"
# changed over cn=config: the next dated write is decided by the new value
past_access() {  # past_access manage|write|-: replace, or delete (the default)
  if [ "$1" = - ]; then
    printf 'dn: olcOverlay={0}bitemporal,olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcBitemporalPastAccess\n' | lcfg
  else
    printf 'dn: olcOverlay={0}bitemporal,olcDatabase={1}mdb,cn=config\nchangetype: modify\nreplace: olcBitemporalPastAccess\nolcBitemporalPastAccess: %s\n' "$1" | lcfg
  fi
}
check "olcBitemporalPastAccess: manage live" past_access manage
is "clerk may no longer correct the past once the modify returns" \
  "$(result_of as clerk ldapmodify -e "$(valid 'validFrom=20200201000000Z')" -f <(mod_ldif "uid=victim,$P" title Junior2))" \
  "50 a change that starts before now corrects the past: it needs manage access to the entry"
check "olcBitemporalPastAccess: write live" past_access write
is "clerk may correct the past again" \
  "$(rc_of as clerk ldapmodify -e "$(valid 'validFrom=20200301000000Z')" -f <(mod_ldif "uid=victim,$P" title Junior3))" "0"
check "olcBitemporalPastAccess deleted live (manage, the default)" past_access -
is "clerk may not correct the past under the default" \
  "$(result_of as clerk ldapmodify -e "$(valid 'validFrom=20200401000000Z')" -f <(mod_ldif "uid=victim,$P" title Junior4))" \
  "50 a change that starts before now corrects the past: it needs manage access to the entry"
is "bitemporal-past-access takes only manage or write" \
  "$( { write_conf "$T_DIR/s3" "overlay bitemporal" "bitemporal-past-access read"; "$SLAPTEST" -u -f "$T_DIR/s3/slapd.conf" >/dev/null 2>&1; echo $?; } )" "1"
URI=$URI1

finish
