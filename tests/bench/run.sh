#!/usr/bin/env bash
# tests/bench/run.sh - modir's benchmark ("make bench"; not part of the
# test suite).  Runs the same workloads with the same Debian slapd and the
# same generated municipality against three configurations:
#   A  back-mdb alone
#   B  back-mdb + syncprov + accesslog (logops writes into a second mdb)
#   C  back-mdb + modir (overlay bitemporal, overlay syncprov, overlay oio)
# and prints a table (median of BENCH_ROUNDS rounds, ratios C/A and C/B,
# targets met or not) and writes the same as JSON.
#
# Environment:
#   BENCH_EMPLOYEES  municipality size (25000)     BENCH_DURATION  s/run (10)
#   BENCH_ROUNDS     rounds per workload (3)       BENCH_CONNS     connections (8)
#   BENCH_SYNC_CONNS connections for the full syncs (2)
#   BENCH_MIXED_CONNS clients of the mixed load (50)
#   BENCH_SETTLE     s of modifies right after the load, reported apart as
#                    "modify-first" (30; 0 skips it)
#   BENCH_WARMUP     s before measuring (2)        BENCH_EVENTS    event samples/round (5)
#   BENCH_CONFIGS    subset, e.g. "A C" (A B C)    BENCH_SEED      generator seed (1)
#   BENCH_WORKLOADS  subset, e.g. "phonebook modify" (all)
#   BENCH_OUT        JSON result file (tests/bench/results.json in the build dir)
#   BENCH_C_SYNCPROV=0  C without syncprov (what the history itself costs)
#   BENCH_COMPACT=0  no mdb_copy -c between modify-first and the rounds
#   BENCH_KEEP=1     keep the temp directory       BENCH_PERF=1    perf record slapd
#                                                  during C's modify workload
#   MODIR_BUILD      build directory (the source tree)
# Never fails on a missed target; exits non-zero only if the harness itself
# cannot run (slapd does not start, the load generator is missing, ...).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MODIR_BUILD:-$TOP}
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
PY=/usr/bin/python3
LOADGEN=${BENCH_LOADGEN:-$BUILD/tests/bench/modir-load}
MODULE=${MODIR_MODULE:-$BUILD/.libs/modir.so}
SCHEMA=$TOP/schema/modir-oio.schema
SYS_SCHEMA=/etc/ldap/schema

EMPLOYEES=${BENCH_EMPLOYEES:-25000}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNS:-8}
SYNC_CONNS=${BENCH_SYNC_CONNS:-2}
MIXED_CONNS=${BENCH_MIXED_CONNS:-50}
WARMUP=${BENCH_WARMUP:-2}
SETTLE=${BENCH_SETTLE:-30}
EVENTS=${BENCH_EVENTS:-5}
CONFIGS=${BENCH_CONFIGS:-A B C}
WORKLOADS=${BENCH_WORKLOADS:-phonebook fullsync base modify modify-1 modify-future asof-base asof-fullsync asof-base-random asof-fullsync-random mixed mixed-plain event}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_OUT:-$BUILD/tests/bench/results.json}

SUFFIX="dc=kommune,dc=dk"
PEOPLE="ou=people,$SUFFIX"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW=secret
CTRL_VALIDITY=2.25.206283864511547100393473690660207568560.3.1
MAXSIZE=34359738368     # 32 GiB map; LMDB only uses what it needs

[ -x "$LOADGEN" ] || { echo "bench: $LOADGEN missing (make bench builds it)" >&2; exit 2; }
[ -f "$MODULE" ] || { echo "bench: $MODULE missing (run make)" >&2; exit 2; }
command -v mdb_stat >/dev/null || echo "# mdb_stat not found (apt-get install lmdb-utils): per-table sizes skipped" >&2

