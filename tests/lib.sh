# tests/lib.sh - harness for modir's integration tests, in the OpenLDAP
# test-suite style: each test starts its own Debian slapd on loopback with a
# temp directory, loads the module, talks to it with real clients, and stops
# only the slapd it started, by the PID in its pidfile.
#
# Source it from a test script:  . "$(dirname "$0")/../lib.sh"
# A test prints TAP lines ("ok N - ..." / "not ok N - ...") and ends with
# `finish`, which exits non-zero if anything failed.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${MODIR_BUILD:-$TOP}
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
SLAPCAT=${SLAPCAT:-/usr/sbin/slapcat}
SLAPTEST=${SLAPTEST:-/usr/sbin/slaptest}
MODULE_DIR=${MODIR_MODULE_DIR:-$BUILD/.libs}
SCHEMA_DIR=${MODIR_SCHEMA_DIR:-$TOP/schema}
GEN_SCHEMA_DIR=${MODIR_GEN_SCHEMA_DIR:-$BUILD/schema}
SYS_SCHEMA=/etc/ldap/schema
PY=/usr/bin/python3           # Debian's, for python3-ldap

SUFFIX="dc=kommune,dc=dk"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW="secret"
CFGDN="cn=admin,cn=config"

T_NUM=0
T_FAIL=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/modir-test.XXXXXX")
T_SLAPDS=()

# Sanitizer builds: the runtimes are preloaded into the stock slapd and its
# tools (only those: the clients and python stay as they are), through
# small wrappers that the tests use in place of the binaries.
if [ -n "${MODIR_SANITIZE_PRELOAD:-}" ]; then
  mkdir -p "$T_DIR/bin"
  for tool in slapd slapadd slapcat slaptest; do
    cat > "$T_DIR/bin/$tool" <<EOF2
#!/bin/sh
# (the runtimes first, then what a test preloads itself: t_task_start)
export LD_PRELOAD="$MODIR_SANITIZE_PRELOAD\${LD_PRELOAD:+:\$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$T_DIR/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$T_DIR/ubsan"
exec /usr/sbin/$tool "\$@"
EOF2
    chmod +x "$T_DIR/bin/$tool"
  done
  SLAPD=$T_DIR/bin/slapd SLAPADD=$T_DIR/bin/slapadd SLAPCAT=$T_DIR/bin/slapcat SLAPTEST=$T_DIR/bin/slaptest
fi

