#!/usr/bin/env bash
# The oio overlay's rules and its termination cascade, as ordinary bound
# users meet them (never only the rootdn, who bypasses every ACL):
#
#   uid=org    writes the organisation (units), reads people, sees only the
#              manager posts among the functions (engagements are hidden)
#   uid=hr     writes people and functions, reads units but ou=Secret
#   uid=hrlim  writes people and functions named cn=n-*, sees no other
#              function
#
#  1. a refused termination names only the referrers the requester may
#     see; the others are counted, never named (a hidden engagement's DN
#     names its person);
#  2. a person's termination by a user allowed to delete them ends their
#     functions too (the model's cascade), recorded as the overlay, and
#     the person's as the user; one not allowed is refused (50) and
#     nothing ends;
#  3. the cascade ends what the person's functions own (an address of an
#     engagement); one that cannot end a function does not name a function
#     the requester may not see, nor what keeps it alive;
#  4. a write may refer only to what its requester may see: a hidden target
#     is answered as an absent one, and a rule's text names no hidden entry.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

P="ou=people,$SUFFIX"
F="ou=functions,$SUFFIX"
L="o=line,ou=organisation,$SUFFIX"
A="ou=admins,$SUFFIX"
ORG="uid=org,$A"; HR="uid=hr,$A"; HRLIM="uid=hrlim,$A"
U=00000000-0000-4000-8000-0000000
PBEN=${U}00103 PCARL=${U}00104
ANNA_SN=$(sed -n '/^dn: uid=anna,/,/^$/s/^sn: //p' "$HERE/oio/fixture.ldif")
C_EMAIL=${U}000c6

D=$T_DIR/s
write_conf "$D" \
  "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
  "overlay bitemporal" "overlay oio" \
  "access to attrs=userPassword by self write by anonymous auth by * none" \
  "access to dn.base=\"$F\" attrs=children by dn.exact=\"$HR\" write by dn.exact=\"$HRLIM\" write by * none" \
  "access to dn.regex=\"^cn=n-[^,]+,$F\$\" by dn.exact=\"$HR\" write by dn.exact=\"$HRLIM\" write by * none" \
  "access to dn.regex=\"^cn=m-[^,]+,$F\$\" by dn.exact=\"$ORG\" read by dn.exact=\"$HR\" write by * none" \
  "access to dn.subtree=\"$F\" by dn.exact=\"$HR\" write by * none" \
  "access to dn.subtree=\"ou=Secret,ou=Kommune,$L\" by dn.exact=\"$ORG\" write by * none" \
  "access to dn.subtree=\"$P\" filter=\"(&(title=Head of office)(sn=Boss))\" by dn.exact=\"$ORG\" none by * break" \
  "access to dn.subtree=\"$P\" filter=\"(&(title=Head of office)(uid=anna))\" attrs=uid by dn.exact=\"$ORG\" none by * break" \
  "access to dn.subtree=\"$P\" filter=\"(&(title=Head of office)(uid=dora))\" by dn.exact=\"$ORG\" none by * break" \
  "access to dn.subtree=\"$P\" by dn.exact=\"$HR\" write by dn.exact=\"$HRLIM\" write by dn.exact=\"$ORG\" read by * none" \
  "access to dn.subtree=\"ou=organisation,$SUFFIX\" by dn.exact=\"$ORG\" write by users read by * none" \
  "access to * by users read by * none"
start_slapd "$D" || { not_ok "slapd starts"; finish; exit 1; }