W=$(mktemp -d "${TMPDIR:-/tmp}/modir-bench.XXXXXX")
PIDFILES=()
cleanup() {
  local p
  for p in "${PIDFILES[@]}"; do stop_slapd "$p"; done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "# kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '# [%s] %s\n' "$(date +%T)" "$*" >&2; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stop_slapd() {   # stop_slapd PIDFILE: only the slapd we started, by its PID
  local pidfile=$1 pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  return 0
}

now_s() { date +%s.%N; }
elapsed() { "$PY" -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

# write_conf DIR CONFIG
write_conf() {
  local d=$1 c=$2
  mkdir -p "$d/db"
  {
    echo "include $SYS_SCHEMA/core.schema"
    echo "include $SYS_SCHEMA/cosine.schema"
    echo "include $SYS_SCHEMA/inetorgperson.schema"
    echo "include $SCHEMA"
    echo "pidfile $d/slapd.pid"
    echo "modulepath /usr/lib/ldap"
    echo "moduleload back_mdb"
    case $c in
      B) echo "moduleload syncprov"; echo "moduleload accesslog" ;;
      C) echo "moduleload syncprov"; echo "moduleload $MODULE" ;;
    esac
    echo "sizelimit unlimited"
    echo "database config"
    echo "rootdn \"cn=admin,cn=config\""
    echo "rootpw $ROOTPW"
    if [ "$c" = B ]; then
      mkdir -p "$d/accesslog"
      echo "database mdb"
      echo "suffix cn=accesslog"
      echo "rootdn cn=accesslog"
      echo "directory $d/accesslog"
      echo "maxsize $MAXSIZE"
      echo "index default eq"
      echo "index entryCSN,objectClass,reqEnd,reqResult,reqStart,reqDN eq"
      echo "overlay syncprov"
      echo "syncprov-nopresent TRUE"
      echo "syncprov-reloadhint TRUE"
    fi
    echo "database mdb"
    echo "suffix \"$SUFFIX\""
    echo "rootdn \"$ROOTDN\""
    echo "rootpw $ROOTPW"
    echo "directory $d/db"
    echo "maxsize $MAXSIZE"
    echo "index objectClass,entryUUID,entryCSN,uid eq"
    echo "index cn,sn,mail,telephoneNumber eq,sub"
    case $c in
      B)
        echo "overlay syncprov"
        echo "syncprov-checkpoint 100 10"
        echo "overlay accesslog"
        echo "logdb cn=accesslog"
        echo "logops writes"
        echo "logsuccess TRUE"
        echo "logpurge 07+00:00 01+00:00" ;;
      C)
        echo "overlay bitemporal"
        if [ "${BENCH_C_SYNCPROV:-1}" = 1 ]; then
          echo "overlay syncprov"
          echo "syncprov-checkpoint 100 10"
        fi
        echo "overlay oio" ;;
    esac
  } > "$d/slapd.conf"
}

# start_slapd DIR: sets URI; returns when slapd answers
start_slapd() {
  local d=$1 i port
  port=$(free_port)
  URI="ldap://127.0.0.1:$port/"
  rm -f "$d/slapd.pid"
  "$SLAPD" -h "$URI" -f "$d/slapd.conf" -d 0 >>"$d/slapd.log" 2>&1 &
  local bgpid=$!
  PIDFILES+=("$d/slapd.pid")
  for i in $(seq 1 6000); do
    if [ -f "$d/slapd.pid" ] && ldapsearch -x -H "$URI" -b "" -s base -LLL '(objectClass=*)' 1.1 >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$bgpid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: slapd did not start; log:" >&2; tail -20 "$d/slapd.log" >&2
  return 1
}

# free_pages CONFIG KEY: back-mdb's freelist (pages) into the meta file
free_pages() {
  command -v mdb_stat >/dev/null || return 0
  local n
  n=$(mdb_stat -ef "$W/$1/db" 2>/dev/null | awk '/Free pages:/ {print $3}')
  [ -n "$n" ] && echo "{\"config\":\"$1\",\"$2\":$n}" >> "$META"
  return 0
}

