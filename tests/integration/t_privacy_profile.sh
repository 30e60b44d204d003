#!/usr/bin/env bash
# The privacy profile (contrib/acl, issue 10) on the small municipality:
# each role on each path (plain, as-of, history), a filter probe on the CPR
# number, hidden subtrees answering like absent ones, dated writes; the
# slapd.conf and cn=config forms of the profile agree.  The staff accounts
# (IAM, auditor, admins) bind over StartTLS, as the profile demands.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PROFILE=$TOP/contrib/acl/privacy-profile.sh
P="ou=people,$SUFFIX"; F="ou=functions,$SUFFIX"; S="ou=system,$SUFFIX"

"$PROFILE" "$SUFFIX" conf > "$T_DIR/profile.conf"
# the staff accounts bind over StartTLS only (t_tls): a CA of the test's own
bash "$TOP/contrib/tls/make-ca.sh" "$T_DIR/tls" >/dev/null 2>&1 || not_ok "make-ca.sh"
export EXTRA_GLOBAL="TLSCACertificateFile $T_DIR/tls/ca.crt
TLSCertificateFile $T_DIR/tls/server.crt
TLSCertificateKeyFile $T_DIR/tls/server.key"
export LDAPTLS_CACERT=$T_DIR/tls/ca.crt
D=$T_DIR/s
write_conf "$D" "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
  "include $T_DIR/profile.conf" "overlay bitemporal" "overlay oio"
sed -i 's/^rootpw secret$/rootpw secret\nlimits users size=unlimited/' "$D/slapd.conf"
start_slapd "$D" || { not_ok "slapd starts with the profile"; finish; exit 1; }

accounts() {
  printf 'dn: %s\nobjectClass: organizationalUnit\nou: system\n\n' "$S"
  for a in phonebook iam auditor diradmin; do
    printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: %s\nuserPassword: pw-%s\n\n' "$a" "$S" "$a" "$a"
  done
  printf 'dn: cn=admins,%s\nobjectClass: groupOfNames\ncn: admins\nmember: cn=diradmin,%s\n\n' "$S" "$S"
}
check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality" ladd -e relax -f "$HERE/oio/fixture.ldif"
check "system accounts" ladd -f <(accounts)
check "ben has a CPR number (as rootdn)" lmodify -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nadd: moCPRNumber\nmoCPRNumber: 0101901234\n' "$P")
check "ben (a plain user) has a password" lmodify -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: pw-ben\n' "$P")
for i in $(seq 1 40); do [ -n "$(lsearch -b "uid=ben,$P" -s base title | grep '^title:')" ] && break; sleep 0.25; done

who() {  # who ROLE: bind arguments
  case $1 in
    anonymous) echo "-x" ;;
    phonebook) echo "-x -D cn=$1,$S -w pw-$1" ;;
    user) echo "-x -D uid=ben,$P -w pw-ben" ;;	# a plain user: ben himself
    *) echo "-x -ZZ -D cn=$1,$S -w pw-$1" ;;
  esac
}
rsearch() { local r=$1; shift; ldapsearch $(who "$r") -H "$URI" -LLL -o ldif-wrap=no "$@" 2>/dev/null; }
rrc() { local r=$1; shift; ldapsearch $(who "$r") -H "$URI" -LLL "$@" >/dev/null 2>&1; echo $?; }
ctl_of() {  # ctl_of PATH: sets ctl
  case $1 in
    plain) ctl=() ;;
    asof) ctl=(-E "$(asof "validAt=$(gt now)")") ;;
    asof-past) ctl=(-E "$(asof "validAt=20100101000000Z")") ;;
    asof-future) ctl=(-E "$(asof "validAt=$(gt '+1 year')")") ;;
    history) ctl=(-E "$(history_ctl)") ;;
  esac
}
PHONEQ='(|(cn=*ben*)(mail=*ben*)(telephoneNumber=*1234*))'

