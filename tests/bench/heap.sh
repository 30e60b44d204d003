#!/usr/bin/env bash
# tests/bench/heap.sh - where slapd's memory goes, stage by stage (issue 12).
#
# usage: tests/bench/heap.sh EMPLOYEES MODE
#   MODE plain   back-mdb alone
#        bt      back-mdb + overlay bitemporal
#        oio     back-mdb + overlay bitemporal + overlay oio (the full module)
#
# Loads the generated municipality (tools/modir-gen, seed 1) like `make
# bench` does (slapadd of the base with its derived values, then the five
# years of history over LDAP), then after each stage prints slapd's RssAnon
# (its heap as the kernel sees it) and glibc's "in use" bytes (what
# malloc_stats() reports for all arenas, read with gdb): what is held, and
# what was freed but not handed back, and the same per arena (glibc gives
# the threads arenas of their own).  The figures are read from inside
# slapd by tests/bench/heapstat.c (preloaded; it answers on a named pipe):
# calling malloc_stats() from gdb aborted slapd on the development VM.
# HEAP_TRIM=1: after each stage also malloc_trim(0) and print the figures
# again (what the arenas kept that a trim hands back; it changes what the
# later stages start from).  HEAP_WRAP: a command slapd runs under (e.g.
# "heaptrack -o FILE": who allocated what; the figures read under it are
# heaptrack's, not glibc's).  HEAP_START_ONLY=SECONDS: the first stage
# only, that many seconds after slapd answers (default 2), then stop.
# Stages: start (oio's model loaded,
# bitemporal's baselines), history replay, one as-of full search of the
# people (-2 years), 5 s of as-of base lookups at random dates, a second
# as-of full search at another point (-3 years).
# Needs a C compiler; runs its own slapd on a free loopback port in a temp dir and
# stops it by its PID.  Not part of the suite: a measurement.
set -u
N=${1:?employees} MODE=${2:?plain|bt|oio}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MODIR_BUILD:-$TOP}
MODULE=${MODIR_MODULE:-$BUILD/.libs/modir.so}
LOADGEN=$BUILD/tests/bench/modir-load
PY=/usr/bin/python3
SUFFIX=dc=kommune,dc=dk ROOTDN=cn=admin,dc=kommune,dc=dk ROOTPW=secret
ASOF_OID=2.25.206283864511547100393473690660207568560.3.2
[ -x "$LOADGEN" ] || make -C "$BUILD" tests/bench/modir-load >/dev/null || exit 2