# VmRSS includes the mapped LMDB pages slapd has touched; RssAnon is its heap
rss_kb() { awk -v k="${2:-VmRSS}:" '$1 == k {print $2}' "/proc/$(cat "$1")/status" 2>/dev/null || echo 0; }

# --- data ------------------------------------------------------------------
log "generating $EMPLOYEES employees (seed $SEED)"
DATA=$W/data
mkdir -p "$DATA"
"$TOP/tools/modir-gen" --employees "$EMPLOYEES" --seed "$SEED" \
  -o "$DATA/base-valid.ldif" --history "$DATA/hist.ldif" --validity || exit 2
"$TOP/tools/modir-gen" --employees "$EMPLOYEES" --seed "$SEED" -o "$DATA/base-plain.ldif" \
  --truth "$DATA/truth.json" || exit 2
# A and B get the attributes C derives, so that all three store, index and
# return entries of the same shape (without modir they go stale on replay)
"$PY" "$TOP/tests/bench/add_derived.py" "$DATA/base-plain.ldif" "$DATA/truth.json" > "$DATA/base.ldif" || exit 2
# C gets them too, as a municipality migrating its directory would load
# them: oio then finds them right at its first start and rewrites only the
# entries whose values differ.  (Left out, every entry would be rewritten
# once after slapadd, leaving back-mdb's id2entry pages a fifth emptier
# than the other two's - a load artefact, not a cost of modir.)
"$PY" "$TOP/tests/bench/add_derived.py" "$DATA/base-valid.ldif" "$DATA/truth.json" > "$DATA/base-valid-derived.ldif" || exit 2
# without modir the validity control is unknown: replay the same changes plain
grep -v '^control: ' "$DATA/hist.ldif" > "$DATA/hist-plain.ldif"
grep -E "^dn: uid=[^,]+,$PEOPLE\$" "$DATA/base.ldif" | sed 's/^dn: //' > "$DATA/people.dns"
# Writes with a future validity leave versions pending, and a later
# change "from now on" rewrites every pending version of its entity as well
# (FOR PORTION OF now..infinity).  So that each round's plain modifies meet
# the same history, the dated workloads (modify-future, event) write to
# every other person and the plain modifies to the rest.
awk 'NR % 2 == 1' "$DATA/people.dns" > "$DATA/people-now.dns"
awk 'NR % 2 == 0' "$DATA/people.dns" > "$DATA/people-dated.dns"
NENTRIES=$(grep -c '^dn:' "$DATA/base.ldif")
NCHANGES=$(grep -c '^changetype:' "$DATA/hist.ldif")
NPEOPLE=$(wc -l < "$DATA/people.dns")
ASOF="validAt=$(date -u -d '-2 years' +%Y%m%d%H%M%SZ)"
log "$NENTRIES entries, $NPEOPLE people, $NCHANGES history changes; as-of point $ASOF"

RUNS=$W/runs.jsonl
META=$W/meta.jsonl
: > "$RUNS"; : > "$META"

# slapd's CPU time so far (utime + stime, clock ticks)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(cat "$W/$1/slapd.pid")/stat" 2>/dev/null || echo 0; }

# For writes: commits (LMDB's last transaction ID) and the sectors the
# disk holding $W has written - KB per commit is what a history adds to a
# write (the machine is otherwise quiet; 0 when /proc/diskstats does not
# know the device, e.g. in a container)
DISK=$(basename "$(df --output=source "$W" 2>/dev/null | tail -1)")
last_txn() { mdb_stat -e "$W/$1/db" 2>/dev/null | awk '/Last transaction ID:/ {print $4}'; }
disk_sectors() { awk -v d="$DISK" '$3 == d {print $10}' /proc/diskstats 2>/dev/null; }

