#!/usr/bin/env bash
# The OIO model's rules of issue 13, on the small municipality of t_oio:
#  1. an address without a visibility class is public (live and as-of);
#  2. moCPRNumber is exactly 10 digits (add, modify, dated or not, modrdn);
#  3. a related-units entry names exactly two distinct units, existing
#     during its period;
#  4. terminating or deleting an object that others still refer to is
#     refused, naming the referrers and the period (a person's termination
#     still cascades).
# A refused write is constraintViolation (19) with a text naming the rule,
# and stores nothing (the history count stays).
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

D=$T_DIR/s
write_conf "$D" \
  "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
  "overlay bitemporal" "overlay oio"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }
P="ou=people,$SUFFIX"
F="ou=functions,$SUFFIX"
L="o=line,ou=organisation,$SUFFIX"
U=00000000-0000-4000-8000-0000000
# units Kommune A B C, people boss anna ben carl dora
UK=${U}00011 UA=${U}00012 UB=${U}00013 UC=${U}00014
PBEN=${U}00103 PDORA=${U}00105
C_EMAIL=${U}000c6 C_PHONE=${U}000c7 C_SECRET=${U}000c5 C_CLERK=${U}000c1

versions() { lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' 1.1 | grep -c '^dn:'; }
says() {  # says DESC PATTERN: the last client output contains PATTERN
  if grep -q -- "$2" "$T_DIR/last.out"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$T_DIR/last.out" | head -5; fi
}

check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality loads" ladd -e relax -f "$HERE/oio/fixture.ldif"
wait_is "derived values follow the load" "+4588881234" val "uid=carl,$P" telephoneNumber

# --- 1. an address without visibility is public --------------------------------
addr() {  # addr CN OWNER TYPE VALUE [VISIBILITY]
  printf 'dn: cn=%s,%s\nobjectClass: moAddress\ncn: %s\nmoRefOwner: %s\nmoRefAddressType: %s\nmoAddressValue: %s\n' \
    "$1" "$F" "$1" "$2" "$3" "$4"
  [ -n "${5:-}" ] && printf 'moRefVisibility: %s\n' "$5"
  return 0
}
check "dora gets an e-mail address without visibility, from 2010" \
  ladd -e "$(valid validFrom=20100101000000Z)" -f <(addr a-dora-mail $PDORA $C_EMAIL dora@kommune.dk)
check "and a secret phone" ladd -f <(addr a-dora-phone $PDORA $C_PHONE +4577771234 $C_SECRET)
wait_is "no visibility = public: dora's mail is derived" "dora@kommune.dk" val "uid=dora,$P" mail
is "the secret phone stays hidden" "$(val "uid=dora,$P" telephoneNumber)" ""
is "as-of 2015: the mail is there" "$(val "uid=dora,$P" mail -E "$(asof validAt=20150101000000Z)")" "dora@kommune.dk"
is "as-of 2005, before the address: none" "$(val "uid=dora,$P" mail -E "$(asof validAt=20050101000000Z)")" ""
check "ben's secret phone loses its visibility class" \
  lmodify -f <(printf 'dn: cn=a-ben-phone,%s\nchangetype: modify\ndelete: moRefVisibility\n' "$F")
wait_is "... and is public from then on" "+4599991234" val "uid=ben,$P" telephoneNumber
sleep 1; mid=$(gt now); sleep 1
check "it becomes secret again" \
  lmodify -f <(printf 'dn: cn=a-ben-phone,%s\nchangetype: modify\nadd: moRefVisibility\nmoRefVisibility: %s\n' "$F" $C_SECRET)
wait_is "... and is hidden again" "" val "uid=ben,$P" telephoneNumber
is "as-of the moment it had none: public" "$(val "uid=ben,$P" telephoneNumber -E "$(asof "validAt=$mid")")" "+4599991234"
pb=$(ldapsearch -x -H "$URI" -LLL -b "$P" '(mail=dora*)' mail 2>&1)
is "the phone book (anonymous) finds dora by her mail" "$(grep -c '^dn:' <<<"$pb")" "1"

# --- a derived attribute is a set ------------------------------------------------
# Two of dora's public addresses equal under mail's equality (case aside):
# slapd refuses a write naming one value twice, so the overlay derives the
# value once; before, every write of dora's derived values was refused (and
# retried every second), so nothing else of hers followed either.
check "dora gets a second e-mail address, the same but for case" \
  ladd -f <(addr a-dora-mail2 $PDORA $C_EMAIL DORA@Kommune.dk)
check "and a public phone" ladd -f <(addr a-dora-phone2 $PDORA $C_PHONE +4566661234)
wait_is "her phone is derived: the write with two equal mails is not refused" \
  "+4566661234" val "uid=dora,$P" telephoneNumber
is "her mail is one value, the one that sorts first" "$(val "uid=dora,$P" mail)" "DORA@Kommune.dk"
is "as-of now too" "$(val "uid=dora,$P" mail -E "$(asof validAt=$(gt now))")" "DORA@Kommune.dk"
check "the second mail and the phone go again" \
  ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "cn=a-dora-mail2,$F" "cn=a-dora-phone2,$F"
wait_is "... and her mail is the first one again" "dora@kommune.dk" val "uid=dora,$P" mail
# An address value the derived attribute cannot hold (mail is IA5String:
# no 'ø') is not published; before, it made every write of dora's derived
# values fail, as above.
check "dora gets an e-mail address mail cannot hold" \
  ladd -f <(addr a-dora-mail3 $PDORA $C_EMAIL jørgen@kommune.dk)
check "and a public phone" ladd -f <(addr a-dora-phone3 $PDORA $C_PHONE +4566665678)
wait_is "her phone is derived: the write is not refused" "+4566665678" val "uid=dora,$P" telephoneNumber
is "her mail: the one mail can hold" "$(val "uid=dora,$P" mail)" "dora@kommune.dk"
is "as-of now too" "$(val "uid=dora,$P" mail -E "$(asof validAt=$(gt now))")" "dora@kommune.dk"
check "the two addresses go again" \
  ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "cn=a-dora-mail3,$F" "cn=a-dora-phone3,$F"
wait_is "... and her phone with them" "" val "uid=dora,$P" telephoneNumber

# --- 2. CPR numbers: exactly 10 digits ------------------------------------------
person() {  # person UID CPR
  printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nobjectClass: moPerson\nuid: %s\ncn: %s\nsn: %s\nmoCPRNumber: %s\n' \
    "$1" "$P" "$1" "$1" "$1" "$2"
}
before=$(versions)
is "a CPR number of 9 digits -> constraintViolation" "$(rc_of ladd -f <(person eva 010180123))" "19"
says "... naming the attribute" "moCPRNumber must be 10 digits"
is "of 11 digits -> constraintViolation" "$(rc_of ladd -f <(person eva 01018012345))" "19"
is "10 characters with a space -> constraintViolation" "$(rc_of ladd -f <(person eva '01018 1234'))" "19"
is "dated add -> constraintViolation" "$(rc_of ladd -e "$(valid validFrom=20200101000000Z)" -f <(person eva 12345))" "19"
is "add with relax -> constraintViolation (no import bypasses it)" "$(rc_of ladd -e relax -f <(person eva 12345))" "19"
is "letters: refused by the numericString syntax" "$(rc_of ladd -f <(person eva 01018o1234))" "21"
is "modify to a short CPR -> constraintViolation" \
  "$(rc_of lmodify -f <(printf 'dn: uid=dora,%s\nchangetype: modify\nreplace: moCPRNumber\nmoCPRNumber: 0101\n' "$P"))" "19"
says "... naming the attribute" "moCPRNumber must be 10 digits"
is "dated modify (from next year) to a long CPR -> constraintViolation" \
  "$(rc_of lmodify -e "$(valid "validFrom=$(gt '+1 year')")" -f <(printf 'dn: uid=dora,%s\nchangetype: modify\nadd: moCPRNumber\nmoCPRNumber: 01018012345678\n' "$P"))" "19"
is "a CPR number as a new RDN -> constraintViolation" \
  "$(rc_of ldapmodrdn -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "uid=carl,$P" "moCPRNumber=123")" "19"
is "nothing was stored by any refused write" "$(versions)" "$before"
is "dora has no CPR number" "$(val "uid=dora,$P" moCPRNumber)" ""
check "a person with a 10-digit CPR number is added" ladd -f <(person eva 0101801234)
check "a dated modify to another 10-digit number" \
  lmodify -e "$(valid "validFrom=$(gt '+1 year')")" -f <(printf 'dn: uid=eva,%s\nchangetype: modify\nreplace: moCPRNumber\nmoCPRNumber: 0202801234\n' "$P")
is "eva's CPR now" "$(val "uid=eva,$P" moCPRNumber)" "0101801234"

# --- 3. related units: exactly two distinct units ---------------------------------
rel() {  # rel CN UNIT...
  local cn=$1 u; shift
  printf 'dn: cn=%s,%s\nobjectClass: moRelatedUnits\ncn: %s\n' "$cn" "$F" "$cn"
  for u in "$@"; do printf 'moRefRelatedUnit: %s\n' "$u"; done
}
before=$(versions)
is "related units naming one unit -> constraintViolation" "$(rc_of ladd -f <(rel r1 $UA))" "19"
says "... saying what is wrong" "moRefRelatedUnit.*exactly two"
is "naming three units -> constraintViolation" "$(rc_of ladd -f <(rel r1 $UA $UB $UC))" "19"
is "naming one unit twice (another spelling) -> refused" \
  "$(rc_of ladd -f <(rel r1 $UA "$(tr a-f A-F <<<"$UA")"))" "20"
is "naming a person -> constraintViolation" "$(rc_of ladd -f <(rel r1 $UA $PBEN))" "19"
says "... not a unit" "is not a moOrgUnit"
is "naming a unit that does not exist -> constraintViolation" "$(rc_of ladd -f <(rel r1 $UA ${U}0dead))" "19"
is "dated from before the unit existed -> constraintViolation" \
  "$(rc_of ladd -e "$(valid validFrom=19990101000000Z)" -f <(rel r1 $UA $UC))" "19"
is "nothing was stored" "$(versions)" "$before"
check "a pair of units is fine" ladd -f <(rel r-ac $UA $UC)
before=$(versions)
is "removing one of the pair -> constraintViolation" \
  "$(rc_of lmodify -f <(printf 'dn: cn=r-ac,%s\nchangetype: modify\ndelete: moRefRelatedUnit\nmoRefRelatedUnit: %s\n' "$F" $UC))" "19"
says "... saying what is wrong" "moRefRelatedUnit.*exactly two"
is "adding a third -> constraintViolation" \
  "$(rc_of lmodify -f <(printf 'dn: cn=r-ac,%s\nchangetype: modify\nadd: moRefRelatedUnit\nmoRefRelatedUnit: %s\n' "$F" $UB))" "19"
is "dated: replaced by one unit from next year -> constraintViolation" \
  "$(rc_of lmodify -e "$(valid "validFrom=$(gt '+1 year')")" -f <(printf 'dn: cn=r-ac,%s\nchangetype: modify\nreplace: moRefRelatedUnit\nmoRefRelatedUnit: %s\n' "$F" $UB))" "19"
says "... naming the period" "exactly two.*during \[$(gt '+1 year' | cut -c1-8)"
is "nothing was stored" "$(versions)" "$before"
check "replaced by another pair" \
  lmodify -f <(printf 'dn: cn=r-ac,%s\nchangetype: modify\nreplace: moRefRelatedUnit\nmoRefRelatedUnit: %s\nmoRefRelatedUnit: %s\n' "$F" $UA $UB)
is "the pair now" "$(val "cn=r-ac,$F" moRefRelatedUnit)" "$UA $UB"

# --- 4. terminating what others refer to -------------------------------------------
ldel() { ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
live() { rc_of lsearch -b "$1" -s base 1.1; }
IT="ou=classification,$SUFFIX"
check "an IT system" ladd -f <(printf 'dn: cn=AD,%s\nobjectClass: moITSystem\ncn: AD\nmoUserKey: AD\n' "$IT")
SYS=$(val "cn=AD,$IT" entryUUID)
check "dora's account in it" ladd -f <(printf 'dn: cn=u-dora,%s\nobjectClass: moITUser\ncn: u-dora\nmoRefITSystem: %s\nmoUserName: dora\nmoRefPerson: %s\n' "$F" "$SYS" $PDORA)
check "a unit D with no one in it" ladd -f <(printf 'dn: ou=D,ou=Kommune,%s\nobjectClass: organizationalUnit\nobjectClass: moOrgUnit\nou: D\nmoUserKey: 130\n' "$L")
UD=$(val "ou=D,ou=Kommune,$L" entryUUID)
check "C and D are related" ladd -f <(rel r-cd $UC "$UD")
check "a second (non-primary) engagement with job function Clerk" \
  ladd -f <(printf 'dn: cn=e-dora2,%s\nobjectClass: moEngagement\ncn: e-dora2\nmoRefPerson: %s\nmoRefUnit: %s\nmoRefJobFunction: %s\nmoPrimary: FALSE\n' "$F" $PDORA $UC $C_CLERK)
sleep 1
before=$(versions)
is "deleting a unit with engagements and a manager post -> constraintViolation" \
  "$(rc_of ldel "ou=B,ou=A,ou=Kommune,$L")" "19"
says "... naming the referrers" "cn=e-ben,$F (moRefUnit, during \["
says "... the manager post too" "cn=m-b,$F (moRefUnit"
says "... and the termination date" "cannot terminate ou=B,ou=A,ou=Kommune,$L from "
is "deleting an IT system with IT users -> constraintViolation" "$(rc_of ldel "cn=AD,$IT")" "19"
says "... naming the IT user" "cn=u-dora,$F (moRefITSystem"
is "deleting a class used as job function -> constraintViolation" \
  "$(rc_of ldel "cn=Clerk,cn=engagement_job_function,$IT")" "19"
says "... naming a few of its users and how many more" "moRefJobFunction.* and 1 more; end or change those first"
diag "$(grep -i "additional info" "$T_DIR/last.out")"
is "deleting a unit named by a related-units entry -> constraintViolation" "$(rc_of ldel "ou=D,ou=Kommune,$L")" "19"
says "... naming the pair" "cn=r-cd,$F (moRefRelatedUnit"
next=$(gt '+1 year')
is "a dated termination of a unit from next year -> constraintViolation" \
  "$(rc_of ldel -e "$(valid "validFrom=$next")" "ou=C,ou=Kommune,$L")" "19"
says "... naming the period from then" "cn=e-dora,$F (moRefUnit, during \[$next, infinity))"
is "nothing was stored by any refused termination" "$(versions)" "$before"
is "the unit is still there" "$(live "ou=B,ou=A,ou=Kommune,$L")" "0"
is "the IT system too" "$(live "cn=AD,$IT")" "0"
t1=$(gt '+1 year'); t2=$(gt '+2 years')
check "dora's account ends next year" ldel -e "$(valid "validFrom=$t1")" "cn=u-dora,$F"
is "the IT system cannot end now, before its account does" "$(rc_of ldel "cn=AD,$IT")" "19"
says "... naming the account's remaining period" "cn=u-dora,$F (moRefITSystem, during \[[0-9]*Z, $t1))"
check "it can end after its account does" ldel -e "$(valid "validFrom=$t2")" "cn=AD,$IT"
is "... and is live until then" "$(live "cn=AD,$IT")" "0"
check "the related-units entry is deleted" ldel "cn=r-cd,$F"
check "then the unit it named can be" ldel "ou=D,ou=Kommune,$L"
is "D is gone" "$(live "ou=D,ou=Kommune,$L")" "32"
# due changes that end a referrer and its target together fall due by themselves
check "an IT system" ladd -f <(printf 'dn: cn=SD,%s\nobjectClass: moITSystem\ncn: SD\nmoUserKey: SD\n' "$IT")
SD=$(val "cn=SD,$IT" entryUUID)
check "... and an account in it" ladd -f <(printf 'dn: cn=u-ben,%s\nobjectClass: moITUser\ncn: u-ben\nmoRefITSystem: %s\nmoUserName: ben\n' "$F" "$SD")
soon=$(gt '+3 seconds')
check "both end in 3 s (the account first)" ldel -e "$(valid "validFrom=$soon")" "cn=u-ben,$F"
check "... then the system" ldel -e "$(valid "validFrom=$soon")" "cn=SD,$IT"
wait_is "when due, the account is gone" "32" live "cn=u-ben,$F"
wait_is "... and the system too" "32" live "cn=SD,$IT"
# ... also those the cascade of a person's dated termination records
check "carl's engagement owns an address (his office)" \
  ladd -f <(addr a-carl-office ${U}00204 $C_PHONE +4566661234)
soon=$(gt '+3 seconds')
check "carl is terminated in 3 s" ldel -e "$(valid "validFrom=$soon")" "uid=carl,$P"
wait_is "when due, his engagement ends (its activation is not refused for the address)" "32" live "cn=e-carl,$F"
# a person's termination still ends their functions with them
check "terminating dora (engagements, addresses, an account) is the model's cascade" ldel "uid=dora,$P"
is "her engagement ended with her" "$(live "cn=e-dora,$F")" "32"
check "now C has no one and can end" ldel "ou=C,ou=Kommune,$L"

finish