for path in plain asof asof-past asof-future history; do
  ctl_of $path
  for role in anonymous phonebook user iam; do
    out=$(rsearch $role -b "$P" "${ctl[@]}" "$PHONEQ" '*' +)
    if [ $path = history ]; then
      # history listings: admins and auditors only (moVersionOperation)
      is "$path/$role: no history listings" "$(grep -c '^dn:' <<<"$out")" "0"
    else
      is "$path/$role: the phone-book query finds people" "$(( $(grep -c '^dn:' <<<"$out") > 0 ))" "1"
    fi
    is "$path/$role: and never a CPR number" "$(grep -c '^moCPRNumber:' <<<"$out")" "0"
    is "$path/$role: a CPR probe matches nothing" \
      "$(rsearch $role -b "$P" "${ctl[@]}" '(moCPRNumber=01*)' 1.1 | grep -c '^dn:')" "0"
  done
  is "$path/auditor: the auditor finds ben by CPR" \
    "$(rsearch auditor -b "$P" "${ctl[@]}" '(moCPRNumber=01*)' 1.1 | grep -c '^dn:')" \
    "$(lsearch -b "$P" "${ctl[@]}" '(moCPRNumber=01*)' 1.1 | grep -c '^dn:')"
  for role in anonymous phonebook user; do
    is "$path/$role: an engagement answers like an absent entry" \
      "$(rrc $role -b "cn=e-anna,$F" -s base "${ctl[@]}" 1.1)" "$(rrc $role -b "cn=e-nobody,$F" -s base "${ctl[@]}" 1.1)"
    is "$path/$role: sees title, ou, mail of a person$([ $path = history ] && echo ' (history: none)')" \
      "$(rsearch $role -b "uid=ben,$P" -s base "${ctl[@]}" title ou mail | grep -c '^title:\|^ou:\|^mail:' | awk '{print ($1>=3)}')" \
      "$([ $path = history ] && echo 0 || echo 1)"
  done
  is "$path/iam: IAM reads engagements" "$(rrc iam -b "cn=e-anna,$F" -s base "${ctl[@]}" 1.1)" "0"
done
hist_anon=$(rsearch anonymous -b "uid=ben,$P" -s base -E "$(history_ctl)" '*' +)
hist_aud=$(rsearch auditor -b "uid=ben,$P" -s base -E "$(history_ctl)" '*' +)
is "history for anonymous: no moRecordedBy, moChangedAttributes, moVersionOperation" \
  "$(grep -c '^moRecordedBy:\|^moChangedAttributes:\|^moVersionOperation:' <<<"$hist_anon")" "0"
is "the auditor lists ben's history" "$(( $(grep -c '^dn:' <<<"$hist_aud") > 0 ))" "1"
is "history for the auditor: all of them" \
  "$(grep -c '^moRecordedBy:\|^moChangedAttributes:\|^moVersionOperation:' <<<"$hist_aud" | awk '{print ($1>0)}')" "1"
is "nobody but admins reads passwords (auditor)" "$(rsearch auditor -b "$S" userPassword | grep -c '^userPassword')" "0"

# a manager's direct reports as of now (oio_asof.c reads the units below
# them, down to units with a manager of their own) are what each role sees
# of them in the live entry: no more, no less
reps() { local r=$1; shift; rsearch $r -b "uid=boss,$P" -s base "$@" moDirectReports manager | grep -i '^moDirectReports:\|^manager:' | tr A-Z a-z | sort | tr '\n' ' '; }
for role in anonymous phonebook user iam; do
  live=$(reps $role)
  is "$role: the boss's direct reports as of now are what the live entry shows ($(wc -w <<<"$live") words)" \
    "$(reps $role -E "$(asof "validAt=$(gt '+1 minute')")")" "$live"
done
is "... and the live entry has some" "$(( $(reps iam | grep -o 'modirectreports:' | wc -l) > 0 ))" "1"
# a filter on a derived DN finds as of now what it finds live, for each
# role (as-of values carry their normalized DNs from oio's model; whether
# a role may search on manager at all is slapd's ACL, the same both ways)
bymgr() { local r=$1; shift; rsearch $r -b "$P" "$@" "(manager=uid=boss,$P)" 1.1 | sed -n 's/^dn: //p' | tr A-Z a-z | sort | tr '\n' ' '; }
for role in anonymous phonebook user iam; do
  live=$(bymgr $role)
  is "$role: people found by their manager as of now are those found live ($(wc -w <<<"$live"))" \
    "$(bymgr $role -E "$(asof "validAt=$(gt '+1 minute')")")" "$live"
done
is "... and iam finds some live" "$(( $(bymgr iam | wc -w) > 0 ))" "1"

# --- writes ------------------------------------------------------------------
wmod() {  # wmod ROLE [ldapmodify args]: modifies the description of unit A
  local r=$1; shift
  ldapmodify $(who "$r") -H "$URI" "$@" -f <(printf 'dn: ou=A,ou=Kommune,o=line,ou=organisation,%s\nchangetype: modify\nreplace: description\ndescription: by %s\n' "$SUFFIX" "$r") >/dev/null 2>&1; echo $?
}
is "anonymous may not write at all (slapd: authentication required)" "$(wmod anonymous)" "8"
is "not even dated" "$(wmod anonymous -e "$(valid "validFrom=$(gt '+1 day')")")" "8"
for role in phonebook iam auditor; do
  is "$role may not write now" "$(wmod $role)" "50"
  is "$role may not write in the future" "$(wmod $role -e "$(valid "validFrom=$(gt '+1 day')")")" "50"
  is "$role may not write the past" "$(wmod $role -e "$(valid 'validFrom=20200101000000Z')")" "50"
