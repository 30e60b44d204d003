#!/usr/bin/env bash
# Bitemporal history scenarios through a real slapd and ldap-utils:
# future hires, dated renames, retroactive corrections with reproducible
# "as known at" views, terminations, dated subtree moves, activation after
# downtime, and bad input.
. "$(dirname "$0")/../lib.sh"

D=$T_DIR/s
write_conf "$D" "overlay bitemporal"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
O="ou=organisation,$SUFFIX"

person() {  # person UID SN [extra lines]
  printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n%s\n' "$1" "$P" "$1" "$1" "$2" "${3:-}"
}
attr_of() {  # attr_of DN ATTR [ldapsearch args...]: values, sorted, one line
  local dn=$1 a=$2; shift 2
  lsearch -b "$dn" -s base "$@" "$a" 2>/dev/null | grep -i "^$a:" | sed "s/^[^:]*: //" | sort | tr '\n' ' ' | sed 's/ $//'
}
exists() { lsearch -b "$1" -s base "${@:2}" 1.1 >/dev/null 2>&1; }

check "base entries loaded, valid since 2000" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif)
check "units loaded" ladd -e "$(valid validFrom=20000101000000Z)" -f <(printf 'dn: ou=IT,%s\nobjectClass: organizationalUnit\nou: IT\n\ndn: ou=HR,%s\nobjectClass: organizationalUnit\nou: HR\n\ndn: ou=Team,ou=IT,%s\nobjectClass: organizationalUnit\nou: Team\ndescription: the team\n' "$O" "$O" "$O")
is "live entries show their validity" "$(attr_of "$P" moValidFrom)" "20000101000000Z"

# --- a future hire -------------------------------------------------------
due=$(gt '+3 seconds')
check "a hire starting in 3 s is accepted" ladd -e "$(valid "validFrom=$due")" -f <(person hire Future 'title: Trainee')
if exists "uid=hire,$P"; then not_ok "the future hire is not live yet"; else ok "the future hire is not live yet"; fi
is "the future hire is visible as-of its start" "$(attr_of "uid=hire,$P" title -E "$(asof "validAt=$due")")" "Trainee"
check "its title is fixed before it starts (dated modify of a non-live entry)" \
  lmodify -e "$(valid "validFrom=$due")" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nreplace: title\ntitle: Apprentice\n' "$P")
for i in $(seq 1 50); do exists "uid=hire,$P" && break; sleep 0.2; done
if exists "uid=hire,$P"; then ok "the hire appears by itself when due"; else not_ok "the hire appears by itself when due"; fi
is "with the corrected title" "$(attr_of "uid=hire,$P" title)" "Apprentice"
is "and its validity" "$(attr_of "uid=hire,$P" moValidFrom)" "$due"
if exists "uid=hire,$P" -E "$(asof "validAt=$(gt '-1 day')")"; then not_ok "not there as-of yesterday"; else ok "not there as-of yesterday"; fi

# --- a name change next month ----------------------------------------------
check "person added (open-ended, from now)" ladd -f <(person ann Hansen 'title: Clerk')
next=$(gt 'next month')
check "name change next month" lmodify -e "$(valid "validFrom=$next")" \
  -f <(printf 'dn: uid=ann,%s\nchangetype: modify\nreplace: sn\nsn: Jensen\n' "$P")
is "live entry keeps the current name" "$(attr_of "uid=ann,$P" sn)" "Hansen"
is "as-of next month shows the new name" "$(attr_of "uid=ann,$P" sn -E "$(asof "validAt=$next")")" "Jensen"
is "filter on the reconstructed entry" "$(lsearch -b "$P" -E "$(asof "validAt=$next")" '(sn=Jensen)' 1.1 | grep -c '^dn:')" "1"
is "filter does not match the old value then" "$(lsearch -b "$P" -E "$(asof "validAt=$next")" '(sn=Hansen)' 1.1 | grep -c '^dn:')" "0"