loadgen() {   # loadgen CONFIG ROUND WORKLOAD [-k LOADGEN-WORKLOAD] [args...]
  local c=$1 r=$2 k=$3; shift 3
  local line kk=$k t0 t1
  if [ "${1:-}" = -k ]; then kk=$2; shift 2; fi
  t0=$(cpu_ticks "$c")
  local x0="" x1="" s0="" s1=""
  case $kk in modify*) x0=$(last_txn "$c"); s0=$(disk_sectors) ;; esac
  line=$("$LOADGEN" -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "$PEOPLE" -f "${DNS:-$DATA/people.dns}" \
    -W "$WARMUP" -t "$DURATION" -s "$((SEED * 1000 + r))" -L "$c" -k "$kk" "$@") || {
      echo "bench: modir-load $k failed against $c" >&2; return 1; }
  t1=$(cpu_ticks "$c")
  case $kk in modify*) x1=$(last_txn "$c"); s1=$(disk_sectors) ;; esac
  # slapd CPU per operation (warm-up included, so approximate), commits
  # and disk writes, and what run this was
  line=$(echo "$line" | "$PY" -c 'import json,sys,os
d = json.loads(sys.stdin.read()); hz = os.sysconf("SC_CLK_TCK")
d["config"], d["round"], d["workload"] = sys.argv[8], int(sys.argv[9]), sys.argv[10]
secs = d.get("duration_s", 0) + float(sys.argv[3])
n = d.get("ops_per_s", 0) * secs
d["cpu_ms_per_op"] = round((int(float(sys.argv[2])) - int(float(sys.argv[1]))) * 1000.0 / hz / n, 3) if n else None
x0, x1, s0, s1 = sys.argv[4:8]
if x0 and x1 and int(x1) > int(x0):
    d["commits"] = int(x1) - int(x0)
    d["writes_per_commit"] = round(n / d["commits"], 2)
    if s0 and s1:
        d["disk_kb_per_commit"] = round((int(s1) - int(s0)) * 512 / 1024.0 / d["commits"], 1)
print(json.dumps(d, separators=(",", ":")))' "$t0" "$t1" "$WARMUP" "$x0" "$x1" "$s0" "$s1" "$c" "$r" "$k")
  [ "${RECORD:-1}" = 1 ] && echo "$line" >> "$RUNS"
  log "  $c round $r $k: $line"
}

run_config() {
  local c=$1 d=$W/$c base hist t0 t1 t2 t3 errs
  write_conf "$d" "$c"
  if [ "$c" = C ]; then base=$DATA/base-valid-derived.ldif; hist=$DATA/hist.ldif
  else base=$DATA/base.ldif; hist=$DATA/hist-plain.ldif; fi

  log "$c: slapadd"
  t0=$(now_s)
  "$SLAPADD" -q -f "$d/slapd.conf" -b "$SUFFIX" -l "$base" >"$d/slapadd.log" 2>&1 || {
    echo "bench: slapadd failed for $c" >&2; tail "$d/slapadd.log" >&2; return 1; }
  t1=$(now_s)
  log "$c: first start"
  start_slapd "$d" || return 1
  t2=$(now_s)
  log "$c: replaying history"
  ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e relax -c -f "$hist" \
    >"$d/replay.out" 2>"$d/replay.err"
  t3=$(now_s)
  errs=$(grep -c '^ldap_' "$d/replay.err")
  sleep 1
  local rss; rss=$(rss_kb "$d/slapd.pid")
  local dbkb alkb=0
  dbkb=$(du -sk "$d/db" | cut -f1)
  [ "$c" = B ] && alkb=$(du -sk "$d/accesslog" | cut -f1)
  if command -v mdb_stat >/dev/null; then
    mdb_stat -ef "$d/db" > "$d/mdb_stat_env.txt" 2>&1
    mdb_stat -a "$d/db" > "$d/mdb_stat_all.txt" 2>&1
  fi
  "$PY" "$TOP/tests/bench/report.py" meta "$c" "$d" \
    slapadd_s="$(elapsed "$t0" "$t1")" start_s="$(elapsed "$t1" "$t2")" \
    replay_s="$(elapsed "$t2" "$t3")" replay_errors="$errs" rss_kb="$rss" rss_anon_kb="$(rss_kb "$d/slapd.pid" RssAnon)" \
    db_kb="$dbkb" accesslog_kb="$alkb" >> "$META"
  log "$c: loaded: $(tail -1 "$META")"
  if [ "$errs" -gt 0 ]; then
    log "$c: $errs history records failed; first:"; grep -m3 -B2 '^ldap_' "$d/replay.err" | sed 's/^/#     /' >&2
  fi

  URIS[$c]=$URI
}