as()   { local who=$1; shift; "$@" -x -H "$URI" -D "uid=$who,$A" -w "pw-$who"; }
ldel() { ldapdelete -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
versions() { lsearch -b "$SUFFIX" -E "$(history_ctl)" '(objectClass=*)' 1.1 | grep -c '^dn:'; }
info() { sed -n 's/^[[:space:]]*additional info: //p' "$T_DIR/last.out" | head -1; }
hist() { lsearch -b "$1" -s base -E "$(history_ctl)" "${@:2}"; }
admin() {  # admin UID
  printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nuserPassword: pw-%s\n\n' \
    "$1" "$A" "$1" "$1" "$1" "$1"
}

check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality loads" ladd -e relax -f "$HERE/oio/fixture.ldif"
check "the admins" ladd -f <(printf 'dn: %s\nobjectClass: organizationalUnit\nou: admins\n\n' "$A"; admin org; admin hr; admin hrlim)
wait_is "derived values follow the load" "+4588881234" val "uid=carl,$P" telephoneNumber
is "org sees the manager post of B" \
  "$(as org ldapsearch -LLL -b "cn=m-b,$F" -s base 1.1 2>/dev/null | grep -c '^dn:')" "1"
is "org does not see ben's engagement (32, as if absent)" \
  "$(rc_of as org ldapsearch -LLL -b "cn=e-ben,$F" -s base 1.1)" "32"

# --- 1. a refused termination names what the requester may see -------------------
sleep 1
before=$(versions)
is "root deletes unit B (engagements of ben and carl, manager post): 19" \
  "$(rc_of ldel "ou=B,ou=A,ou=Kommune,$L")" "19"
t=$(info)
case $t in *"cn=e-ben,$F"*"cn=m-b,$F"*) ok "... the rootdn sees every referrer named" ;;
  *) not_ok "... the rootdn sees every referrer named"; diag "$t" ;; esac
is "org deletes unit B: 19 as well (the rule holds for everyone)" \
  "$(rc_of as org ldapdelete "ou=B,ou=A,ou=Kommune,$L")" "19"
t=$(info)
diag "org is told: $t"
case $t in *"cn=m-b,$F (moRefUnit"*) ok "... naming the manager post org may see" ;;
  *) not_ok "... naming the manager post org may see"; diag "$t" ;; esac
case $t in *e-ben*|*e-carl*|*uid=ben*|*uid=carl*|*$PBEN*|*$PCARL*) not_ok "... and no engagement org may not see"; diag "$t" ;;
  *) ok "... and no engagement org may not see" ;; esac
case $t in *" and 2 more; end or change those first") ok "... which are counted" ;;
  *) not_ok "... which are counted"; diag "$t" ;; esac
is "org deletes unit C (dora's engagement only, hidden from org): 19" \
  "$(rc_of as org ldapdelete "ou=C,ou=Kommune,$L")" "19"
t=$(info)
case $t in *e-dora*|*uid=dora*|*"$F"*) not_ok "... naming nothing org may not see"; diag "$t" ;;
  *) ok "... naming nothing org may not see" ;; esac
case $t in *"it is still referred to by 1 entry you may not see; end or change"*) ok "... saying how many" ;;
  *) not_ok "... saying how many"; diag "$t" ;; esac
is "nothing was stored by the refused terminations" "$(versions)" "$before"

# --- 2. a person's termination by an ordinary user cascades ---------------------
next=$(gt '+1 year')
is "org (reads people) terminates carl from next year: 50" \
  "$(rc_of as org ldapdelete -e "$(valid "validFrom=$next")" "uid=carl,$P")" "50"
is "anonymous terminates carl: 8 (slapd asks for a bind first)" \
  "$(rc_of ldapdelete -x -H "$URI" -e "$(valid "validFrom=$next")" "uid=carl,$P")" "8"