# --- retroactive correction, old view reproducible ---------------------------
check "person valid since 2024" ladd -e "$(valid validFrom=20240101000000Z)" -f <(person bo Berg 'title: Assistant')
sleep 1.1; T1=$(gt now); sleep 1.1
check "retroactive title correction from 2024-06" lmodify -e "$(valid validFrom=20240601000000Z)" \
  -f <(printf 'dn: uid=bo,%s\nchangetype: modify\nreplace: title\ntitle: Advisor\n' "$P")
is "as known now: Advisor in 2024-07" "$(attr_of "uid=bo,$P" title -E "$(asof 'validAt=20240701000000Z')")" "Advisor"
is "as known at T1: Assistant in 2024-07" "$(attr_of "uid=bo,$P" title -E "$(asof "validAt=20240701000000Z;knownAt=$T1")")" "Assistant"
is "before the correction's start, unchanged" "$(attr_of "uid=bo,$P" title -E "$(asof 'validAt=20240301000000Z')")" "Assistant"
is "the live entry follows the correction" "$(attr_of "uid=bo,$P" title)" "Advisor"
hist=$(lsearch -b "uid=bo,$P" -s base -E "$(history_ctl)" title moVersionOperation moSupersededAt moChangedAttributes)
is "history lists 3 registrations (the add, superseded; two pieces of the correction)" "$(grep -c '^dn:' <<<"$hist")" "3"
is "history shows what changed" "$(grep -c '^moChangedAttributes: title' <<<"$hist")" "1"
is "and which registration was superseded" "$(grep -c '^moSupersededAt:' <<<"$hist")" "1"

# --- FOR PORTION OF keeps later changes --------------------------------------
check "title for 2025 only" lmodify -e "$(valid 'validFrom=20250101000000Z;validTo=20260101000000Z')" \
  -f <(printf 'dn: uid=bo,%s\nchangetype: modify\nreplace: title\ntitle: Acting head\n' "$P")
is "inside the portion" "$(attr_of "uid=bo,$P" title -E "$(asof 'validAt=20250601000000Z')")" "Acting head"
is "after the portion, as before" "$(attr_of "uid=bo,$P" title -E "$(asof 'validAt=20260601000000Z')")" "Advisor"
is "before the portion, as before" "$(attr_of "uid=bo,$P" title -E "$(asof 'validAt=20240901000000Z')")" "Advisor"

# --- termination ---------------------------------------------------------------
end=$(gt '+3 seconds')
check "termination in 3 s" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid "validFrom=$end")" "uid=ann,$P"
mid=$(gt now)
if exists "uid=ann,$P"; then ok "still live until then"; else not_ok "still live until then"; fi
for i in $(seq 1 50); do exists "uid=ann,$P" || break; sleep 0.2; done
if exists "uid=ann,$P"; then not_ok "gone from the live view when due"; else ok "gone from the live view when due"; fi
is "found as-of before the termination" "$(attr_of "uid=ann,$P" sn -E "$(asof "validAt=$mid")")" "Hansen"
is "the scheduled rename of a terminated person is gone with it" "$(rc_of lsearch -b "uid=ann,$P" -s base -E "$(asof "validAt=$next")")" "32"
check "retroactive termination of bo at 2026-01-01" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid validFrom=20260101000000Z)" "uid=bo,$P"
if exists "uid=bo,$P"; then not_ok "a past termination removes the live entry at once"; else ok "a past termination removes the live entry at once"; fi
is "still there as-of 2025" "$(attr_of "uid=bo,$P" title -E "$(asof 'validAt=20250601000000Z')")" "Acting head"

# --- a unit moved at a date --------------------------------------------------
check "person in the team" ladd -e "$(valid validFrom=20200101000000Z)" \
  -f <(printf 'dn: cn=Eve,ou=Team,ou=IT,%s\nobjectClass: inetOrgPerson\ncn: Eve\nsn: E\n' "$O")
