#!/usr/bin/env bash
# The OIO model overlay: derived attributes on a small municipality and on a
# generated one (checked against the generator's own truth), the scenarios
# of the issue (a manager starting next month, a vacant post, a unit moved,
# a dated termination), integrity over time, and consumers we did not write
# (a phone-book query as anonymous, an IAM client with python-ldap).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

D=$T_DIR/s
write_conf "$D" \
  "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
  "access to dn.subtree=\"ou=functions,$SUFFIX\" by users read by * none" \
  "access to attrs=userPassword by anonymous auth by * none" \
  "access to * by * read" \
  "overlay bitemporal" "overlay oio"
sed -i 's/^rootpw secret$/rootpw secret\nlimits users size=unlimited/' "$D/slapd.conf"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
F="ou=functions,$SUFFIX"
L="o=line,ou=organisation,$SUFFIX"


check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality loads (ldapadd -e relax, references checked in order)" \
  ladd -e relax -f "$HERE/oio/fixture.ldif"

# --- derived attributes -----------------------------------------------------
wait_is "derived values follow the load (carl's public phone, the last entry)" "+4588881234" val "uid=carl,$P" telephoneNumber
is "ben's title from his primary engagement" "$(val "uid=ben,$P" title)" "Clerk"
is "ben's ou and departmentNumber from the engagement's unit" "$(val "uid=ben,$P" ou) $(val "uid=ben,$P" departmentNumber)" "B 111"
is "ben's employeeNumber and employeeType" "$(val "uid=ben,$P" employeeNumber) $(val "uid=ben,$P" employeeType)" "9003 Ansat"
is "vacant post in B: ben's manager is inherited from A" "$(val "uid=ben,$P" manager)" "uid=anna,$P"
is "anna manages A: her manager is the one above, never herself" "$(val "uid=anna,$P" manager)" "uid=boss,$P"
is "the top manager has none" "$(val "uid=boss,$P" manager)" ""
is "public e-mail published" "$(val "uid=ben,$P" mail)" "ben@kommune.dk"
is "secret phone never published" "$(val "uid=ben,$P" telephoneNumber)" ""
is "active flag" "$(val "uid=dora,$P" moActive)" "TRUE"
is "anna's direct reports" "$(val "uid=anna,$P" moDirectReports)" "uid=ben,$P uid=carl,$P"
is "unit path" "$(val "ou=B,ou=A,ou=Kommune,$L" moUnitPath)" 'Kommune\A\B'
is "unit's inherited manager" "$(val "ou=B,ou=A,ou=Kommune,$L" moUnitManagerDN)" "uid=anna,$P"
is "C has no post: inherited from the top" "$(val "ou=C,ou=Kommune,$L" moUnitManagerDN)" "uid=boss,$P"

# --- a new manager starting "next month" (here: in 3 s) ------------------------
due=$(gt '+3 seconds')
check "carl becomes manager of B from a date" lmodify -e "$(valid "validFrom=$due")" \
  -f <(printf 'dn: cn=m-b,%s\nchangetype: modify\nadd: moRefPerson\nmoRefPerson: 00000000-0000-4000-8000-000000000104\n' "$F")
is "until then ben still reports to anna" "$(val "uid=ben,$P" manager)" "uid=anna,$P"
wait_is "when due, ben's manager changes by itself" "uid=carl,$P" val "uid=ben,$P" manager
is "carl, manager of B, reports to anna (not himself)" "$(val "uid=carl,$P" manager)" "uid=anna,$P"
is "carl's direct reports" "$(val "uid=carl,$P" moDirectReports)" "uid=ben,$P"
is "the unit shows its new manager" "$(val "ou=B,ou=A,ou=Kommune,$L" moUnitManagerDN)" "uid=carl,$P"

# --- a vacant post points one level up -------------------------------------------
check "the post in B becomes vacant" lmodify \
  -f <(printf 'dn: cn=m-b,%s\nchangetype: modify\ndelete: moRefPerson\n' "$F")
wait_is "vacant: ben's manager is one level up again" "uid=anna,$P" val "uid=ben,$P" manager

# --- a unit moves to another parent -----------------------------------------------
check "B moves under C" ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -s "ou=C,ou=Kommune,$L" "ou=B,ou=A,ou=Kommune,$L" "ou=B"
wait_is "the path follows" 'Kommune\C\B' val "ou=B,ou=C,ou=Kommune,$L" moUnitPath
wait_is "and the inherited manager (C has none: the top)" "uid=boss,$P" val "uid=ben,$P" manager
is "anna no longer has direct reports" "$(val "uid=anna,$P" moDirectReports)" ""

