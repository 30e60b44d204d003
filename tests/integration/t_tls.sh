#!/usr/bin/env bash
# TLS (issue 10): a CA of the test's own (contrib/tls/make-ca.sh), slapd with
# the privacy profile serving StartTLS and ldaps on loopback.  Clients that
# trust the CA file connect, clients that do not fail to verify; the staff
# accounts (admins, IAM, auditor) bind only over TLS, the phone book and
# anonymous also without; TLS does not widen what anonymous reads.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PROFILE=$TOP/contrib/acl/privacy-profile.sh
P="ou=people,$SUFFIX"; S="ou=system,$SUFFIX"
CA=$T_DIR/tls

check "make-ca.sh creates a CA and a server certificate" bash "$TOP/contrib/tls/make-ca.sh" "$CA"
is "the server certificate names 127.0.0.1, localhost and this machine" \
  "$(openssl x509 -in "$CA/server.crt" -noout -ext subjectAltName | grep -c "IP Address:127.0.0.1, DNS:localhost, DNS:$(hostname)")" "1"
check "the server certificate verifies against the CA" openssl verify -CAfile "$CA/ca.crt" "$CA/server.crt"
sum1=$(cat "$CA/ca.crt" "$CA/ca.key" "$CA/server.crt" | md5sum)
bash "$TOP/contrib/tls/make-ca.sh" "$CA" >/dev/null 2>&1
is "make-ca.sh again keeps the CA and the certificate" "$(cat "$CA/ca.crt" "$CA/ca.key" "$CA/server.crt" | md5sum)" "$sum1"
is "the server key is PKCS#8 PEM, not world-readable" \
  "$(head -1 "$CA/server.key") $(stat -c %a "$CA/server.key")" "-----BEGIN PRIVATE KEY----- 640"
cp -r "$CA" "$T_DIR/tls2"
MODIR_TLS_NEW_CA=1 bash "$TOP/contrib/tls/make-ca.sh" "$T_DIR/tls2" >/dev/null 2>&1
is "asked to (MODIR_TLS_NEW_CA=1), it makes a new CA" "$(cmp -s "$CA/ca.crt" "$T_DIR/tls2/ca.crt"; echo $?)" "1"
check "and a server certificate from it" openssl verify -CAfile "$T_DIR/tls2/ca.crt" "$T_DIR/tls2/server.crt"

"$PROFILE" "$SUFFIX" conf > "$T_DIR/profile.conf"
D=$T_DIR/s
EXTRA_GLOBAL="TLSCACertificateFile $CA/ca.crt
TLSCertificateFile $CA/server.crt
TLSCertificateKeyFile $CA/server.key" \
  write_conf "$D" "index moRefPerson,moRefUnit,moRefOwner,manager eq" \
  "include $T_DIR/profile.conf" "overlay bitemporal" "overlay oio"
SLAPD_LDAPS=1 start_slapd "$D" || { not_ok "slapd starts with TLS and the profile"; finish; exit 1; }

accounts() {
  printf 'dn: %s\nobjectClass: organizationalUnit\nou: system\n\n' "$S"
  for a in phonebook iam auditor diradmin; do
    printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: %s\nuserPassword: pw-%s\n\n' "$a" "$S" "$a" "$a"
  done
  # an admin who is a person: the TLS rule follows the group, not the subtree
  printf 'dn: cn=admins,%s\nobjectClass: groupOfNames\ncn: admins\nmember: cn=diradmin,%s\nmember: uid=ben,%s\n\n' "$S" "$S" "$P"
}
check "root entry" ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif | head -5)
check "the small municipality" ladd -e relax -f "$HERE/oio/fixture.ldif"
check "system accounts" ladd -f <(accounts)
check "ben (an admin) and anna (not) have passwords, ben a CPR number" lmodify -f <(printf 'dn: uid=ben,%s\nchangetype: modify\nadd: moCPRNumber\nmoCPRNumber: 0101901234\n-\nreplace: userPassword\nuserPassword: pw-ben\n\ndn: uid=anna,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: pw-anna\n' "$P" "$P")

# the oio overlay derives ben's title within a second or two
for i in $(seq 1 40); do [ -n "$(lsearch -b "uid=ben,$P" -s base title | grep '^title:')" ] && break; sleep 0.25; done

# Every client below has its own TLS settings: the CA file or none, and no
# ~/.ldaprc or /etc/ldap/ldap.conf of the machine.
export LDAPCONF=/dev/null LDAPRC=no-ldaprc-here
unset LDAPTLS_CACERT LDAPTLS_REQCERT
withca()  { LDAPTLS_CACERT="$CA/ca.crt" "$@"; }
# a client that trusts the system's CAs only (not ours), verifying as usual
withoutca() { LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt LDAPTLS_REQCERT=demand "$@"; }