check "the team moves under HR from 2025-01-01" ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" \
  -e "$(valid validFrom=20250101000000Z)" -s "ou=HR,$O" "ou=Team,ou=IT,$O" "ou=Team"
if exists "ou=Team,ou=HR,$O" && ! exists "ou=Team,ou=IT,$O"; then ok "live: the team is under HR"; else not_ok "live: the team is under HR"; fi
is "its member moved with it" "$(attr_of "cn=Eve,ou=Team,ou=HR,$O" sn)" "E"
is "as-of 2024: found under its old parent" "$(attr_of "ou=Team,ou=IT,$O" description -E "$(asof 'validAt=20240601000000Z')")" "the team"
is "as-of 2024: the member under the old path" "$(attr_of "cn=Eve,ou=Team,ou=IT,$O" sn -E "$(asof 'validAt=20240601000000Z')")" "E"
is "as-of 2024: not under the new parent" "$(rc_of lsearch -b "ou=Team,ou=HR,$O" -s base -E "$(asof 'validAt=20240601000000Z')")" "32"
is "as-of 2024: subtree search of IT has team and member" \
  "$(lsearch -b "ou=IT,$O" -E "$(asof 'validAt=20240601000000Z')" 1.1 | grep -c '^dn:')" "3"
is "as-of 2025: subtree search of IT has only IT" \
  "$(lsearch -b "ou=IT,$O" -E "$(asof 'validAt=20250601000000Z')" 1.1 | grep -c '^dn:')" "1"
is "one-level as-of 2025 under HR finds the team" \
  "$(lsearch -b "ou=HR,$O" -s one -E "$(asof 'validAt=20250601000000Z')" 1.1 | grep '^dn:')" "dn: ou=Team,ou=HR,$O"

# --- an entry never outlives its parent ---------------------------------------
check "a unit that closes at the end of 2030" ladd -e "$(valid 'validFrom=20200101000000Z;validTo=20310101000000Z')" \
  -f <(printf 'dn: ou=Closing,%s\nobjectClass: organizationalUnit\nou: Closing\n' "$O")
is "an entry below it that would outlive it -> constraintViolation" \
  "$(rc_of ladd -e "$(valid validFrom=20250101000000Z)" -f <(printf 'dn: cn=Late,ou=Closing,%s\nobjectClass: organizationalRole\ncn: Late\n' "$O"))" "19"
grep -q 'parent entry does not exist from 20310101000000Z on' "$T_DIR/last.out" && ok "... saying from when" || not_ok "... saying from when"
check "one that ends with it is fine" ladd -e "$(valid 'validFrom=20250101000000Z;validTo=20300101000000Z')" \
  -f <(printf 'dn: cn=Early,ou=Closing,%s\nobjectClass: organizationalRole\ncn: Early\n' "$O")

# --- bad input: the right code, nothing stored changes -----------------------
before=$(lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' '*' '+' | grep -v -i '^\(modifyTimestamp\|entryCSN\)' | md5sum)
is "malformed validity value -> protocolError" \
  "$(rc_of lmodify -e "$(valid 'validFrom=2025-01-01')" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nreplace: sn\nsn: X\n' "$P"))" "2"
is "unknown key -> protocolError" \
  "$(rc_of lmodify -e "$(valid 'validSince=20250101000000Z')" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nreplace: sn\nsn: X\n' "$P"))" "2"
is "validTo <= validFrom -> unwillingToPerform" \
  "$(rc_of lmodify -e "$(valid 'validFrom=20250101000000Z;validTo=20240101000000Z')" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nreplace: sn\nsn: X\n' "$P"))" "53"
grep -q 'validTo must be later than validFrom' "$T_DIR/last.out" && ok "... saying why" || not_ok "... saying why"
is "validTo on delete -> unwillingToPerform" \
  "$(rc_of ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid 'validFrom=20270101000000Z;validTo=20280101000000Z')" "uid=hire,$P")" "53"
