#!/usr/bin/env bash
# contrib/demo.sh - README command 1: on a fresh Debian 12 machine, as root,
# install what modir needs, build and install it, generate a demo
# municipality and run it in its own slapd (cn=config, back-mdb with the
# bitemporal and oio overlays) on ldap://127.0.0.1:$MODIR_DEMO_PORT (with
# StartTLS) and ldaps://127.0.0.1:$MODIR_DEMO_LDAPS_PORT, with a CA of its
# own in $MODIR_DEMO_DIR/tls (contrib/tls/make-ca.sh): clients trust it with
# LDAPTLS_CACERT=$MODIR_DEMO_DIR/tls/ca.crt.
#
# Safe to re-run: it stops the demo slapd it started before (by the PID in
# its pidfile) and rebuilds the demo directory from scratch, except the CA
# (tls/), which it keeps, so that clients' CA files stay valid.
#
# Environment: MODIR_DEMO_PORT (3890), MODIR_DEMO_LDAPS_PORT (6360),
#   MODIR_DEMO_DIR (/var/lib/modir-demo), MODIR_DEMO_EMPLOYEES (2000),
#   MODIR_DEMO_SEED (1).
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
PORT=${MODIR_DEMO_PORT:-3890}
LDAPS_PORT=${MODIR_DEMO_LDAPS_PORT:-6360}
DIR=${MODIR_DEMO_DIR:-/var/lib/modir-demo}
EMPLOYEES=${MODIR_DEMO_EMPLOYEES:-2000}
SEED=${MODIR_DEMO_SEED:-1}
SUFFIX="dc=kommune,dc=dk"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW=${MODIR_DEMO_PASSWORD:-demo}
URI="ldap://127.0.0.1:$PORT/"
LDAPS_URI="ldaps://127.0.0.1:$LDAPS_PORT/"
TLS=$DIR/tls
# this script's own clients: the demo's CA, whatever ldap.conf says
export LDAPTLS_CACERT=$TLS/ca.crt