want() { case " $WORKLOADS " in *" $1 "*) return 0 ;; esac; return 1; }

# bench_round CONFIG ROUND: every selected workload once against CONFIG
bench_round() {
  local c=$1 r=$2 d=$W/$1
  URI=${URIS[$c]}
  want phonebook && loadgen "$c" "$r" phonebook -c "$CONNS"
  want fullsync && loadgen "$c" "$r" fullsync -c "$SYNC_CONNS"
  want base && loadgen "$c" "$r" base -c "$CONNS"
  want modify && DNS=$DATA/people-now.dns loadgen "$c" "$r" modify -c "$CONNS"
  # one writer: every write waits for its own commit (nothing to share it with)
  want modify-1 && DNS=$DATA/people-now.dns loadgen "$c" "$r" modify-1 -k modify -c 1
  if [ "$c" = C ]; then
    want modify-future && DNS=$DATA/people-dated.dns loadgen "$c" "$r" modify-future -c "$CONNS"
    want asof-base && loadgen "$c" "$r" asof-base -c "$CONNS" -A "$ASOF"
    want asof-fullsync && loadgen "$c" "$r" asof-fullsync -c "$SYNC_CONNS" -A "$ASOF"
    # a new random point of the last five years for every operation: no
    # cached point helps (issue 13, item 3)
    want asof-base-random && loadgen "$c" "$r" asof-base-random -k asof-base -c "$CONNS" -R 1826
    want asof-fullsync-random && loadgen "$c" "$r" asof-fullsync-random -k asof-fullsync -c "$SYNC_CONNS" -R 1826
    # what a directory serves at once: 50 clients, three in ten reading
    # as of random dates and history; mixed-plain leaves those three idle,
    # so that the plain clients' share can be compared (issue 13, item 3)
    want mixed && DNS=$DATA/people-dated.dns loadgen "$c" "$r" mixed -c "$MIXED_CONNS" -R 1826
    want mixed-plain && DNS=$DATA/people-dated.dns loadgen "$c" "$r" mixed-plain -c "$MIXED_CONNS"
    want event && DNS=$DATA/people-dated.dns loadgen "$c" "$r" event -n "$EVENTS"
  fi
  return 0
}

# finish_config CONFIG: RSS after the workloads, stop, look at the log
finish_config() {
  local c=$1 d=$W/$1
  if [ -n "$(cat "$d/slapd.pid" 2>/dev/null)" ]; then
    echo "{\"config\":\"$c\",\"rss_after_kb\":$(rss_kb "$d/slapd.pid"),\"rss_anon_after_kb\":$(rss_kb "$d/slapd.pid" RssAnon)}" >> "$META"
  fi
  stop_slapd "$d/slapd.pid"
  if grep -qiE 'assert|segfault|Segmentation|Aborted' "$d/slapd.log"; then
    log "$c: slapd log shows trouble:"; tail -20 "$d/slapd.log" >&2
  fi
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d/db" "$d/accesslog"
}

# All configurations are loaded first and stay up (idle but for their own
# housekeeping); the rounds then alternate between them (A1 B1 C1 A2 B2 C2
# ...), so a slow phase of the VM hits every configuration alike instead of
# one of them, and the ratios are taken between neighbouring runs.
declare -A URIS
for c in $CONFIGS; do
  run_config "$c" || { echo "bench: configuration $c failed" >&2; exit 1; }