is "nothing was stored by the refused ones" "$(versions)" "$before"
is "carl's engagement is open-ended" "$(val "cn=e-carl,$F" moValidTo)" ""
check "hr terminates carl from next year" as hr ldapdelete -e "$(valid "validFrom=$next")" "uid=carl,$P"
is "carl's engagement ends with him (the cascade)" "$(val "cn=e-carl,$F" moValidTo)" "$next"
is "carl's phone (owned by him) ends with him" "$(val "cn=a-carl-phone,$F" moValidTo)" "$next"
by=$(hist "cn=e-carl,$F" moRecordedBy moValidTo | grep -A1 -i "^moValidTo: $next" | sed -n 's/^moRecordedBy: //p' | sort -u)
[ -n "$by" ] || by=$(hist "cn=e-carl,$F" moRecordedBy moValidTo | awk -v n="$next" '/^dn:/{r="";v=""} /^moRecordedBy:/{r=$2} /^moValidTo:/{v=$2} r!=""&&v==n{print r; r=""}' | sort -u)
is "... recorded as the overlay, not as hr nor the rootdn" "$by" "cn=oio,cn=modir"
by=$(hist "uid=carl,$P" moRecordedBy moVersionOperation | grep -i -B1 -A1 'moVersionOperation: delete' | sed -n 's/^moRecordedBy: //p' | sort -u)
is "carl's own termination is recorded as hr" "$by" "$HR"

# --- 3. what the cascade ends, and what it may name when it cannot ---------------
# an address owned by ben's engagement (not by ben) ends with it: the
# cascade follows moRefOwner from what it ends, or the address would name
# an engagement that is gone
EBEN=$(val "cn=e-ben,$F" entryUUID)
check "an address owned by ben's engagement" ladd -f <(printf 'dn: cn=a-eben,%s\nobjectClass: moAddress\ncn: a-eben\nmoRefOwner: %s\nmoRefAddressType: %s\nmoAddressValue: desk 12\n' "$F" "$EBEN" "$C_EMAIL")
check "hr terminates ben from next year" as hr ldapdelete -e "$(valid "validFrom=$next")" "uid=ben,$P"
is "ben's engagement ends with him" "$(val "cn=e-ben,$F" moValidTo)" "$next"
is "the address his engagement owns ends with it" "$(val "cn=a-eben,$F" moValidTo)" "$next"
# an entry below dora's engagement outlives the date: the engagement
# cannot end, so neither can dora (slapo-oio(5), TERMINATION)
check "an entry below dora's engagement" ladd -f <(printf 'dn: cn=desk,cn=e-dora,%s\nobjectClass: device\ncn: desk\n' "$F")
before=$(versions)
is "root terminates dora: 19 (her engagement cannot end)" "$(rc_of ldel -e "$(valid "validFrom=$next")" "uid=dora,$P")" "19"
t=$(info)
case $t in *"function cn=e-dora,$F cannot be ended"*) ok "... the rootdn is told which function" ;;
  *) not_ok "... the rootdn is told which function"; diag "$t" ;; esac
is "hr (sees functions) terminates dora: 19" "$(rc_of as hr ldapdelete -e "$(valid "validFrom=$next")" "uid=dora,$P")" "19"
t=$(info)
case $t in *"function cn=e-dora,$F cannot be ended"*) ok "... hr is told which function" ;;
  *) not_ok "... hr is told which function"; diag "$t" ;; esac
is "hrlim (sees no function) terminates dora: 19" "$(rc_of as hrlim ldapdelete -e "$(valid "validFrom=$next")" "uid=dora,$P")" "19"
t=$(info)
diag "hrlim is told: $t"
case $t in *e-dora*|*desk*|*"$F"*) not_ok "... hrlim is told neither the function nor what keeps it"; diag "$t" ;;
  *) ok "... hrlim is told neither the function nor what keeps it" ;; esac
case $t in *"cannot terminate uid=dora,$P from $next: a function of theirs that you may not see cannot be ended; nothing was changed"*) ok "... but that one of her functions cannot end" ;;
  *) not_ok "... but that one of her functions cannot end"; diag "$t" ;; esac