say() { printf '>>> %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "run as root: it installs packages and the module into slapd's directories" >&2
  exit 1
fi

# --- stop a previous demo (only ours, by its pidfile) --------------------
if [ -f "$DIR/slapd.pid" ]; then
  pid=$(cat "$DIR/slapd.pid")
  if kill -0 "$pid" 2>/dev/null && grep -q slapd "/proc/$pid/cmdline" 2>/dev/null; then
    say "stopping the previous demo slapd (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
fi

say "installing packages (apt-get)"
bash contrib/install-deps.sh >/tmp/modir-install-deps.log 2>&1 || {
  tail -20 /tmp/modir-install-deps.log; exit 1; }

say "building modir"
{
  [ -x configure ] || autoreconf -fi
  [ -f Makefile ] || ./configure
  make -j"$(nproc)"
  make install
} >/tmp/modir-build.log 2>&1 || { tail -30 /tmp/modir-build.log; exit 1; }
say "installed $(ls /usr/lib/ldap/modir.so) and /etc/ldap/schema/modir-oio.{schema,ldif}"

say "generating a municipality of $EMPLOYEES employees (seed $SEED)"
mkdir -p "$DIR"
find "$DIR" -mindepth 1 -maxdepth 1 ! -name tls -exec rm -rf {} +
mkdir -p "$DIR/db" "$DIR/slapd.d"
"$TOP/tools/modir-gen" --employees "$EMPLOYEES" --seed "$SEED" --suffix "$SUFFIX" \
  --validity -o "$DIR/base.ldif" --history "$DIR/history.ldif" --truth "$DIR/truth.json"

say "CA and server certificate for 127.0.0.1 in $TLS (contrib/tls/make-ca.sh)"
bash "$TOP/contrib/tls/make-ca.sh" "$TLS" >"$DIR/make-ca.log" 2>&1 || { cat "$DIR/make-ca.log"; exit 1; }

# The configuration is written as slapd.conf once and converted into a
# cn=config directory: the running demo is administered over LDAP.
bash "$TOP/contrib/acl/privacy-profile.sh" "$SUFFIX" conf > "$DIR/privacy-profile.conf"
SYSPW=${MODIR_DEMO_ACCOUNT_PASSWORD:-demo-$SEED}
{
  printf '\ndn: ou=system,%s\nobjectClass: organizationalUnit\nou: system\n' "$SUFFIX"
  for a in phonebook iam auditor diradmin; do
    printf '\ndn: cn=%s,ou=system,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: %s\nuserPassword: %s\n' \
      "$a" "$SUFFIX" "$a" "$SYSPW"
  done
  # the rootdn is an entry with a password, not a rootpw: slapd checks a
  # rootpw before any ACL, an entry's password through them, so the
  # profile holds the admin to TLS like the other staff accounts
  printf '\ndn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: admin\nuserPassword: %s\n' \
    "$ROOTDN" "$(/usr/sbin/slappasswd -s "$ROOTPW")"
  printf '\ndn: cn=admins,ou=system,%s\nobjectClass: groupOfNames\ncn: admins\nmember: cn=diradmin,ou=system,%s\nmember: %s\n' "$SUFFIX" "$SUFFIX" "$ROOTDN"
} >> "$DIR/base.ldif"

cat > "$DIR/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/modir-oio.schema
pidfile $DIR/slapd.pid
argsfile $DIR/slapd.args
# StartTLS on $URI and ldaps on $LDAPS_URI (GnuTLS); the privacy profile
# accepts the staff accounts' passwords only over TLS
TLSCACertificateFile $TLS/ca.crt
TLSCertificateFile $TLS/server.crt
TLSCertificateKeyFile $TLS/server.key
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload syncprov
moduleload modir

database config
rootdn "cn=admin,cn=config"
rootpw $ROOTPW

database mdb
suffix "$SUFFIX"
rootdn "$ROOTDN"
directory $DIR/db
maxsize 4294967296
index objectClass eq
index entryUUID eq
index uid,cn,sn,mail,telephoneNumber eq,sub
index moRefPerson,moRefUnit,moRefOwner,manager,moActive eq
# IAM systems page through everyone; phone-book clients get 500 at most
limits users size.soft=unlimited size.hard=unlimited size.pr=unlimited size.prtotal=unlimited
limits anonymous size.soft=500 size.hard=500 size.prtotal=500
# the privacy profile (contrib/acl): the phone book and anonymous read the
# public facts only, never a CPR number; IAM, auditor and admins by account
include $DIR/privacy-profile.conf
overlay bitemporal
overlay syncprov
overlay oio
EOF
/usr/sbin/slaptest -f "$DIR/slapd.conf" -F "$DIR/slapd.d" >/dev/null 2>&1 || true
[ -f "$DIR/slapd.d/cn=config.ldif" ] || { echo "could not build the cn=config directory" >&2; exit 1; }

say "loading $(grep -c '^dn:' "$DIR/base.ldif") entries (slapadd)"
/usr/sbin/slapadd -q -F "$DIR/slapd.d" -b "$SUFFIX" -l "$DIR/base.ldif" >/dev/null
chown -R openldap:openldap "$DIR" 2>/dev/null || true
# slapd reads the server key (group openldap), nobody but root the CA key
chown -R root:openldap "$TLS" 2>/dev/null || true
chmod 0600 "$TLS/ca.key"

say "starting slapd on $URI (StartTLS) and $LDAPS_URI"
/usr/sbin/slapd -h "$URI $LDAPS_URI ldapi://$(printf '%s' "$DIR/ldapi" | sed 's|/|%2F|g')" -F "$DIR/slapd.d" \
  -u openldap -g openldap
for _ in $(seq 1 100); do
  ldapsearch -x -H "$URI" -b "" -s base 1.1 >/dev/null 2>&1 && break
  sleep 0.2
done
ldapsearch -x -H "$URI" -b "" -s base 1.1 >/dev/null 2>&1 || { echo "slapd did not start" >&2; exit 1; }
# the printed examples bind over TLS: fail here rather than there
ldapwhoami -x -ZZ -H "$URI" >/dev/null 2>&1 || { echo "StartTLS with $TLS/ca.crt fails" >&2; exit 1; }
ldapwhoami -x -H "$LDAPS_URI" >/dev/null 2>&1 || { echo "ldaps with $TLS/ca.crt fails" >&2; exit 1; }
ldapwhoami -x -ZZ -H "$URI" -D "$ROOTDN" -w "$ROOTPW" >/dev/null 2>&1 || { echo "the admin cannot bind over StartTLS" >&2; exit 1; }
if ldapwhoami -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" >/dev/null 2>&1; then
  echo "the admin's password is accepted without TLS: the privacy profile is not in force" >&2; exit 1
fi

say "replaying $(grep -c '^changetype' "$DIR/history.ldif") dated changes (five years of history)"
ldapmodify -x -ZZ -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e relax -c -f "$DIR/history.ldif" \
  >"$DIR/history.out" 2>&1 || say "some changes were refused, see $DIR/history.out"
# the oio overlay derives title, manager, mail, ... within a second or two
for _ in $(seq 1 50); do
  [ "$(ldapsearch -x -ZZ -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -LLL -b "ou=people,$SUFFIX" '(moActive=TRUE)' 1.1 2>/dev/null | grep -c '^dn:')" -gt 0 ] && break
  sleep 0.2
done

person=$(grep -m1 '^dn: uid=' "$DIR/base.ldif" | sed 's/^dn: //')
name=$(ldapsearch -x -H "$URI" -LLL -b "$person" -s base cn | sed -n 's/^cn: //p' | head -1)
term=$(printf '%s' "${name%% *}" | cut -c1-4)
two_years_ago=$(date -u -d '2 years ago' +%Y%m%d000000Z)

cat <<EOF

modir demo is running: $URI (StartTLS) and $LDAPS_URI (pid $(cat "$DIR/slapd.pid"), data in $DIR)
  CA file:        $TLS/ca.crt (LDAPTLS_CACERT=$TLS/ca.crt)
  admin DN:       $ROOTDN
  admin password: $ROOTPW (the rootdn, an entry with a password and a member of
                  cn=admins: binds over TLS only, -ZZ or ldaps://)
  cn=config:      cn=admin,cn=config / $ROOTPW
  accounts:       cn=phonebook|iam|auditor|diradmin,ou=system,$SUFFIX / $SYSPW
                  (privacy profile: contrib/acl/privacy-profile.conf.in)
                  iam, auditor and diradmin bind over TLS only (-ZZ or ldaps://);
                  the phone book and anonymous also without

Try:
  # 1. phone book: people whose name contains "$term", with what modir derives for them
  ldapsearch -x -H $URI -b ou=people,$SUFFIX '(cn=*$term*)' cn title ou mail telephoneNumber manager

  # 2. the same people as the directory had them two years ago (as-of control), as the IAM system, over StartTLS
  LDAPTLS_CACERT=$TLS/ca.crt ldapsearch -x -ZZ -H $URI -D cn=iam,ou=system,$SUFFIX -w $SYSPW -b ou=people,$SUFFIX -E '!2.25.206283864511547100393473690660207568560.3.2=:validAt=$two_years_ago' '(cn=*$term*)' cn title ou manager moValidFrom

  # 3. every version of one person (history control), as the auditor, over ldaps
  LDAPTLS_CACERT=$TLS/ca.crt ldapsearch -x -H $LDAPS_URI -D cn=auditor,ou=system,$SUFFIX -w $SYSPW -b '$person' -s base -E '!2.25.206283864511547100393473690660207568560.3.3' cn moValidFrom moValidTo moRecordedAt moVersionOperation

Stop it with: kill \$(cat $DIR/slapd.pid)
EOF