done
# The bulk load leaves every environment with thousands of free pages
# (back-mdb's freelist: 14,908 of A's 61,879 pages at 10k employees), and
# a large freelist makes each commit slower: LMDB loads and saves it again
# as pages are taken from it.  A directory of constant size keeps such a
# freelist for good, a history store grows and uses it up, so right after
# the load the comparison says more about the load than about either.
# The first modifies are measured in that state, apart ("modify-first",
# round 0, no target); then every environment is compacted with LMDB's own
# mdb_copy -c (the same for all: page copies, nothing re-sorted), as an
# admin would after a migration, and the rounds measure the state each
# configuration then stays in.
if want modify && [ "$SETTLE" -gt 0 ]; then
  for c in $CONFIGS; do
    URI=${URIS[$c]}
    free_pages "$c" free_before
    DURATION=$SETTLE DNS=$DATA/people-now.dns loadgen "$c" 0 modify-first -k modify -c "$CONNS"
    free_pages "$c" free_after_settle
  done
fi
for c in $CONFIGS; do
  stop_slapd "$W/$c/slapd.pid"
  if [ "${BENCH_COMPACT:-1}" = 1 ] && command -v mdb_copy >/dev/null; then
    for e in "$W/$c/db" "$W/$c/accesslog"; do
      [ -f "$e/data.mdb" ] || continue
      rm -rf "$e.compact"; mkdir "$e.compact"
      mdb_copy -c "$e" "$e.compact" && mv "$e.compact/data.mdb" "$e/data.mdb" && rm -f "$e/lock.mdb"
      rm -rf "$e.compact"
    done
    free_pages "$c" free_compacted
  fi
  start_slapd "$W/$c" || { echo "bench: configuration $c does not restart" >&2; exit 1; }
  URIS[$c]=$URI
done
for r in $(seq 1 "$ROUNDS"); do
  for c in $CONFIGS; do
    bench_round "$c" "$r" || { echo "bench: configuration $c failed" >&2; exit 1; }
  done
done
if [ -n "${BENCH_PERF:-}" ] && [[ " $CONFIGS " == *" C "* ]] && command -v perf >/dev/null; then
  # an extra run, not in the results (perf slows what it watches)
  URI=${URIS[C]}
  perf record -g -o "$W/perf-C-modify.data" -p "$(cat "$W/C/slapd.pid")" -- sleep $((WARMUP + DURATION)) \
    >"$W/perf.log" 2>&1 &
  perfpid=$!
  RECORD=0 DNS=$DATA/people-now.dns loadgen C 0 modify -c "$CONNS"
  wait "$perfpid"
  { echo "## by shared object"
    perf report -i "$W/perf-C-modify.data" --no-children -g none --sort dso --stdio 2>/dev/null \
      | grep '%' | grep -v '^#' | head -15
    echo "## top symbols"
    perf report -i "$W/perf-C-modify.data" --no-children -g none --sort dso,symbol --stdio 2>/dev/null \
      | grep '%' | grep -v '^#' | head -40
    echo "## modir.so symbols"
    perf report -i "$W/perf-C-modify.data" --no-children -g none --dsos modir.so --sort symbol --stdio 2>/dev/null \
      | grep '%' | grep -v '^#' | head -25
  } > "${BENCH_PERF_OUT:-$BUILD/tests/bench/perf-C-modify.txt}"
  log "perf profile: ${BENCH_PERF_OUT:-$BUILD/tests/bench/perf-C-modify.txt}"
fi
for c in $CONFIGS; do free_pages "$c" free_end; done
for c in $CONFIGS; do finish_config "$c"; done

"$PY" "$TOP/tests/bench/report.py" summary "$RUNS" "$META" "$OUT" \
  employees="$EMPLOYEES" entries="$NENTRIES" people="$NPEOPLE" changes="$NCHANGES" \
  duration="$DURATION" rounds="$ROUNDS" conns="$CONNS" sync_conns="$SYNC_CONNS" mixed_conns="$MIXED_CONNS" \
  warmup="$WARMUP" asof="$ASOF"