is "nothing was stored" "$(versions)" "$before"
is "dora's engagement is open-ended" "$(val "cn=e-dora,$F" moValidTo)" ""
# --- 4. references to what the requester may not see ------------------------------
check "a unit Secret, which only org sees" ladd -f <(printf 'dn: ou=Secret,ou=Kommune,%s\nobjectClass: organizationalUnit\nobjectClass: moOrgUnit\nou: Secret\nmoUserKey: 999\n' "$L")
USEC=$(val "ou=Secret,ou=Kommune,$L" entryUUID)
is "hr does not see it" "$(rc_of as hr ldapsearch -LLL -b "ou=Secret,ou=Kommune,$L" -s base 1.1)" "32"
eng() {  # eng CN PERSON UNIT [PRIMARY]
  printf 'dn: cn=%s,%s\nobjectClass: moEngagement\ncn: %s\nmoRefPerson: %s\nmoRefUnit: %s\nmoPrimary: %s\n' \
    "$1" "$F" "$1" "$2" "$3" "${4:-FALSE}"
}
before=$(versions)
is "hr's engagement in the unit hr may not see: 19" "$(rc_of as hr ldapadd -f <(eng n-x ${U}00102 "$USEC"))" "19"
hid=$(info | sed "s/$USEC/UUID/")
is "hr's engagement in a unit that does not exist: 19" "$(rc_of as hr ldapadd -f <(eng n-x ${U}00102 ${U}0dead))" "19"
abs=$(info | sed "s/${U}0dead/UUID/")
is "... the same answer: the hidden unit is as if absent" "$hid" "$abs"
case $hid in *"does not exist during the whole period"*) ok "... which says it does not exist" ;;
  *) not_ok "... which says it does not exist"; diag "$hid" ;; esac
is "the rootdn's engagement for anna in it is fine" "$(rc_of ladd -f <(eng n-root ${U}00102 "$USEC"))" "0"
# (a history listing cuts anna's versions where her engagements begin)
before=$(versions)
is "hr changes the description of that engagement (its unit unchanged): 0" \
  "$(rc_of as hr ldapmodify -f <(printf 'dn: cn=n-root,%s\nchangetype: modify\nreplace: description\ndescription: desk 7\n' "$F"))" "0"
is "hr gives it a job function (its hidden unit unchanged, so checked again): 0" \
  "$(rc_of as hr ldapmodify -f <(printf 'dn: cn=n-root,%s\nchangetype: modify\nreplace: moRefJobFunction\nmoRefJobFunction: %s\n' "$F" ${U}000c1))" "0"
is "hr writes the hidden unit into it again: 19" \
  "$(rc_of as hr ldapmodify -f <(printf 'dn: cn=n-root,%s\nchangetype: modify\nreplace: moRefUnit\nmoRefUnit: %s\n' "$F" "$USEC"))" "19"
case $(info) in *"moRefUnit: $USEC does not exist during the whole period"*) ok "... as if it did not exist" ;;
  *) not_ok "... as if it did not exist"; diag "$(info)" ;; esac
is "hr moves it to unit C: 0" \
  "$(rc_of as hr ldapmodify -f <(printf 'dn: cn=n-root,%s\nchangetype: modify\nreplace: moRefUnit\nmoRefUnit: %s\n' "$F" ${U}00014))" "0"
PDORA=${U}00105 UC=${U}00014
before=$(versions)
is "hrlim's second primary engagement for dora: 19" "$(rc_of as hrlim ldapadd -f <(eng n-dora $PDORA $UC TRUE))" "19"
t=$(info)
diag "hrlim is told: $t"
case $t in *e-dora*|*"$F"*) not_ok "... not naming dora's engagement, which hrlim may not see"; diag "$t" ;;
  *) ok "... not naming dora's engagement, which hrlim may not see" ;; esac
case $t in *"already has a primary engagement during"*) ok "... but saying why" ;;
  *) not_ok "... but saying why"; diag "$t" ;; esac
is "hr's, who may see it: 19" "$(rc_of as hr ldapadd -f <(eng n-dora $PDORA $UC TRUE))" "19"
case $(info) in *"primary engagement (cn=e-dora,$F) during"*) ok "... naming it" ;;
  *) not_ok "... naming it"; diag "$(info)" ;; esac