W=$(mktemp -d "${TMPDIR:-/tmp}/modir-heap.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

D=$W/data; mkdir -p "$D" "$W/db"
"$TOP/tools/modir-gen" --employees "$N" --seed 1 -o "$D/base-valid.ldif" --history "$D/hist.ldif" --validity >/dev/null
"$TOP/tools/modir-gen" --employees "$N" --seed 1 -o "$D/base-plain.ldif" --truth "$D/truth.json" >/dev/null
if [ "$MODE" = plain ]; then
  "$PY" "$TOP/tests/bench/add_derived.py" "$D/base-plain.ldif" "$D/truth.json" > "$D/base.ldif"
  grep -v '^control: ' "$D/hist.ldif" > "$D/hist-run.ldif"
else
  "$PY" "$TOP/tests/bench/add_derived.py" "$D/base-valid.ldif" "$D/truth.json" > "$D/base.ldif"
  cp "$D/hist.ldif" "$D/hist-run.ldif"
fi
grep -E "^dn: uid=[^,]+,ou=people,$SUFFIX\$" "$D/base.ldif" | sed 's/^dn: //' > "$D/people.dns"

S=/etc/ldap/schema
{
  echo "include $S/core.schema"; echo "include $S/cosine.schema"; echo "include $S/inetorgperson.schema"
  echo "include $TOP/schema/modir-oio.schema"; echo "pidfile $W/slapd.pid"; echo "modulepath /usr/lib/ldap"
  echo "moduleload back_mdb"; [ "$MODE" != plain ] && echo "moduleload $MODULE"
  echo "sizelimit unlimited"
  echo "database mdb"; echo "suffix \"$SUFFIX\""; echo "rootdn \"$ROOTDN\""; echo "rootpw $ROOTPW"
  echo "directory $W/db"; echo "maxsize 34359738368"
  echo "index objectClass,entryUUID,entryCSN,uid eq"; echo "index cn,sn,mail,telephoneNumber eq,sub"
  [ "$MODE" != plain ] && echo "overlay bitemporal"
  [ "$MODE" = oio ] && echo "overlay oio"
} > "$W/slapd.conf"
/usr/sbin/slapadd -q -f "$W/slapd.conf" -l "$D/base.ldif" || exit 1
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URI=ldap://127.0.0.1:$port/
cc -O2 -shared -fPIC -o "$W/heapstat.so" "$TOP/tests/bench/heapstat.c" -lpthread || exit 2
mkfifo "$W/stat" "$W/stat.done"
HEAPSTAT_FIFO=$W/stat LD_PRELOAD=$W/heapstat.so \
  ${HEAP_WRAP:-} /usr/sbin/slapd -h "$URI" -f "$W/slapd.conf" -d 0 > "$W/slapd.log" 2>&1 &
for _ in $(seq 600); do ldapsearch -x -H "$URI" -b "" -s base 1.1 >/dev/null 2>&1 && break; sleep 0.2; done
pid=$(cat "$W/slapd.pid")

# ask (stats or trim), print the totals and the arenas
ask() {
  local inuse n
  n=$(wc -l < "$W/slapd.log")
  echo "$2" > "$W/stat"; read -r _ < "$W/stat.done"
  tail -n +$((n + 1)) "$W/slapd.log" > "$W/stats"
  inuse=$(grep "in use bytes" "$W/stats" | tail -1 | awk '{print $NF}')
  echo "$MODE $N $1: RssAnon $(awk '/RssAnon/{print $2}' "/proc/$pid/status") KiB, malloc in use $(( ${inuse:-0} / 1024 )) KiB"
  # resident anonymous memory by kind of mapping, from smaps: the main
  # arena ([heap]), the other arenas (their heaps start 64 MiB aligned),
  # thread stacks (8 MiB), and the rest (mmapped blocks: large allocations)
  "$PY" - "/proc/$pid/smaps" <<'PYEOF'
import sys
kinds = {}
cur = None
for line in open(sys.argv[1]):
    f = line.split()
    if '-' in f[0] and len(f) >= 5 and ':' in f[3]:
        lo, hi = (int(x, 16) for x in f[0].split('-'))
        name = f[5] if len(f) > 5 else ''
        if name == '[heap]': cur = 'heap'
        elif name: cur = None
        elif lo % (64 << 20) == 0: cur = 'arenas'
        elif hi - lo in (8 << 20, 8 << 20 | 4096): cur = 'stacks'
        else: cur = 'mmapped'
    elif f[0] == 'Anonymous:' and cur:
        kinds[cur] = kinds.get(cur, 0) + int(f[1])
print('  resident KiB: ' + ', '.join('%s %d' % (k, kinds.get(k, 0)) for k in ('heap', 'arenas', 'stacks', 'mmapped')))
PYEOF
  # per arena, system / in use in KiB: what a thread's arena keeps of what it freed
  awk '/^Arena/{a=$2} /^system bytes/&&a!=""{s=$NF} /^in use bytes/&&a!=""{printf "  arena %s %d/%d", a, s/1024, $NF/1024; a=""} /^Total/{a=""} END{print ""}' "$W/stats"
}
stage() {
  ask "$1" stats
  [ "${HEAP_TRIM:-0}" = 1 ] && ask "$1, trimmed" trim
  return 0
}
asof_people() {
  ldapsearch -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -b "ou=people,$SUFFIX" \
    -E "$ASOF_OID=:validAt=$(date -u -d "$1" +%Y%m%d%H%M%SZ)" '(objectClass=inetOrgPerson)' >/dev/null
}

sleep "${HEAP_START_ONLY:-2}"; stage "after start"
[ -n "${HEAP_START_ONLY:-}" ] && exit 0
ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e relax -c -f "$D/hist-run.ldif" >/dev/null 2>&1
# each stage is measured at rest, SETTLE seconds after its step: what the
# server holds, once its tasks have run (oio derives what the last writes
# changed and hands back a discarded organisation at a point; bitemporal
# hands back what a burst of writes freed, two seconds after the last)
SETTLE=5
sleep $SETTLE; stage "after the history replay"
if [ "$MODE" != plain ]; then
  asof_people '-2 years'; sleep $SETTLE; stage "after one as-of full search (-2 y)"
  "$LOADGEN" -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -f "$D/people.dns" -k asof-base -R 1826 -c 4 -W 0 -t 5 >/dev/null
  sleep $SETTLE; stage "after 5 s of as-of base lookups at random dates"
  asof_people '-3 years'; sleep $SETTLE; stage "after a second as-of full search (-3 y)"
fi