# --- a class renamed: its users follow -----------------------------------------
check "the job function class Clerk gets a new name" lmodify \
  -f <(printf 'dn: cn=Clerk,cn=engagement_job_function,ou=classification,%s\nchangetype: modify\nreplace: moName\nmoName: Case worker\n' "$SUFFIX")
wait_is "its users' titles follow" "Case worker" val "uid=dora,$P" title

# --- integrity over time ------------------------------------------------------
eng() {  # eng CN PERSON UNIT JOBFN PRIMARY
  printf 'dn: cn=%s,%s\nobjectClass: moEngagement\ncn: %s\nmoRefPerson: %s\nmoRefUnit: %s\nmoRefJobFunction: %s\nmoPrimary: %s\n' \
    "$1" "$F" "$1" "$2" "$3" "$4" "$5"
}
before=$(lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' 1.1 | grep -c '^dn:')
is "an engagement in a unit that does not exist -> constraintViolation" \
  "$(rc_of ladd -f <(eng x1 00000000-0000-4000-8000-000000000105 00000000-0000-4000-8000-00000000dead 00000000-0000-4000-8000-0000000000c1 FALSE))" "19"
grep -q 'moRefUnit: 00000000-0000-4000-8000-00000000dead does not exist' "$T_DIR/last.out" && ok "... naming the reference" || not_ok "... naming the reference"
is "an engagement from before its unit existed -> constraintViolation" \
  "$(rc_of ladd -e "$(valid validFrom=19990101000000Z)" -f <(eng x2 00000000-0000-4000-8000-000000000105 00000000-0000-4000-8000-000000000014 00000000-0000-4000-8000-0000000000c1 FALSE))" "19"
grep -q 'does not exist during the whole period \[19990101000000Z, infinity)' "$T_DIR/last.out" && ok "... naming the period" || not_ok "... naming the period"
is "a job function from the wrong facet -> constraintViolation" \
  "$(rc_of ladd -f <(eng x3 00000000-0000-4000-8000-000000000105 00000000-0000-4000-8000-000000000014 00000000-0000-4000-8000-0000000000c4 FALSE))" "19"
is "a second primary engagement -> constraintViolation" \
  "$(rc_of ladd -f <(eng x4 00000000-0000-4000-8000-000000000105 00000000-0000-4000-8000-000000000014 00000000-0000-4000-8000-0000000000c1 TRUE))" "19"
grep -q 'already has a primary engagement' "$T_DIR/last.out" && ok "... saying why" || not_ok "... saying why"
is "a derived attribute cannot be written by clients" \
  "$(rc_of lmodify -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nreplace: title\ntitle: Emperor\n' "$P"))" "19"
is "a reference turned into one to a missing object -> constraintViolation" \
  "$(rc_of lmodify -f <(printf 'dn: cn=e-dora,%s\nchangetype: modify\nreplace: moRefUnit\nmoRefUnit: 00000000-0000-4000-8000-00000000dead\n' "$F"))" "19"
after=$(lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' 1.1 | grep -c '^dn:')
is "nothing was written by any refused write" "$after" "$before"
check "a non-primary second engagement is fine" ladd -f <(eng x5 00000000-0000-4000-8000-000000000105 00000000-0000-4000-8000-000000000012 00000000-0000-4000-8000-0000000000c1 FALSE)

# --- consumers we did not write ------------------------------------------------
pb=$(ldapsearch -x -H "$URI" -LLL -b "$P" '(|(cn=*ben*)(mail=*ben*)(telephoneNumber=*1234*))' cn mail telephoneNumber mobile title 2>&1)
is "phone-book query as anonymous finds ben and carl" "$(grep -c '^dn:' <<<"$pb")" "2"
if grep -q '99991234' <<<"$pb"; then not_ok "no secret number in the phone book"; else ok "no secret number in the phone book"; fi
is "anonymous cannot read the address records themselves" \
  "$(ldapsearch -x -H "$URI" -LLL -b "$F" '(moAddressValue=*)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
future=$(gt "+1 year")
iam=$(/usr/bin/python3 "$HERE/oio/iam_client.py" "$URI" "$ROOTDN" "$ROOTPW" "$P" ben "20100101000000Z" "$future" 2>&1)
is "IAM client: all active employees in one paged search" "$(sed -n 1p <<<"$iam")" "now 5 ben:B:Case worker:uid=boss,$P:ben@kommune.dk"
is "IAM client: as-of a past date (B under A, vacant: anna)" "$(sed -n 2p <<<"$iam")" "20100101000000Z 5 ben:B:Clerk:uid=anna,$P:ben@kommune.dk"
is "IAM client: as-of a future date" "$(sed -n 3p <<<"$iam")" "$future 5 ben:B:Case worker:uid=boss,$P:ben@kommune.dk"

# --- a person terminated with a date ---------------------------------------------
end=$(gt '+3 seconds')
check "ben is terminated in 3 s" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e "$(valid "validFrom=$end")" "uid=ben,$P"
mid=$(gt now)
wait_is "ben disappears from the live view when due" "32" rc_of lsearch -b "uid=ben,$P" -s base
is "his engagement ended with him" "$(rc_of lsearch -b "cn=e-ben,$F" -s base)" "32"
is "his addresses too" "$(rc_of lsearch -b "cn=a-ben-mail,$F" -s base)" "32"
is "found as-of before the termination" "$(val "uid=ben,$P" sn -E "$(asof "validAt=$mid")")" "Bech"
is "with the title he had then" "$(val "uid=ben,$P" title -E "$(asof "validAt=$mid")")" "Case worker"
wait_is "carl no longer has direct reports" "" val "uid=carl,$P" moDirectReports
check "terminating a manager with oio-terminated-managers=terminate ends the post" \
  ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=anna,$P"
is "anna's post is gone" "$(rc_of lsearch -b "cn=m-a,$F" -s base)" "32"
wait_is "A's unit manager is inherited from the top again" "uid=boss,$P" val "ou=A,ou=Kommune,$L" moUnitManagerDN

# --- oio-terminated-managers vacate: the post stays, without its person ---------
V=$T_DIR/v
write_conf "$V" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio" "oio-terminated-managers vacate"
start_slapd "$V" || not_ok "slapd starts with oio-terminated-managers vacate"
ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5) >/dev/null 2>&1
check "the small municipality loads again" ladd -e relax -f "$HERE/oio/fixture.ldif"
wait_is "ben reports to anna" "uid=anna,$P" val "uid=ben,$P" manager
check "anna is terminated" ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=anna,$P"
is "her post in A stays" "$(rc_of lsearch -b "cn=m-a,$F" -s base)" "0"
is "... vacant" "$(val "cn=m-a,$F" moRefPerson)" ""
is "her engagement ended" "$(rc_of lsearch -b "cn=e-anna,$F" -s base)" "32"
wait_is "ben's manager is inherited from the top" "uid=boss,$P" val "uid=ben,$P" manager
stop_slapd "$V/slapd.pid"

# --- the generated municipality against the generator's own truth -----------
G=$T_DIR/gen
write_conf "$G" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio"
now=$(gt now)
"$TOP/tools/modir-gen" --employees "${MODIR_OIO_EMPLOYEES:-400}" --seed 3 --now "$now" --validity \
  -o "$T_DIR/base.ldif" --history "$T_DIR/hist.ldif" --truth "$T_DIR/truth.json"
check "generated base loads with slapadd" "$SLAPADD" -q -f "$G/slapd.conf" -l "$T_DIR/base.ldif"
start_slapd "$G" || not_ok "slapd starts on the generated data"
check "five years of dated changes replay through the overlays" \
  ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e relax -f "$T_DIR/hist.ldif"
for i in $(seq 1 20); do
  /usr/bin/python3 "$HERE/oio/check_derived.py" "$URI" "$ROOTDN" "$ROOTPW" "$T_DIR/truth.json" >"$T_DIR/derived.out" 2>&1 && break
  sleep 0.5
done
cat "$T_DIR/derived.out"
T_NUM=$((T_NUM + $(grep -c '^ok\|^not ok' "$T_DIR/derived.out")))
T_FAIL=$((T_FAIL + $(grep -c '^not ok' "$T_DIR/derived.out")))

# as-of reads of one entry (its inputs only) against the whole organisation
# at the same point, at now (and the truth), during and before the history
/usr/bin/python3 "$HERE/oio/check_asof_one.py" "$URI" "$ROOTDN" "$ROOTPW" "$T_DIR/truth.json" \
  "$(gt now)" "$(gt '-6 months')" "$(gt '-2 years')" "$(gt '-4 years')" "$(gt '+1 year')" >"$T_DIR/asof.out" 2>&1
cat "$T_DIR/asof.out"
T_NUM=$((T_NUM + $(grep -c '^ok\|^not ok' "$T_DIR/asof.out")))
T_FAIL=$((T_FAIL + $(grep -c '^not ok' "$T_DIR/asof.out")))

finish