is "nothing was stored by the refused ones" "$(versions)" "$before"
# --- 5. rules that name derived values hold at a point in time too -----------------
# an ACL by a derived value (title, written by oio) hides the boss from org;
# an as-of search completes an entry before the ACLs judge it, whatever
# its filter tests
is "org does not see the boss (an ACL on the derived title)" \
  "$(as org ldapsearch -LLL -b "$P" '(uid=boss)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "... nor as of now, searching by uid" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$(gt now)")" '(uid=boss)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "... nor as of now, by base lookup" \
  "$(as org ldapsearch -LLL -b "uid=boss,$P" -s base -E "$(asof "validAt=$(gt now)")" 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "org's base lookup of the boss: 32, as live" \
  "$(rc_of as org ldapsearch -LLL -b "uid=boss,$P" -s base 1.1)" "32"
is "... as of an hour ago: 32 too (hidden is absent)" \
  "$(rc_of as org ldapsearch -LLL -b "uid=boss,$P" -s base -E "$(asof "validAt=$(gt '-1 hour')")" 1.1)" "32"
# an ACL by a derived value that withholds search on uid: org cannot find
# anna by uid, live or at a point (the filter is undefined for org), but
# finds her by her name
is "org cannot find anna by uid (search on uid withheld by her derived title)" \
  "$(as org ldapsearch -LLL -b "$P" '(uid=anna)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "... nor as of now" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$(gt now)")" '(uid=anna)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "... nor as of an hour ago" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$(gt '-1 hour')")" '(uid=anna)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "... but by her surname as of now" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$(gt now)")" "(sn=$ANNA_SN)" 1.1 2>/dev/null | grep -c '^dn:')" "1"
is "... while org sees dora as of now by uid" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$(gt now)")" '(uid=dora)' 1.1 2>/dev/null | grep -c '^dn:')" "1"
# today's visibility, with today's derived values, decides what of the past
# is shown: dora becomes head of office now, which hides her from org; her
# past as a clerk (visible then by the same rule) is hidden with her
hour=$(gt '-1 hour')
is "before: org finds dora as of an hour ago" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$hour")" '(uid=dora)' 1.1 2>/dev/null | grep -c '^dn:')" "1"
check "dora's engagement gets the job function Boss (title Head of office) now" \
  lmodify -f <(printf 'dn: cn=e-dora,%s\nchangetype: modify\nreplace: moRefJobFunction\nmoRefJobFunction: %s\n' "$F" ${U}000c2)
wait_is "... derived live" "Head of office" val "uid=dora,$P" title
is "org's base lookup of dora now: 32" "$(rc_of as org ldapsearch -LLL -b "uid=dora,$P" -s base 1.1)" "32"
is "org's base lookup of dora as of an hour ago (a clerk then): 32" \
  "$(rc_of as org ldapsearch -LLL -b "uid=dora,$P" -s base -E "$(asof "validAt=$hour")" 1.1)" "32"
is "... by uid: nothing" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$hour")" '(uid=dora)' 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "... in her history: nothing" \
  "$(as org ldapsearch -LLL -b "uid=dora,$P" -s base -E "$(history_ctl)" 1.1 2>/dev/null | grep -c '^dn:')" "0"
is "the rootdn sees her as a clerk an hour ago" \
  "$(val "uid=dora,$P" title -E "$(asof "validAt=$hour")")" "Clerk"
# her values at that hour are kept now (oio_asof.c, computed for the
# rootdn): what is kept hides nothing the rules hide
is "org's base lookup of dora as of that hour after the rootdn's (values kept): 32" \
  "$(rc_of as org ldapsearch -LLL -b "uid=dora,$P" -s base -E "$(asof "validAt=$hour")" 1.1)" "32"
is "... by her title then: not her (other clerks may be found)" \
  "$(as org ldapsearch -LLL -b "$P" -E "$(asof "validAt=$hour")" '(title=Clerk)' 1.1 2>/dev/null | grep -ci '^dn: uid=dora,')" "0"
is "anonymous base lookup of dora as of that hour: 32" \
  "$(rc_of ldapsearch -x -H "$URI" -LLL -b "uid=dora,$P" -s base -E "$(asof "validAt=$hour")" 1.1)" "32"
finish