ok()      { T_NUM=$((T_NUM+1)); echo "ok $T_NUM - $*"; }
not_ok()  { T_NUM=$((T_NUM+1)); T_FAIL=$((T_FAIL+1)); echo "not ok $T_NUM - $*"; }
# check "description" command...   : passes when the command succeeds
check()   { local d=$1; shift; if "$@" >>"$T_DIR/check.log" 2>&1; then ok "$d"; else not_ok "$d"; tail -5 "$T_DIR/check.log" | sed 's/^/#   /'; fi; }
# is "description" got expected
is()      { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf '#   got:      %s\n#   expected: %s\n' "$2" "$3"; fi; }
diag()    { echo "# $*"; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stop_slapd() {   # stop_slapd PIDFILE
  local pidfile=$1 pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  return 0
}

kill9_slapd() {  # crash: kill -9 by PID from pidfile, wait until gone
  local pidfile=$1 pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  kill -9 "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$pidfile"
}

cleanup() {
  local p
  for p in "${T_SLAPDS[@]}"; do stop_slapd "$p"; done
  if [ -n "${MODIR_SANITIZE_PRELOAD:-}" ] && ls "$T_DIR"/asan* "$T_DIR"/ubsan* >/dev/null 2>&1; then
    echo "# sanitizer reports:"; cat "$T_DIR"/asan* "$T_DIR"/ubsan* 2>/dev/null | sed 's/^/#   /' | head -50
  fi
  [ -n "${MODIR_KEEP_TMP:-}" ] || rm -rf "$T_DIR"
}
trap cleanup EXIT

# write_conf DIR [extra database directives...]: a slapd.conf with our
# module and schema, one mdb database with $SUFFIX.  Extra arguments are
# lines appended to the database section (e.g. "overlay bitemporal").
write_conf() {
  local dir=$1; shift
  mkdir -p "$dir/db"
  {
    echo "include $SYS_SCHEMA/core.schema"
    echo "include $SYS_SCHEMA/cosine.schema"
    echo "include $SYS_SCHEMA/inetorgperson.schema"
    echo "include $SCHEMA_DIR/modir-oio.schema"
    echo "pidfile $dir/slapd.pid"
    echo "modulepath /usr/lib/ldap"
    echo "moduleload back_mdb"
    echo "moduleload $MODULE_DIR/modir.so"
    echo "${EXTRA_GLOBAL:-}"
    echo "database config"
    echo "rootdn \"$CFGDN\""
    echo "rootpw $ROOTPW"
    echo "database mdb"
    echo "suffix \"$SUFFIX\""
    echo "rootdn \"$ROOTDN\""
    echo "rootpw $ROOTPW"
    echo "directory $dir/db"
    echo "maxsize 1073741824"
    echo "index objectClass eq"
    echo "index entryUUID eq"
    local l; for l in "$@"; do echo "$l"; done
  } > "$dir/slapd.conf"
}

# start_slapd DIR [-f|-F]: starts slapd on a free loopback port; sets URI.
# With SLAPD_LDAPS=1 it also listens for ldaps on a second free port and
# sets LDAPS_URI (the configuration must then name a certificate and key).
start_slapd() {
  local dir=$1 mode=${2:--f} i
  local port; port=$(free_port)
  URI="ldap://127.0.0.1:$port/"
  local urls=$URI
  if [ -n "${SLAPD_LDAPS:-}" ]; then
    LDAPS_URI="ldaps://127.0.0.1:$(free_port)/"
    urls="$URI $LDAPS_URI"
  fi
  local cfgarg
  if [ "$mode" = -F ]; then cfgarg=(-F "$dir/slapd.d"); else cfgarg=(-f "$dir/slapd.conf"); fi
  rm -f "$dir/slapd.pid"
  # in a subshell: not a job of the test's shell, so a kill -9 by the
  # crash tests is not reported by bash
  ( exec "$SLAPD" -h "$urls" "${cfgarg[@]}" -d "${SLAPD_DEBUG:-0}" >"$dir/slapd.log" 2>&1 & )
  T_SLAPDS+=("$dir/slapd.pid")
  for i in $(seq 1 100); do
    if ldapsearch -x -H "$URI" -b "" -s base -LLL '(objectClass=*)' 1.1 >/dev/null 2>&1; then
      # the pidfile is written just before the listener starts
      [ -f "$dir/slapd.pid" ] && return 0
    fi
    sleep 0.1
  done
  echo "# slapd did not start; log:"; tail -20 "$dir/slapd.log" | sed 's/^/#   /'
  return 1
}

# conf_to_slapdd CONF DIR: converts a slapd.conf into a cn=config directory.
# slaptest writes the directory, then (not in -u mode) fails to open a
# database that does not exist yet; only the written config matters here.
conf_to_slapdd() {
  mkdir -p "$2"
  "$SLAPTEST" -f "$1" -F "$2" >/dev/null 2>&1
  [ -f "$2/cn=config.ldif" ]
}

lsearch() { ldapsearch -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -LLL -o ldif-wrap=no "$@"; }
lmodify() { ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
ladd()    { ldapadd -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
lcfg()    { ldapmodify -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" "$@"; }

# modir's controls.  ldapmodify/ldapadd/ldapdelete/ldapmodrdn take a
# control value in base64 (-e OID=b64), ldapsearch as text (-E 'OID=:text').
CTRL_VALIDITY=2.25.206283864511547100393473690660207568560.3.1
CTRL_ASOF=2.25.206283864511547100393473690660207568560.3.2
CTRL_HISTORY=2.25.206283864511547100393473690660207568560.3.3
valid()  { printf '!%s=%s' "$CTRL_VALIDITY" "$(printf '%s' "$1" | base64 -w0)"; }   # -e "$(valid 'validFrom=...')"
asof()   { printf '!%s=:%s' "$CTRL_ASOF" "$1"; }                                     # -E "$(asof 'validAt=...')"
history_ctl() { printf '!%s' "$CTRL_HISTORY"; }
gt()     { date -u -d "$1" +%Y%m%d%H%M%SZ; }                                          # gt '+3 seconds'

# base entries every test can start from
base_ldif() {
  cat <<EOF2
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: kommune
o: Test Kommune

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=organisation,$SUFFIX
objectClass: organizationalUnit
ou: organisation
EOF2
}

val() {  # val DN ATTR [ldapsearch args]: the values (as the rootdn), sorted, space-separated
  local dn=$1 a=$2; shift 2
  lsearch -b "$dn" -s base "$@" "$a" 2>/dev/null | grep -i "^$a:" | sed "s/^[^:]*: //" | sort | tr '\n' ' ' | sed 's/ $//'
}
# wait_is DESC EXPECTED CMD...: for what follows within a second or two
# (slapo-oio's derived values, activations)
wait_is() {
  local d=$1 want=$2 got i; shift 2
  for i in $(seq 1 40); do got=$("$@"); [ "$got" = "$want" ] && break; sleep 0.25; done
  is "$d" "$got" "$want"
}

# refused DESC TEXT CMD...: CMD fails and says TEXT (a refused config
# value, directive or change, with its reason)
refused() {
  local d=$1 text=$2 rc; shift 2
  rc=$(rc_of "$@")
  if [ "$rc" -ne 0 ] && grep -q -- "$text" "$T_DIR/last.out"; then ok "$d"
  else not_ok "$d (rc=$rc)"; sed 's/^/#   /' "$T_DIR/last.out"; fi
}

# the result code of an ldap client run: rc_of cmd...
rc_of() { "$@" >"$T_DIR/last.out" 2>&1; echo $?; }

finish() {
  echo "1..$T_NUM"
  [ "$T_FAIL" -eq 0 ]
}