done
is "an admin may write now" "$(wmod diradmin)" "0"
is "an admin may write the future" "$(wmod diradmin -e "$(valid "validFrom=$(gt '+1 day')")")" "0"
is "an admin may correct the past (admins manage)" "$(wmod diradmin -e "$(valid 'validFrom=20200101000000Z;validTo=20210101000000Z')")" "0"
is "a person may not rewrite another's phone entry" \
  "$(ldapmodify -x -H "$URI" -D "cn=phonebook,$S" -w pw-phonebook -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: x\n' "$P") >/dev/null 2>&1; echo $?)" "50"

# a plain user writes only their own password (the profile: "by self =w")
pw() {  # pw WHOSE [ldapmodify args]: ben sets WHOSE password
  local u=$1; shift
  ldapmodify $(who user) -H "$URI" "$@" -f <(printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: pw-ben\n' "$u" "$P") >/dev/null 2>&1; echo $?
}
is "user: sets their own password now" "$(pw ben)" "0"
is "user: schedules their own password change" "$(pw ben -e "$(valid "validFrom=$(gt '+1 day')")")" "0"
is "user: may not rewrite their password in the past (manage)" "$(pw ben -e "$(valid 'validFrom=20200101000000Z;validTo=20210101000000Z')")" "50"
is "user: may not set another's password now" "$(pw anna)" "50"
is "user: nor schedule it" "$(pw anna -e "$(valid "validFrom=$(gt '+1 day')")")" "50"
is "user: may not change their own title or unit data (read only)" \
  "$(ldapmodify $(who user) -H "$URI" -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nreplace: description\ndescription: me\n' "$P") >/dev/null 2>&1; echo $?)" "50"
is "user: may not write a unit" "$(wmod user)" "50"
is "user: may not schedule a unit change" "$(wmod user -e "$(valid "validFrom=$(gt '+1 day')")")" "50"
is "user: may not move their entry" \
  "$(ldapmodrdn $(who user) -H "$URI" -e "$(valid "validFrom=$(gt '+1 day')")" "uid=ben,$P" uid=benny >/dev/null 2>&1; echo $?)" "50"
is "user: still binds with the password they set" "$(ldapwhoami $(who user) -H "$URI" >/dev/null 2>&1; echo $?)" "0"

# a dated move out of a hidden subtree (an engagement, hidden from the
# phone book, anonymous and plain users, into ou=people): refused for
# every role that may not write there
for role in anonymous phonebook iam auditor user; do
  rc=$(ldapmodrdn $(who $role) -H "$URI" -e "$(valid "validFrom=$(gt '+1 day')")" \
    -s "ou=people,$SUFFIX" "cn=e-anna,$F" cn=e-anna >/dev/null 2>&1; echo $?)
  case $role in anonymous) want=8 ;; *) want=50 ;; esac
  is "$role: a dated move out of ou=functions is refused ($want)" "$rc" "$want"
done
is "and nothing moved" "$(lsearch -b "cn=e-anna,$F" -s base 1.1 | grep -c '^dn:')" "1"

# --- the cn=config form agrees ---------------------------------------------
C=$T_DIR/c
write_conf "$C" "index moRefPerson,moRefUnit,moRefOwner,manager eq" "overlay bitemporal" "overlay oio"
echo "directory $C/db" >/dev/null
check "a cn=config directory without ACLs" conf_to_slapdd "$C/slapd.conf" "$C/slapd.d"
URI1=$URI
start_slapd "$C" -F || not_ok "cn=config slapd starts"
check "the profile's LDIF form loads over cn=config" lcfg -f <({ echo "dn: olcDatabase={1}mdb,cn=config"; "$PROFILE" "$SUFFIX" ldif; })
is "cn=config holds as many rules as the slapd.conf form" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -o ldif-wrap=no -b 'olcDatabase={1}mdb,cn=config' -s base olcAccess | grep -c '^olcAccess:')" \
  "$(grep -c '^access to' "$T_DIR/profile.conf")"
check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality" ladd -e relax -f "$HERE/oio/fixture.ldif"
check "system accounts" ladd -f <(accounts)
check "ben's CPR number" lmodify -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nadd: moCPRNumber\nmoCPRNumber: 0101901234\n' "$P")
is "cn=config form: anonymous CPR probe matches nothing" "$(rsearch anonymous -b "$P" '(moCPRNumber=01*)' 1.1 | grep -c '^dn:')" "0"
is "cn=config form: the auditor's matches ben" "$(rsearch auditor -b "$P" '(moCPRNumber=01*)' 1.1 | grep -c '^dn:')" "1"
is "cn=config form: the phone book may not write" "$(wmod phonebook)" "50"
is "cn=config form: TLS settings carried over" \
  "$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b cn=config -s base olcTLSCertificateFile | grep -c '^olcTLSCertificateFile:')" "1"
is "cn=config form: the auditor without TLS is refused" \
  "$(ldapwhoami -x -H "$URI" -D "cn=auditor,$S" -w pw-auditor >/dev/null 2>&1; echo $?)" "49"
URI=$URI1

finish