is "dated add under a parent that did not exist then -> noSuchObject" \
  "$(rc_of ladd -e "$(valid validFrom=19990101000000Z)" -f <(person old Old))" "32"
is "dated modify before the entry existed -> noSuchObject" \
  "$(rc_of lmodify -e "$(valid 'validFrom=19990101000000Z;validTo=19990201000000Z')" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nreplace: sn\nsn: X\n' "$P"))" "32"
is "a schema violation in a future version -> objectClassViolation" \
  "$(rc_of lmodify -e "$(valid "validFrom=$(gt '+1 year')")" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nadd: dc\ndc: x\n' "$P"))" "65"
is "malformed as-of value -> protocolError" "$(rc_of lsearch -b "$P" -E "$(asof 'validAt=yesterday')")" "2"
after=$(lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' '*' '+' | grep -v -i '^\(modifyTimestamp\|entryCSN\)' | md5sum)
is "nothing stored changed on any of these errors" "$after" "$before"

# --- restart: what fell due while down is applied at once ----------------------
soon=$(gt '+2 seconds')
check "a hire due in 2 s" ladd -e "$(valid "validFrom=$soon")" -f <(person late Late)
check "a title change due in 2 s" lmodify -e "$(valid "validFrom=$soon")" -f <(printf 'dn: uid=hire,%s\nchangetype: modify\nreplace: title\ntitle: Journeyman\n' "$P")
stop_slapd "$D/slapd.pid"
sleep 3
start_slapd "$D" || not_ok "slapd restarts"
for i in $(seq 1 25); do exists "uid=late,$P" && break; sleep 0.2; done
if exists "uid=late,$P"; then ok "a hire that fell due while down is live after restart"; else not_ok "a hire that fell due while down is live after restart"; fi
is "a change that fell due while down is applied" "$(attr_of "uid=hire,$P" title)" "Journeyman"

# --- the controls on a database without the overlay ----------------------------
E=$T_DIR/plain
write_conf "$E"
sed -i 's/^suffix .*/suffix "dc=other,dc=dk"/; s/^rootdn "cn=admin,dc=kommune,dc=dk"/rootdn "cn=admin,dc=other,dc=dk"/' "$E/slapd.conf"
cat >> "$D/slapd.conf" <<EOF
database mdb
suffix "dc=other,dc=dk"
rootdn "cn=admin,dc=other,dc=dk"
rootpw $ROOTPW
directory $E/db
EOF
mkdir -p "$E/db"
stop_slapd "$D/slapd.pid"
start_slapd "$D" || not_ok "slapd restarts with a second database"
ldapadd -x -H "$URI" -D "cn=admin,dc=other,dc=dk" -w "$ROOTPW" -f <(printf 'dn: dc=other,dc=dk\nobjectClass: dcObject\nobjectClass: organization\ndc: other\no: Other\n') >/dev/null 2>&1
is "critical as-of control on a database without the overlay -> unavailableCriticalExtension" \
  "$(rc_of ldapsearch -x -H "$URI" -D "cn=admin,dc=other,dc=dk" -w "$ROOTPW" -b "dc=other,dc=dk" -E "$(asof 'validAt=20200101000000Z')")" "12"
is "critical validity control there -> unavailableCriticalExtension" \
  "$(rc_of ldapmodify -x -H "$URI" -D "cn=admin,dc=other,dc=dk" -w "$ROOTPW" -e "$(valid validFrom=20200101000000Z)" -f <(printf 'dn: dc=other,dc=dk\nchangetype: modify\nreplace: o\no: X\n'))" "12"


# --- a rename to a name the entry itself has at the start of the period, -------
# --- while another entry takes that name later in the period -----------------
lmrdn() { ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -r "$@"; }
check "mva from 2040" ladd -e "$(valid validFrom=20400101000000Z)" -f <(person mva Mva)
check "... renamed mvb from 2041" lmrdn -e "$(valid validFrom=20410101000000Z)" "uid=mva,$P" "uid=mvb"
check "another mva 2042-2043" ladd -e "$(valid 'validFrom=20420101000000Z;validTo=20430101000000Z')" -f <(person mva Other)
is "renaming mvb back to mva from 2040 (the other has it in 2042) -> entryAlreadyExists" \
  "$(rc_of lmrdn -e "$(valid validFrom=20400101000000Z)" "uid=mvb,$P" "uid=mva")" "68"
is "... the other keeps its name in 2042" "$(attr_of "uid=mva,$P" sn -E "$(asof 'validAt=20420601000000Z')")" "Other"
is "... and the first entry its own in 2041" "$(attr_of "uid=mvb,$P" sn -E "$(asof 'validAt=20410601000000Z')")" "Mva"


# --- the name as stored (parent, RDN): a parent renamed since ----------------
check "ou=Kin from 2000" ladd -e "$(valid validFrom=20000101000000Z)" \
  -f <(printf 'dn: ou=Kin,%s\nobjectClass: organizationalUnit\nou: Kin\n\ndn: cn=Kid,ou=Kin,%s\nobjectClass: organizationalRole\ncn: Kid\n' "$O" "$O")
check "cn=Sib,ou=Kin 2000-2015" ladd -e "$(valid 'validFrom=20000101000000Z;validTo=20150101000000Z')" \
  -f <(printf 'dn: cn=Sib,ou=Kin,%s\nobjectClass: organizationalRole\ncn: Sib\n' "$O")
check "... renamed ou=Kith from 2020" lmrdn -e "$(valid validFrom=20200101000000Z)" "ou=Kin,$O" "ou=Kith"
is "adding cn=Kid under it for 2010-2015 (when cn=Kid,ou=Kin was there) -> entryAlreadyExists" \
  "$(rc_of ladd -e "$(valid 'validFrom=20100101000000Z;validTo=20150101000000Z')" -f <(printf 'dn: cn=Kid,ou=Kith,%s\nobjectClass: organizationalRole\ncn: Kid\ndescription: second\n' "$O"))" "68"
is "renaming its sibling (there until 2015) to cn=Kid,ou=Kith from 2010 -> entryAlreadyExists" \
  "$(rc_of lmrdn -e "$(valid validFrom=20100101000000Z)" -s "ou=Kith,$O" "cn=Sib,ou=Kin,$O" "cn=Kid")" "68"
is "... as-of 2012: one cn=Kid, the first" "$(lsearch -b "ou=Kin,$O" -E "$(asof 'validAt=20120101000000Z')" '(cn=Kid)' description | grep -c '^dn:')" "1"
is "... and the sibling keeps its name" "$(attr_of "cn=Sib,ou=Kin,$O" cn -E "$(asof 'validAt=20120101000000Z')")" "Sib"


# --- an entity exists once at a time: an add that brings the entryUUID ------
# --- of one with a history is refused where the two would overlap -----------
check "uid=uno from 2000" ladd -e "$(valid validFrom=20000101000000Z)" -f <(person uno Uno)
uno_uuid=$(attr_of "uid=uno,$P" entryUUID)
is "another entry with its entryUUID for 2010 (relax) -> entryAlreadyExists" \
  "$(rc_of ladd -e relax -e "$(valid 'validFrom=20100101000000Z;validTo=20110101000000Z')" -f <(person duo Duo "entryUUID: $uno_uuid"))" "68"
is "... nothing under the other name in 2010" "$(rc_of lsearch -b "uid=duo,$P" -s base -E "$(asof 'validAt=20100601000000Z')")" "32"
is "... the first keeps its history in 2010" "$(attr_of "uid=uno,$P" sn -E "$(asof 'validAt=20100601000000Z')")" "Uno"

finish
