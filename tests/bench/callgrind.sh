#!/bin/bash
# tests/bench/callgrind.sh - instructions per operation of one workload,
# counted by callgrind in slapd (user space), on a copy of a database that
# make bench loaded and kept.  Instruction counts do not depend on what
# else the machine runs, so they compare code changes where the latencies
# of a shared machine cannot (docs/performance.md, "as-of reads").
#
#   BENCH_KEEP=1 BENCH_EMPLOYEES=2000 BENCH_CONFIGS=C BENCH_WORKLOADS=base \
#     BENCH_ROUNDS=1 BENCH_DURATION=3 bash tests/bench/run.sh   # prints "# kept DIR"
#   bash tests/bench/callgrind.sh DIR OUT -k asof-base -c 2 -t 20 -R 1826
#
# DIR: the kept directory (its C configuration is started); OUT: the
# callgrind file; the rest: modir-load's arguments (-H, -D, -w, -b, -f and
# -W are given here).  slapd runs under callgrind with instrumentation off
# until it answers, so its start and the database's first reads are not
# counted; it is stopped (by its PID) when the workload ends.  Prints
# modir-load's line and "instructions/op N".
set -euo pipefail
K=${1:?kept bench directory}; OUT=${2:?callgrind output file}; shift 2
BUILD=${MODIR_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)}
LOADGEN=${BENCH_LOADGEN:-$BUILD/tests/bench/modir-load}
[ -f "$K/C/db/data.mdb" ] && [ -f "$K/C/slapd.conf" ] || { echo "callgrind.sh: no kept C database in $K" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 2; }

D=$(mktemp -d /tmp/modir-cg.XXXXXX)
VP=
cleanup() { [ -n "$VP" ] && kill "$VP" 2>/dev/null && wait "$VP" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p "$D/db"
cp "$K/C/db/data.mdb" "$D/db/"	# the workload may write: never the kept copy
sed -e "s#^directory .*#directory $D/db#" -e "s#^pidfile .*#pidfile $D/slapd.pid#" \
  "$K/C/slapd.conf" > "$D/slapd.conf"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URI=ldap://127.0.0.1:$PORT/
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" \
  /usr/sbin/slapd -d 0 -f "$D/slapd.conf" -h "$URI" > "$D/slapd.log" 2>&1 &
VP=$!
for _ in $(seq 1 600); do
  ldapsearch -x -H "$URI" -b "" -s base >/dev/null 2>&1 && break
  kill -0 "$VP" 2>/dev/null || { cat "$D/slapd.log" >&2; exit 1; }
  sleep 1
done
callgrind_control -i on "$VP" >/dev/null
line=$("$LOADGEN" -H "$URI" -D "cn=admin,dc=kommune,dc=dk" -w secret -b "ou=people,dc=kommune,dc=dk" \
  -f "$K/data/people.dns" -W 0 "$@")
echo "$line"
kill "$VP"; wait "$VP" 2>/dev/null || true; VP=
ops=$(echo "$line" | sed -n 's/.*"ops":\([0-9]*\).*/\1/p')
ir=$(callgrind_annotate "$OUT" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
[ -n "$ops" ] && [ "$ops" -gt 0 ] && [ -n "$ir" ] && echo "instructions/op $((ir / ops))"
