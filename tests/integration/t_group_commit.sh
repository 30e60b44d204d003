#!/usr/bin/env bash
# Group commit (overlay/bitemporal/bt_commit.c): concurrent writes share back-mdb's
# transaction and its commit, each in a nested transaction of its own.
# Pipelined modifies on several connections, with writes among them that
# fail after their history rows were written, must each get their own
# result, leave exactly their own history, and need fewer commits than
# writes; with bitemporal-group-commit 1, and with a writable map (where
# LMDB has no nested transactions), every write commits alone.
. "$(dirname "$0")/../lib.sh"

WRITERS=$(dirname "$0")/concurrency/writers.py
CONNS=8 OPS=40 PER=5

people_ldif() {
  local c k
  for c in $(seq 0 $((CONNS-1))); do
    for k in $(seq 0 $((PER-1))); do
      printf 'dn: uid=w%02d%02d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: w%02d%02d\ncn: Writer %d %d\nsn: W%d\ndescription: initial\n\n' \
        "$c" "$k" "$SUFFIX" "$c" "$k" "$c" "$k" "$k"
    done
  done
}

last_txn() { mdb_stat -e "$1/db" | awk '/Last transaction ID:/ {print $4}'; }

# run_writers DIR LABEL: the concurrent run; sets WRITES and COMMITS
run_writers() {
  local D=$1 label=$2 t0 t1 line
  t0=$(last_txn "$D")
  "$PY" "$WRITERS" "$URI" "$ROOTDN" "$ROOTPW" "ou=people,$SUFFIX" "$CONNS" "$OPS" "$PER" >"$D/writers.out" 2>&1
  t1=$(last_txn "$D")
  WRITES=0
  while IFS= read -r line; do
    case $line in
      OK\ *) ok "$label: ${line#OK }" ;;
      FAIL\ *) not_ok "$label: ${line#FAIL }" ;;
      WRITES\ *) WRITES=${line#WRITES } ;;
      *) echo "# $line" ;;
    esac
  done < "$D/writers.out"
  grep -q '^WRITES ' "$D/writers.out" || { not_ok "$label: the writers ran to the end"; tail -5 "$D/writers.out" | sed 's/^/#   /'; }
  COMMITS=$(( ${t1:-0} - ${t0:-0} ))
  diag "$label: $WRITES successful writes in $COMMITS commits"
}

setup() {   # setup DIR directives...
  local D=$1; shift
  write_conf "$D" "$@"
  start_slapd "$D" || return 1
  ladd -f <(base_ldif) >/dev/null && ladd -f <(people_ldif) >/dev/null
}

# --- grouped (the default) --------------------------------------------
G=$T_DIR/grouped
if setup "$G" "overlay bitemporal"; then
  ok "slapd with the bitemporal overlay and $((CONNS*PER)) people"
  run_writers "$G" "grouped"
  if [ "$WRITES" -gt 0 ] && [ "$COMMITS" -gt 0 ] && [ "$COMMITS" -lt "$WRITES" ]; then
    ok "grouped: fewer commits ($COMMITS) than successful writes ($WRITES)"
  else
    not_ok "grouped: fewer commits ($COMMITS) than successful writes ($WRITES)"
  fi
  check "grouped: online verify: the live DIT and the history agree" \
    "$TOP/tools/modir-history" verify -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$SUFFIX"
  stop_slapd "$G/slapd.pid"
  check "grouped: offline verify of the database" "$TOP/tools/modir-history" verify "$G/db"
else
  not_ok "slapd with the bitemporal overlay and $((CONNS*PER)) people"
fi

# --- one write per commit -----------------------------------------------
S=$T_DIR/single
if setup "$S" "overlay bitemporal" "bitemporal-group-commit 1"; then
  ok "slapd with bitemporal-group-commit 1"
  run_writers "$S" "alone"
  if [ "$COMMITS" -ge "$WRITES" ]; then
    ok "alone: a commit per write ($COMMITS commits, $WRITES writes)"
  else
    not_ok "alone: a commit per write ($COMMITS commits, $WRITES writes)"
  fi
  stop_slapd "$S/slapd.pid"
else
  not_ok "slapd with bitemporal-group-commit 1"
fi

# --- a writable map: LMDB cannot nest, every write commits alone --------
M=$T_DIR/writemap
if setup "$M" "envflags writemap" "overlay bitemporal"; then
  ok "slapd with envflags writemap"
  run_writers "$M" "writemap"
  if [ "$COMMITS" -ge "$WRITES" ] && [ "$WRITES" -gt 0 ]; then
    ok "writemap: a commit per write ($COMMITS commits, $WRITES writes)"
  else
    not_ok "writemap: a commit per write ($COMMITS commits, $WRITES writes)"
  fi
  stop_slapd "$M/slapd.pid"
else
  not_ok "slapd with envflags writemap"
fi

# --- the setting in cn=config ------------------------------------------
C=$T_DIR/config
write_conf "$C" "overlay bitemporal" "bitemporal-group-commit 16"
if conf_to_slapdd "$C/slapd.conf" "$C/slapd.d" && start_slapd "$C" -F; then
  got=$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -b cn=config \
    '(objectClass=olcBitemporalConfig)' olcBitemporalGroupCommit | awk '/^olcBitemporalGroupCommit:/ {print $2}')
  is "olcBitemporalGroupCommit is read back from cn=config" "$got" 16
  odn=$(ldapsearch -x -H "$URI" -D "$CFGDN" -w "$ROOTPW" -LLL -o ldif-wrap=no -b cn=config \
    '(objectClass=olcBitemporalConfig)' dn | sed -n 's/^dn: //p')
  rc=$(rc_of lcfg <<EOF2
dn: $odn
changetype: modify
replace: olcBitemporalGroupCommit
olcBitemporalGroupCommit: 0
EOF2
)
  is "olcBitemporalGroupCommit: 0 is refused (constraint or other)" "$([ "$rc" -ne 0 ] && echo refused)" refused
  rc=$(rc_of lcfg <<EOF2
dn: $odn
changetype: modify
replace: olcBitemporalGroupCommit
olcBitemporalGroupCommit: 1
EOF2
)
  is "olcBitemporalGroupCommit can be changed over LDAP" "$rc" 0
  stop_slapd "$C/slapd.pid"
else
  not_ok "slapd from cn=config with bitemporal-group-commit 16"
fi

finish