# --- the transport ----------------------------------------------------------
is "StartTLS with the CA file (ldapwhoami -ZZ, anonymous)" "$(rc_of withca ldapwhoami -x -ZZ -H "$URI")" "0"
is "ldaps with the CA file" "$(rc_of withca ldapwhoami -x -H "$LDAPS_URI")" "0"
# -d 1: libldap says why the handshake failed (the CA, not the network)
rc=$(rc_of withoutca ldapwhoami -d 1 -x -ZZ -H "$URI")
is "StartTLS without the CA fails (rc $rc)" "$(( rc != 0 ))" "1"
is "because the certificate is not trusted" "$(grep -c 'TLS: peer cert untrusted' "$T_DIR/last.out")" "1"
rc=$(rc_of withoutca ldapwhoami -d 1 -x -H "$LDAPS_URI")
is "ldaps without the CA fails (rc $rc)" "$(( rc != 0 ))" "1"
is "because the certificate is not trusted" "$(grep -c 'TLS: peer cert untrusted' "$T_DIR/last.out")" "1"
rc=$(rc_of withca ldapwhoami -x -ZZ -H "ldap://localhost:${URI##*:}")
is "the certificate names localhost too (rc $rc)" "$rc" "0"

# --- binds -------------------------------------------------------------------
for a in diradmin iam auditor; do
  rc=$(rc_of ldapwhoami -x -H "$URI" -D "cn=$a,$S" -w "pw-$a")
  diag "$a: simple bind without TLS: rc $rc ($(head -1 "$T_DIR/last.out"))"
  is "$a: a simple bind without TLS is refused (invalidCredentials)" "$rc" "49"
  is "$a: with StartTLS it works" "$(rc_of withca ldapwhoami -x -ZZ -H "$URI" -D "cn=$a,$S" -w "pw-$a")" "0"
  is "$a: over ldaps it works" "$(rc_of withca ldapwhoami -x -H "$LDAPS_URI" -D "cn=$a,$S" -w "pw-$a")" "0"
  is "$a: a wrong password over TLS is still wrong" "$(rc_of withca ldapwhoami -x -ZZ -H "$URI" -D "cn=$a,$S" -w wrong)" "49"
done
is "a person in cn=admins: refused without TLS" "$(rc_of ldapwhoami -x -H "$URI" -D "uid=ben,$P" -w pw-ben)" "49"
is "a person in cn=admins: works with StartTLS" "$(rc_of withca ldapwhoami -x -ZZ -H "$URI" -D "uid=ben,$P" -w pw-ben)" "0"
is "a person not in cn=admins binds without TLS" "$(rc_of ldapwhoami -x -H "$URI" -D "uid=anna,$P" -w pw-anna)" "0"
is "the phone book binds without TLS" "$(rc_of ldapwhoami -x -H "$URI" -D "cn=phonebook,$S" -w pw-phonebook)" "0"
is "the phone book binds with TLS too" "$(rc_of withca ldapwhoami -x -ZZ -H "$URI" -D "cn=phonebook,$S" -w pw-phonebook)" "0"
is "the phone book with a wrong password: refused" "$(rc_of ldapwhoami -x -H "$URI" -D "cn=phonebook,$S" -w wrong)" "49"

# --- reads -------------------------------------------------------------------
PHONEQ='(|(cn=*ben*)(mail=*ben*))'
n() { grep -c "$1" "$T_DIR/last.out"; }
rc_of ldapsearch -x -H "$URI" -LLL -b "$P" "$PHONEQ" '*' + >/dev/null
is "anonymous without TLS reads the phone book" "$(n '^dn:' | awk '{print ($1>0)}')" "1"
rc_of ldapsearch -x -H "$URI" -D "cn=phonebook,$S" -w pw-phonebook -LLL -b "$P" "$PHONEQ" cn telephoneNumber >/dev/null
is "the phone book without TLS reads the phone book" "$(n '^dn:' | awk '{print ($1>0)}')" "1"
rc_of withca ldapsearch -x -ZZ -H "$URI" -LLL -b "$P" "$PHONEQ" '*' + >/dev/null
is "anonymous over StartTLS finds people" "$(n '^dn:' | awk '{print ($1>0)}')" "1"
is "but no CPR number over StartTLS either" "$(n '^moCPRNumber:')" "0"
rc_of withca ldapsearch -x -H "$LDAPS_URI" -LLL -b "$P" '(moCPRNumber=01*)' 1.1 >/dev/null
is "nor over ldaps (CPR probe)" "$(n '^dn:')" "0"
rc_of withca ldapsearch -x -ZZ -H "$URI" -D "cn=auditor,$S" -w pw-auditor -LLL -b "$P" '(moCPRNumber=01*)' moCPRNumber >/dev/null
is "the auditor over TLS reads ben's CPR number" "$(n '^moCPRNumber: 0101901234')" "1"
rc_of withca ldapsearch -x -ZZ -H "$URI" -D "cn=iam,$S" -w pw-iam -LLL -b "$P" '(uid=ben)' title >/dev/null
is "IAM over TLS reads people" "$(n '^title:' | awk '{print ($1>0)}')" "1"

finish
